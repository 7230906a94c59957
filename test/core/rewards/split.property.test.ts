import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { weightOf } from '../../../core/rewards/allocate.js';
import { REWARD_SCHEMES, type RewardsConfig, rewardsConfigSchema } from '../../../core/rewards/config.js';
import { PPS_POOL_ACCOUNT, type RoundWeights, splitEntries, splitReward } from '../../../core/rewards/schemes.js';

const miners = ['mA', 'mB', 'mC', 'mD', 'mE'];
const roundsArb = fc.uniqueArray(fc.integer({ min: 900, max: 1000 }), { minLength: 1, maxLength: 8 }).chain((heights) =>
  fc.tuple(
    ...heights.map((height) =>
      fc.record({
        height: fc.constant(height),
        miners: fc.array(
          fc.record({
            miner: fc.constantFrom(...miners),
            difficulty: fc.double({ min: 0.0001, max: 1e6, noNaN: true }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
      }),
    ),
  ),
);
const feeWalletsArb = fc.uniqueArray(
  fc.record({ address: fc.constantFrom('f1', 'f2', 'f3'), weight: fc.integer({ min: 1, max: 10 }) }),
  { minLength: 1, maxLength: 3, selector: (w) => w.address },
);
const cfgArb = (schemes: readonly RewardsConfig['scheme'][] = REWARD_SCHEMES) =>
  fc
    .record({
      scheme: fc.constantFrom(...schemes),
      feeBasisPoints: fc.integer({ min: 0, max: 5000 }),
      finderBonusBasisPoints: fc.integer({ min: 0, max: 2000 }),
      feeWallets: feeWalletsArb,
      pplnsWindowFactor: fc.double({ min: 0.1, max: 10, noNaN: true }),
      pot: fc.constant({ a: 0.8, cap: 2 }),
    })
    .map((c) => rewardsConfigSchema.parse(c));
const blockArb = fc.record({
  height: fc.constant(1000),
  hash: fc.constant('ab'),
  reward: fc.bigInt({ min: 0n, max: 10n ** 15n }),
  networkDifficulty: fc.double({ min: 0.001, max: 1e7, noNaN: true }),
  finder: fc.constantFrom(...miners),
});
const sinceArb = fc.integer({ min: 890, max: 1000 });

const sum = (xs: { amount: bigint }[]) => xs.reduce((s, x) => s + x.amount, 0n);
const feeOf = (reward: bigint, cfg: RewardsConfig) => (reward * BigInt(cfg.feeBasisPoints)) / 10_000n;
const bonusOf = (reward: bigint, cfg: RewardsConfig) => (reward * BigInt(cfg.finderBonusBasisPoints)) / 10_000n;

describe('splitReward, every scheme', () => {
  it('accounts for every unit: credits + fees + bonus + dust = reward; nothing negative; dust below the recipients', () => {
    fc.assert(
      fc.property(blockArb, roundsArb, cfgArb(), sinceArb, (block, rounds, cfg, since) => {
        const split = splitReward(block, rounds, cfg, since);
        const total = sum(split.miners) + sum(split.fees) + (split.finderBonus?.amount ?? 0n) + split.dust;
        expect(total).toBe(block.reward);
        expect(sum(splitEntries(split))).toBe(block.reward);
        for (const a of [...split.miners, ...split.fees]) expect(a.amount).toBeGreaterThan(0n);
        expect(split.dust).toBeGreaterThanOrEqual(0n);
        expect(split.dustAccount).toBe(cfg.feeWallets[0]!.address);
        // Flooring loses less than one unit per fee wallet and per miner weighted in the split (at least one).
        const recipients =
          cfg.feeWallets.length + Math.max(1, new Set(rounds.flatMap((r) => r.miners.map((m) => m.miner))).size);
        expect(split.dust).toBeLessThan(BigInt(recipients));
      }),
    );
  });

  it('is deterministic: the same rounds in any order, miners in any order, give the same split', () => {
    fc.assert(
      fc.property(blockArb, roundsArb, cfgArb(), sinceArb, fc.integer(), (block, rounds, cfg, since, seed) => {
        const shuffled = [...rounds]
          .sort((a, b) => ((a.height * 7919 + seed) % 101) - ((b.height * 7919 + seed) % 101))
          .map((r) => ({ ...r, miners: [...r.miners].reverse() }));
        expect(splitReward(block, shuffled, cfg, since)).toEqual(splitReward(block, rounds, cfg, since));
      }),
    );
  });

  it('PROP pays each miner of the rounds since the previous pool block in proportion, within one unit', () => {
    fc.assert(
      fc.property(blockArb, roundsArb, cfgArb(['PROP']), sinceArb, (block, rounds, cfg, since) => {
        const split = splitReward(block, rounds, cfg, since);
        const w = new Map<string, bigint>();
        for (const r of rounds.filter((x) => x.height > since))
          for (const m of r.miners) w.set(m.miner, (w.get(m.miner) ?? 0n) + weightOf(m.difficulty));
        const forMiners = block.reward - feeOf(block.reward, cfg) - bonusOf(block.reward, cfg);
        const total = [...w.values()].reduce((s, x) => s + x, 0n);
        if (total === 0n) return; // nobody in the rounds: the finder is paid (covered by the SOLO property)
        for (const [miner, weight] of w) {
          const got = split.miners.find((a) => a.account === miner)?.amount ?? 0n;
          // got ≤ forMiners·w/W < got + 1
          expect(got * total).toBeLessThanOrEqual(forMiners * weight);
          expect(forMiners * weight).toBeLessThan((got + 1n) * total);
        }
        expect(split.miners.every((a) => w.has(a.account))).toBe(true);
      }),
    );
  });

  it('PPLNS with one round inside the window equals PROP', () => {
    fc.assert(
      fc.property(blockArb, roundsArb, cfgArb(['PPLNS']), (block, rounds, cfg) => {
        const round = rounds[0]!;
        const total = round.miners.reduce((s, m) => s + m.difficulty, 0);
        const b = { ...block, networkDifficulty: (total * 2) / cfg.pplnsWindowFactor }; // window = 2 × the round
        const prop = rewardsConfigSchema.parse({ ...cfg, scheme: 'PROP' });
        expect(splitReward(b, [round], cfg)).toEqual(splitReward(b, [round], prop));
      }),
    );
  });

  it('PPLNS never pays a miner whose shares all lie beyond the window', () => {
    fc.assert(
      fc.property(blockArb, roundsArb, cfgArb(['PPLNS']), (block, rounds, cfg) => {
        const newest = [...rounds].sort((a, b) => b.height - a.height)[0]!;
        const inNewest = newest.miners.reduce((s, m) => s + m.difficulty, 0);
        // The window ends inside the newest round (float rounding aside): an old-only miner must get nothing.
        const b = { ...block, networkDifficulty: (inNewest * 0.99) / cfg.pplnsWindowFactor };
        const stale: RoundWeights = { height: newest.height - 200, miners: [{ miner: 'old', difficulty: 1e6 }] };
        const split = splitReward(b, [...rounds, stale], cfg);
        expect(split.miners.some((a) => a.account === 'old')).toBe(false);
      }),
    );
  });

  it('SOLO gives the finder everything but the fee (its bonus included)', () => {
    fc.assert(
      fc.property(blockArb, roundsArb, cfgArb(['SOLO']), (block, rounds, cfg) => {
        const split = splitReward(block, rounds, cfg);
        const toFinder =
          sum(split.miners.filter((a) => a.account === block.finder)) + (split.finderBonus?.amount ?? 0n);
        expect(split.miners.every((a) => a.account === block.finder)).toBe(true);
        expect(toFinder).toBe(block.reward - feeOf(block.reward, cfg));
      }),
    );
  });

  it('PPS and POT send what is left after fees to the pool account, never to miners', () => {
    fc.assert(
      fc.property(blockArb, roundsArb, cfgArb(['PPS', 'POT']), (block, rounds, cfg) => {
        const split = splitReward(block, rounds, cfg);
        expect(split.miners.every((a) => a.account === PPS_POOL_ACCOUNT)).toBe(true);
      }),
    );
  });

  it('splits the fee among the fee wallets by weight, within one unit each', () => {
    fc.assert(
      fc.property(blockArb, roundsArb, cfgArb(), (block, rounds, cfg) => {
        const split = splitReward(block, rounds, cfg);
        const fee = feeOf(block.reward, cfg);
        const total = BigInt(cfg.feeWallets.reduce((s, w) => s + w.weight, 0));
        for (const w of cfg.feeWallets) {
          const got = split.fees.find((f) => f.account === w.address)?.amount ?? 0n;
          expect(got * total).toBeLessThanOrEqual(fee * BigInt(w.weight));
          expect(fee * BigInt(w.weight)).toBeLessThan((got + 1n) * total);
        }
      }),
    );
  });
});

/** Referrals (issue 19): some miners referred (by another miner, a fee wallet, an outsider or themselves). */
const referralsArb = fc.record({
  referrers: fc
    .array(fc.tuple(fc.constantFrom(...miners), fc.constantFrom('r1', 'r2', 'mA', 'f1', 'mB')), { maxLength: 5 })
    .map((pairs) => new Map(pairs)),
  feeSharePercent: fc.oneof(fc.constantFrom(0, 100, 12.5), fc.double({ min: 0, max: 100, noNaN: true })),
});

describe('splitReward with referrals', () => {
  it('accounts for every unit: miners + fee wallets + referral credits + bonus + dust = reward', () => {
    fc.assert(
      fc.property(blockArb, roundsArb, cfgArb(), sinceArb, referralsArb, (block, rounds, cfg, since, terms) => {
        const split = splitReward(block, rounds, cfg, since, terms);
        const total =
          sum(split.miners) + sum(split.fees) + sum(split.referrals) + (split.finderBonus?.amount ?? 0n) + split.dust;
        expect(total).toBe(block.reward);
        expect(sum(splitEntries(split))).toBe(block.reward);
        for (const a of split.referrals) expect(a.amount).toBeGreaterThan(0n);
        // Miners are paid exactly as without referrals: the referral comes out of the fee only.
        const plain = splitReward(block, rounds, cfg, since);
        expect(split.miners).toEqual(plain.miners);
        expect(split.finderBonus).toEqual(plain.finderBonus);
        // Dust stays below the recipients as without referrals.
        const recipients =
          cfg.feeWallets.length + Math.max(1, new Set(rounds.flatMap((r) => r.miners.map((m) => m.miner))).size);
        expect(split.dust).toBeLessThan(BigInt(recipients));
        // Deterministic.
        expect(splitReward(block, rounds, cfg, since, terms)).toEqual(split);
      }),
    );
  });

  it("never credits more than the share of the fee on the referred miners' part (so never more than the fee)", () => {
    fc.assert(
      fc.property(blockArb, roundsArb, cfgArb(), sinceArb, referralsArb, (block, rounds, cfg, since, terms) => {
        const split = splitReward(block, rounds, cfg, since, terms);
        const fee = feeOf(block.reward, cfg);
        const forMiners = block.reward - fee - bonusOf(block.reward, cfg);
        const ppm = BigInt(Math.round(terms.feeSharePercent * 10_000));
        // Per referrer: credit ≤ fee × share × (its referred miners' part / the miners' whole), exactly in bigint.
        for (const r of split.referrals) {
          const part = sum(
            split.miners.filter((m) => terms.referrers.get(m.account) === r.account && m.account !== r.account),
          );
          expect(r.amount * forMiners * 1_000_000n).toBeLessThanOrEqual(fee * part * ppm);
          // Only for miners it referred other than itself: a self-referral is never credited.
          expect(part).toBeGreaterThan(0n);
        }
        expect(sum(split.referrals)).toBeLessThanOrEqual(fee);
        if (ppm === 0n) expect(split.referrals).toEqual([]);
      }),
    );
  });

  it('credits the referrer fee × share × the miner’s part, floored (a worked example)', () => {
    const cfg = rewardsConfigSchema.parse({
      scheme: 'PROP',
      feeBasisPoints: 200,
      feeWallets: [{ address: 'f1' }],
    });
    const block = { height: 10, hash: 'h', reward: 1_000_003n, networkDifficulty: 1, finder: 'mA' };
    const rounds = [
      {
        height: 10,
        miners: [
          { miner: 'mA', difficulty: 3 },
          { miner: 'mB', difficulty: 1 },
        ],
      },
    ];
    const split = splitReward(block, rounds, cfg, 0, { referrers: new Map([['mA', 'r1']]), feeSharePercent: 25 });
    // fee 20,000; miners 980,003: mA 735,002 (floor of 3/4), mB 245,000. r1: 20,000 × 735,002/980,003 × 0.25.
    expect(split.miners).toEqual([
      { account: 'mA', amount: 735_002n },
      { account: 'mB', amount: 245_000n },
    ]);
    expect(split.referrals).toEqual([
      { account: 'r1', amount: (20_000n * 735_002n * 250_000n) / (980_003n * 1_000_000n) },
    ]);
    expect(split.referrals[0]!.amount).toBe(3_749n);
    expect(split.fees).toEqual([{ account: 'f1', amount: 20_000n - 3_749n }]);
    expect(split.dust).toBe(1n);
  });
});
