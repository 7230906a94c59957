import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { weightOf } from '../../../core/rewards/allocate.js';
import { rewardsConfigSchema } from '../../../core/rewards/config.js';
import { ppsCredits, topUpCredits } from '../../../core/rewards/pps.js';
import { PPS_POOL_ACCOUNT, splitReward } from '../../../core/rewards/schemes.js';

const cfg = rewardsConfigSchema.parse({ scheme: 'PPS', feeBasisPoints: 200, feeWallets: [{ address: 'fee' }] });

describe('PPS', () => {
  it('pays each share its expected value minus the fee', () => {
    const credits = ppsCredits(
      {
        height: 10,
        miners: [
          { miner: 'a', difficulty: 2 },
          { miner: 'b', difficulty: 1 },
          { miner: 'a', difficulty: 2 },
        ],
      },
      { height: 10, blockValue: 1_000_000n, networkDifficulty: 100 },
      cfg,
    );
    // a: 4/100 of 1,000,000 = 40,000, minus 2 % = 39,200; b: 9,800
    expect(credits).toEqual([
      { account: 'a', amount: 39_200n },
      { account: 'b', amount: 9_800n },
    ]);
  });

  it('never credits more than the shares are worth, and nothing negative', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            miner: fc.constantFrom('a', 'b', 'c'),
            difficulty: fc.double({ min: 0.0001, max: 1e4, noNaN: true }),
          }),
          { maxLength: 10 },
        ),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.double({ min: 0.01, max: 1e8, noNaN: true }),
        (miners, blockValue, networkDifficulty) => {
          const credits = ppsCredits({ height: 1, miners }, { height: 1, blockValue, networkDifficulty }, cfg);
          // The exact value of the shares at the weights' precision (difficulties scaled by 1e8).
          const work = miners.reduce((s, m) => s + weightOf(m.difficulty), 0n);
          const worth = (blockValue * work * 9_800n) / (weightOf(networkDifficulty) * 10_000n);
          const total = credits.reduce((s, c) => s + c.amount, 0n);
          for (const c of credits) expect(c.amount).toBeGreaterThan(0n);
          expect(total).toBeLessThanOrEqual(worth);
          // Only per-miner flooring is lost: under one unit per miner (a miner floored to 0 is left out of credits).
          expect(worth - total).toBeLessThan(BigInt(new Set(miners.map((m) => m.miner)).size) + 1n);
        },
      ),
    );
  });

  it('sends a PPS block reward (minus fees) to the pool account, which is the liability offset', () => {
    const split = splitReward({ height: 1, hash: 'h', reward: 1_000n, networkDifficulty: 1, finder: 'a' }, [], cfg);
    expect(split.miners).toEqual([{ account: PPS_POOL_ACCOUNT, amount: 980n }]);
  });

  it('loses under one unit per miner even when every miner floors to zero', () => {
    const miners = ['a', 'b', 'c'].map((miner) => ({ miner, difficulty: 0.9 }));
    const credits = ppsCredits({ height: 1, miners }, { height: 1, blockValue: 1n, networkDifficulty: 1 }, cfg);
    expect(credits).toEqual([]); // 0.882 each: floored away, worth 2 units in total, below the 3 miners
  });

  it('refuses a zero network difficulty rather than dividing by it', () => {
    expect(() =>
      ppsCredits(
        { height: 1, miners: [{ miner: 'a', difficulty: 1 }] },
        { height: 1, blockValue: 1n, networkDifficulty: 0 },
        cfg,
      ),
    ).toThrow(/network difficulty at height 1 is zero/);
  });

  it('tops a round up across passes: however its shares arrive, each miner is credited its worth exactly once', () => {
    const share = fc.record({ miner: fc.constantFrom('a', 'b', 'c'), difficulty: fc.integer({ min: 1, max: 5000 }) });
    fc.assert(
      fc.property(fc.array(fc.array(share, { maxLength: 6 }), { minLength: 1, maxLength: 6 }), (arrivals) => {
        const facts = { height: 7, blockValue: 1_250_000_000n, networkDifficulty: 65536 };
        const seen: Array<{ miner: string; difficulty: number }> = [];
        const paid = new Map<string, { amount: bigint; credits: number }>();
        for (const batch of arrivals) {
          seen.push(...batch); // a pass after each delivery
          for (const c of topUpCredits(ppsCredits({ height: 7, miners: seen }, facts, cfg), paid)) {
            const before = paid.get(c.account) ?? { amount: 0n, credits: 0 };
            expect(c.amount).toBeGreaterThan(0n);
            expect(c.revision).toBe(before.credits); // revisions without a gap
            paid.set(c.account, { amount: before.amount + c.amount, credits: before.credits + 1 });
          }
          // A pass with nothing new credits nothing.
          expect(topUpCredits(ppsCredits({ height: 7, miners: seen }, facts, cfg), paid)).toEqual([]);
        }
        const worth = ppsCredits({ height: 7, miners: seen }, facts, cfg);
        expect(new Map([...paid].map(([a, p]) => [a, p.amount]))).toEqual(
          new Map(worth.map((w) => [w.account, w.amount])),
        );
      }),
    );
  });
});
