import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rewardsConfigSchema } from '../../../core/rewards/config.js';
import { potCredits, potDifficulty, potFactor } from '../../../core/rewards/pot.js';
import { ppsCredits } from '../../../core/rewards/pps.js';
import { PPS_POOL_ACCOUNT, splitReward } from '../../../core/rewards/schemes.js';

const base = { feeBasisPoints: 200, feeWallets: [{ address: 'fee' }] };
const potCfg = (a: number, cap: number) => rewardsConfigSchema.parse({ ...base, scheme: 'POT', pot: { a, cap } });

/** E[factor] over the actual difficulty of shares of difficulty d: s = e^t, density s⁻² ds = e^(−t) dt (Simpson). */
function expectedFactor(d: number, net: number, a: number, cap: number): number {
  const x = (cap * net) / d;
  const f = (s: number) => potFactor(d, s * d, net, { a, cap });
  if (x <= 1) return f(1);
  const top = Math.log(x);
  const n = 4000;
  const h = top / n;
  let acc = 0;
  for (let i = 0; i <= n; i++) {
    const t = i * h;
    const w = i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2;
    acc += w * f(Math.exp(t)) * Math.exp(-t);
  }
  return (acc * h) / 3 + f(x) / x; // above the cap every share counts as at the cap: P(s > X) = 1/X
}

describe('PoT share factor', () => {
  it('pays each share its PPS value on average, whatever a and the cap', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 3, noNaN: true }),
        fc.double({ min: 0.05, max: 10, noNaN: true }),
        fc.double({ min: 0.001, max: 1000, noNaN: true }),
        fc.double({ min: 1, max: 1000, noNaN: true }),
        (a, cap, d, ratio) => {
          const net = d * ratio; // network difficulty at least the share difficulty
          expect(expectedFactor(d, net, a, cap)).toBeCloseTo(1, 3);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('matches the closed form C·min(s, X)^a on a hand-computed case', () => {
    // a = 0.5, X = 4: C = 0.5 / (1 − 0.5·4^(−0.5)) = 2/3; s = 1 → 2/3, s = 4 (and beyond: capped) → 2/3·2 = 4/3.
    const p = { a: 0.5, cap: 4 };
    expect(potFactor(1, 1, 1, p)).toBeCloseTo(2 / 3, 12);
    expect(potFactor(1, 4, 1, p)).toBeCloseTo(4 / 3, 12);
    expect(potFactor(1, 1e9, 1, p)).toBeCloseTo(4 / 3, 12);
    // a = 1: C = 1 / (1 + ln X)
    expect(potFactor(2, 2, 8, { a: 1, cap: 1 })).toBeCloseTo(1 / (1 + Math.log(4)), 12);
  });

  it('never pays a luckier share less, and nothing more above the cap', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 8, noNaN: true }),
        fc.double({ min: 0.1, max: 5, noNaN: true }),
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        (a, cap, s1, s2) => {
          const p = { a, cap };
          const [lo, hi] = s1 < s2 ? [s1, s2] : [s2, s1];
          const fLo = potFactor(1, lo, 1e4, p);
          const fHi = potFactor(1, hi, 1e4, p);
          expect(fLo).toBeGreaterThan(0);
          expect(Number.isFinite(fHi)).toBe(true);
          expect(fHi).toBeGreaterThanOrEqual(fLo * (1 - 1e-12));
          const x = cap * 1e4;
          expect(potFactor(1, x * 10, 1e4, p)).toBeCloseTo(potFactor(1, x, 1e4, p), 9);
        },
      ),
    );
  });

  it('is plain PPS with a = 0, or when the share difficulty is at or above the cap', () => {
    expect(potFactor(5, 5000, 100, { a: 0, cap: 2 })).toBe(1);
    expect(potFactor(500, 5000, 100, { a: 0.9, cap: 2 })).toBe(1);
    expect(potDifficulty({ difficulty: 3, actualDifficulty: 30 }, 100, { a: 0, cap: 1 })).toBe(3);
  });

  it('stays finite for large a and a large cap (computed in log space)', () => {
    const f = potFactor(1, 1e12, 1e12, { a: 16, cap: 1000 });
    expect(Number.isFinite(f)).toBe(true);
    expect(f).toBeGreaterThan(0);
    expect(potFactor(1, 1, 1e12, { a: 16, cap: 1000 })).toBeGreaterThanOrEqual(0);
  });

  it('refuses a zero or negative difficulty instead of dividing by it', () => {
    expect(() => potFactor(0, 1, 1, { a: 1, cap: 1 })).toThrow(/share difficulty/);
    expect(() => potFactor(1, 1, 0, { a: 1, cap: 1 })).toThrow(/network difficulty/);
  });
});

describe('PoT credits', () => {
  const shareArb = fc.record({
    miner: fc.constantFrom('a', 'b', 'c'),
    difficulty: fc.double({ min: 0.01, max: 100, noNaN: true }),
    luck: fc.double({ min: 1, max: 1e5, noNaN: true }),
  });
  const sharesArb = fc
    .array(shareArb, { maxLength: 12 })
    .map((xs) =>
      xs.map((s) => ({ miner: s.miner, difficulty: s.difficulty, actualDifficulty: s.difficulty * s.luck })),
    );

  it('credits nothing negative, sorted by account, the same whatever the order of shares', () => {
    fc.assert(
      fc.property(
        sharesArb,
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.double({ min: 100, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 3, noNaN: true }),
        (shares, blockValue, networkDifficulty, a) => {
          const cfg = potCfg(a, 1);
          const facts = { height: 7, blockValue, networkDifficulty };
          const credits = potCredits({ height: 7, shares }, facts, cfg);
          for (const c of credits) expect(c.amount).toBeGreaterThan(0n);
          expect(credits.map((c) => c.account)).toEqual([...credits.map((c) => c.account)].sort());
          expect(potCredits({ height: 7, shares: [...shares].reverse() }, facts, cfg)).toEqual(credits);
        },
      ),
    );
  });

  it('with a = 0 credits exactly what PPS credits', () => {
    fc.assert(
      fc.property(sharesArb, fc.bigInt({ min: 0n, max: 10n ** 12n }), (shares, blockValue) => {
        const facts = { height: 1, blockValue, networkDifficulty: 5000 };
        const pps = ppsCredits({ height: 1, miners: shares }, facts, rewardsConfigSchema.parse(base));
        expect(potCredits({ height: 1, shares }, facts, potCfg(0, 1))).toEqual(pps);
      }),
    );
  });

  it('sends the block reward of a PoT pool to its PPS account, like PPS', () => {
    const split = splitReward(
      { height: 1, hash: 'h', reward: 1_000n, networkDifficulty: 1, finder: 'a' },
      [],
      potCfg(0.8, 1),
    );
    expect(split.miners).toEqual([{ account: PPS_POOL_ACCOUNT, amount: 980n }]);
  });

  it('the config refuses POT without its parameters', () => {
    expect(() => rewardsConfigSchema.parse({ ...base, scheme: 'POT' })).toThrow(/pot/);
    expect(() => rewardsConfigSchema.parse({ ...base, scheme: 'POT', pot: { a: -1, cap: 1 } })).toThrow();
  });
});
