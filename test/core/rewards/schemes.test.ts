import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, apportion, weightOf } from '../../../core/rewards/allocate.js';
import { type RewardsConfig, rewardsConfigSchema } from '../../../core/rewards/config.js';
import { pplnsWeights, type RoundWeights, splitReward } from '../../../core/rewards/schemes.js';

const sum = (xs: { amount: bigint }[]) => xs.reduce((s, x) => s + x.amount, 0n);

describe('splitReward (examples; properties in split.property.test.ts)', () => {
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

describe('apportion', () => {
  it('hands out exactly the total, each part within a unit of its exact share and never above its weight', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { minLength: 1, maxLength: 20 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (ws, fraction) => {
          fc.pre(ws.some((w) => w > 0n));
          const weights = new Map(ws.map((w, i) => [`a${i}`, w]));
          const whole = ws.reduce((a, w) => a + w, 0n);
          const total = (whole * BigInt(Math.floor(fraction * 1000))) / 1000n;
          const parts = apportion(total, weights);
          expect(sum(parts)).toBe(total);
          for (const p of parts) {
            const w = weights.get(p.account)!;
            expect(p.amount <= w).toBe(true);
            expect(p.amount - (total * w) / whole <= 1n).toBe(true);
          }
        },
      ),
    );
  });

  it('gives equal weights the dust one unit each, not all to one account', () => {
    // 2 over three weights of 1: each exact share is 2/3; a single account cannot take back 2 of the 1 it put in.
    const parts = apportion(
      2n,
      new Map([
        ['c', 1n],
        ['a', 1n],
        ['b', 1n],
      ]),
    );
    expect(parts).toEqual([
      { account: 'a', amount: 1n },
      { account: 'b', amount: 1n },
    ]);
  });
});
