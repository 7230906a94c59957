import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, weightOf } from '../../../core/rewards/allocate.js';
import { type RewardsConfig, rewardsConfigSchema } from '../../../core/rewards/config.js';
import { pplnsWeights, type RoundWeights, splitEntries, splitReward } from '../../../core/rewards/schemes.js';

const miners = ['mA', 'mB', 'mC', 'mD', 'mE'];
const roundArb = fc.record({
  height: fc.integer({ min: 1, max: 1000 }),
  miners: fc.array(
    fc.record({ miner: fc.constantFrom(...miners), difficulty: fc.double({ min: 0.0001, max: 1e6, noNaN: true }) }),
    {
      minLength: 1,
      maxLength: 6,
    },
  ),
});
const roundsArb = fc
  .array(roundArb, { minLength: 1, maxLength: 8 })
  .map((rs) => rs.map((r, i) => ({ ...r, height: 1000 - i }))); // newest first
const cfgArb = fc
  .record({
    scheme: fc.constantFrom('PPLNS', 'PROP', 'SOLO'),
    feeBasisPoints: fc.integer({ min: 0, max: 5000 }),
    finderBonusBasisPoints: fc.integer({ min: 0, max: 2000 }),
    feeWallets: fc.array(
      fc.record({ address: fc.constantFrom('f1', 'f2', 'f3'), weight: fc.integer({ min: 1, max: 10 }) }),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
    pplnsWindowFactor: fc.double({ min: 0.1, max: 10, noNaN: true }),
  })
  .map((c) => rewardsConfigSchema.parse(c));
const blockArb = fc.record({
  height: fc.constant(1000),
  hash: fc.constant('ab'),
  reward: fc.bigInt({ min: 0n, max: 10n ** 15n }),
  networkDifficulty: fc.double({ min: 0.001, max: 1e7, noNaN: true }),
  finder: fc.constantFrom(...miners),
});

const sum = (xs: { amount: bigint }[]) => xs.reduce((s, x) => s + x.amount, 0n);

describe('splitReward (every scheme)', () => {
  it('accounts for every base unit: miners + fees + bonus + dust = reward, nothing negative', () => {
    fc.assert(
      fc.property(blockArb, roundsArb, cfgArb, (block, rounds, cfg) => {
        const split = splitReward(block, rounds, cfg);
        const entries = splitEntries(split);
        expect(sum(entries)).toBe(block.reward);
        for (const e of entries) expect(e.amount).toBeGreaterThan(0n);
        expect(split.dust).toBeGreaterThanOrEqual(0n);
        // Flooring loses less than one unit per weighted account (fee wallets, miners or the finder).
        const weighted = new Set([
          ...cfg.feeWallets.map((w) => w.address),
          ...rounds.flatMap((r) => r.miners.map((m) => m.miner)),
          block.finder,
        ]);
        expect(split.dust).toBeLessThan(BigInt(weighted.size + 1));
      }),
    );
  });

  it('is deterministic whatever the order of miners within rounds', () => {
    fc.assert(
      fc.property(blockArb, roundsArb, cfgArb, (block, rounds, cfg) => {
        const shuffled = rounds.map((r) => ({ ...r, miners: [...r.miners].reverse() }));
        expect(splitReward(block, shuffled, cfg)).toEqual(splitReward(block, rounds, cfg));
      }),
    );
  });

  it('splits the fee among fee wallets by weight, within one unit', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), (reward) => {
        const cfg = rewardsConfigSchema.parse({
          scheme: 'SOLO',
          feeBasisPoints: 300,
          feeWallets: [
            { address: 'f1', weight: 3 },
            { address: 'f2', weight: 1 },
          ],
        });
        const split = splitReward({ height: 1, hash: 'h', reward, networkDifficulty: 1, finder: 'mA' }, [], cfg);
        const fee = (reward * 300n) / 10_000n;
        const f1 = split.fees.find((f) => f.account === 'f1')?.amount ?? 0n;
        const f2 = split.fees.find((f) => f.account === 'f2')?.amount ?? 0n;
        expect(f1 + f2).toBeLessThanOrEqual(fee);
        expect(fee - (f1 + f2)).toBeLessThan(2n);
        const expected1 = (fee * 3n) / 4n;
        expect(f1).toBe(expected1);
      }),
    );
  });

  it('SOLO pays the finder the reward minus the fee', () => {
    const cfg = rewardsConfigSchema.parse({ scheme: 'SOLO', feeBasisPoints: 100, feeWallets: [{ address: 'f1' }] });
    const split = splitReward(
      { height: 5, hash: 'h', reward: 625_000_000n, networkDifficulty: 1, finder: 'mB' },
      [{ height: 5, miners: [{ miner: 'mA', difficulty: 100 }] }],
      cfg,
    );
    expect(split.miners).toEqual([{ account: 'mB', amount: 618_750_000n }]);
    expect(split.fees).toEqual([{ account: 'f1', amount: 6_250_000n }]);
  });

  it('PROP pays the shares since the previous pool block, proportionally', () => {
    const cfg: RewardsConfig = rewardsConfigSchema.parse({
      scheme: 'PROP',
      feeBasisPoints: 0,
      feeWallets: [{ address: 'f1' }],
    });
    const rounds: RoundWeights[] = [
      { height: 12, miners: [{ miner: 'mA', difficulty: 3 }] },
      { height: 11, miners: [{ miner: 'mB', difficulty: 1 }] },
      { height: 10, miners: [{ miner: 'mC', difficulty: 50 }] }, // before the previous pool block (height 10)
    ];
    const split = splitReward(
      { height: 12, hash: 'h', reward: 400n, networkDifficulty: 1, finder: 'mA' },
      rounds,
      cfg,
      10,
    );
    expect(split.miners).toEqual([
      { account: 'mA', amount: 300n },
      { account: 'mB', amount: 100n },
    ]);
  });

  it('PPLNS counts exactly N difficulty: whole newer rounds, the boundary round pro rata, nothing older', () => {
    const rounds: RoundWeights[] = [
      { height: 3, miners: [{ miner: 'mA', difficulty: 4 }] },
      {
        height: 2,
        miners: [
          { miner: 'mB', difficulty: 4 },
          { miner: 'mC', difficulty: 4 },
        ],
      },
      { height: 1, miners: [{ miner: 'mD', difficulty: 100 }] },
    ];
    const w = pplnsWeights(rounds, weightOf(8));
    expect(Object.fromEntries(w)).toEqual({ mA: weightOf(4), mB: weightOf(2), mC: weightOf(2) });
    expect(w.has('mD')).toBe(false);
  });

  it('PPLNS with one round that fills the window equals PROP', () => {
    fc.assert(
      fc.property(blockArb, roundArb, (block, round) => {
        const base = { feeBasisPoints: 100, feeWallets: [{ address: 'f1' }] };
        const total = round.miners.reduce((s, m) => s + m.difficulty, 0);
        const pplns = rewardsConfigSchema.parse({ ...base, scheme: 'PPLNS', pplnsWindowFactor: 1 });
        const prop = rewardsConfigSchema.parse({ ...base, scheme: 'PROP' });
        const b = { ...block, networkDifficulty: total * 10 }; // window larger than the one round
        expect(splitReward(b, [round], pplns).miners).toEqual(splitReward(b, [round], prop).miners);
      }),
    );
  });
});

describe('allocate', () => {
  it('never gives more than the total and leaves dust below the number of accounts', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 18n }),
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { maxLength: 20 }),
        (total, ws) => {
          const weights = new Map(ws.map((w, i) => [`a${i}`, w]));
          const { parts, dust } = allocate(total, weights);
          expect(sum(parts) + dust).toBe(total);
          if ([...weights.values()].some((w) => w > 0n)) expect(dust).toBeLessThan(BigInt(Math.max(weights.size, 1)));
        },
      ),
    );
  });
});
