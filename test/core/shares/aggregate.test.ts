import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateBatch, counterKey, MINUTE_MS } from '../../../core/shares/aggregate.js';
import { batch, MINER_A, MINER_B, share } from './fixtures.js';

describe('aggregateBatch', () => {
  it('turns 500 shares from 10 workers into a few dozen counter updates', () => {
    const shares = Array.from({ length: 500 }, (_, i) => share({ worker: `w${i % 10}`, timestamp: 0 }));
    const agg = aggregateBatch(batch('b', shares));
    expect(agg.counters.length).toBe(1 + 1 + 1 + 1 + 10 + 1 + 1 + 10);
    expect(agg.lastShares).toHaveLength(10);
  });

  it('sums shares and difficulty per counter and keeps the newest share time per worker', () => {
    const agg = aggregateBatch(
      batch('b', [
        share({ miner: MINER_A, worker: 'x', difficulty: 2, timestamp: 5 }),
        share({ miner: MINER_A, worker: 'x', difficulty: 3, timestamp: 9 }),
        share({ miner: MINER_B, worker: 'x', difficulty: 4, timestamp: MINUTE_MS }),
      ]),
    );
    const byKey = new Map(agg.counters.map((c) => [counterKey(c.counter), c]));
    expect(byKey.get(`round#100#${MINER_A}#x`)).toMatchObject({ shares: 2, difficulty: 5 });
    expect(byKey.get(`round#100#${MINER_B}#x`)).toMatchObject({ shares: 1, difficulty: 4 });
    expect(byKey.get('minute#0')).toMatchObject({ shares: 2, difficulty: 5 });
    expect(byKey.get('minute#1')).toMatchObject({ shares: 1, difficulty: 4 });
    expect(agg.lastShares).toEqual([
      { miner: MINER_A, worker: 'x', at: 9 },
      { miner: MINER_B, worker: 'x', at: MINUTE_MS },
    ]);
    expect(agg.miners).toEqual({ [MINER_A]: { shares: 2, difficulty: 5 }, [MINER_B]: { shares: 1, difficulty: 4 } });
  });

  it('sums a credit difficulty on round counters only, and only when given a credit function (PoT)', () => {
    const shares = [share({ difficulty: 2, actualDifficulty: 6 }), share({ difficulty: 3, actualDifficulty: 3 })];
    const agg = aggregateBatch(batch('b', shares), (s) => s.actualDifficulty * 10);
    const withCredit = agg.counters.filter((c) => c.credit !== undefined).map((c) => c.counter.kind);
    expect(withCredit.sort()).toEqual(['round', 'roundMiner', 'roundWorker']);
    for (const c of agg.counters) if (c.credit !== undefined) expect(c.credit).toBe(90);
    expect(aggregateBatch(batch('b', shares)).counters.some((c) => 'credit' in c)).toBe(false);
  });

  it('records a found block with its finder and share difficulty', () => {
    const block = { height: 100, hash: 'cd'.repeat(32), reward: '1', networkDifficulty: 3, submitResult: 'accepted' };
    const agg = aggregateBatch(batch('b', [share({ block, difficulty: 8, actualDifficulty: 70 })]));
    expect(agg.blocks).toEqual([
      { ...block, miner: MINER_A, worker: 'rig1', shareDifficulty: 8, actualDifficulty: 70, time: share().timestamp },
    ]);
  });

  it('every share is counted once in each counter family', () => {
    const shareArb = fc.record({
      miner: fc.constantFrom('a', 'b', 'c'),
      worker: fc.constantFrom('', 'w1', 'w2'),
      height: fc.integer({ min: 1, max: 3 }),
      difficulty: fc.integer({ min: 1, max: 1000 }),
      timestamp: fc.integer({ min: 0, max: 5 * MINUTE_MS }),
    });
    fc.assert(
      fc.property(fc.array(shareArb, { minLength: 1, maxLength: 60 }), (specs) => {
        const shares = specs.map((s) => share(s));
        const agg = aggregateBatch(batch('b', shares));
        const total = shares.reduce((a, s) => a + s.difficulty, 0);
        for (const kind of [
          'poolTotal',
          'minerTotal',
          'round',
          'roundMiner',
          'roundWorker',
          'poolMinute',
          'minerMinute',
          'workerMinute',
        ]) {
          const family = agg.counters.filter((c) => c.counter.kind === kind);
          expect(family.reduce((a, c) => a + c.shares, 0)).toBe(shares.length);
          expect(family.reduce((a, c) => a + c.difficulty, 0)).toBe(total);
        }
        expect(aggregateBatch(batch('b', shares))).toEqual(agg); // deterministic
      }),
    );
  });
});
