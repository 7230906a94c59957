import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateBatch, counterKey, MINUTE_MS } from '../../../core/shares/aggregate.js';
import { batch, MINER_A, MINER_B, share } from './fixtures.js';

describe('aggregateBatch', () => {
  it('turns 500 shares from 10 workers into 3 counter updates and 10 worker slices', () => {
    const shares = Array.from({ length: 500 }, (_, i) => share({ worker: `w${i % 10}`, timestamp: 0 }));
    const agg = aggregateBatch(batch('b', shares));
    expect(agg.counters.map((c) => counterKey(c.counter)).sort()).toEqual(['minute#0', 'pool', 'round#100']);
    expect(agg.slices).toHaveLength(10);
    expect(agg.slices.every((s) => s.shares === 50)).toBe(true);
  });

  it('sums shares and difficulty per slice and keeps the newest share time per worker, round and minute', () => {
    const agg = aggregateBatch(
      batch('b', [
        share({ miner: MINER_A, worker: 'x', difficulty: 2, timestamp: 5 }),
        share({ miner: MINER_A, worker: 'x', difficulty: 3, timestamp: 9 }),
        share({ miner: MINER_B, worker: 'x', difficulty: 4, timestamp: MINUTE_MS }),
        share({ miner: MINER_B, worker: 'x', difficulty: 1, height: 101, timestamp: MINUTE_MS + 7 }),
      ]),
    );
    const byKey = new Map(agg.counters.map((c) => [counterKey(c.counter), c]));
    expect(byKey.get('minute#0')).toMatchObject({ shares: 2, difficulty: 5 });
    expect(byKey.get('minute#1')).toMatchObject({ shares: 2, difficulty: 5 });
    expect(byKey.get('round#101')).toMatchObject({ shares: 1, difficulty: 1 });
    expect(agg.slices).toEqual([
      { height: 100, minute: 0, miner: MINER_A, worker: 'x', shares: 2, difficulty: 5, lastShareAt: 9 },
      { height: 100, minute: 1, miner: MINER_B, worker: 'x', shares: 1, difficulty: 4, lastShareAt: MINUTE_MS },
      { height: 101, minute: 1, miner: MINER_B, worker: 'x', shares: 1, difficulty: 1, lastShareAt: MINUTE_MS + 7 },
    ]);
    expect(agg.total).toEqual({ shares: 4, difficulty: 10 });
  });

  it('sums a credit difficulty on rounds and slices only, and only when shares carry one (PoT)', () => {
    const shares = [share({ difficulty: 2, actualDifficulty: 6 }), share({ difficulty: 3, actualDifficulty: 3 })];
    const agg = aggregateBatch(batch('b', shares), (s) => s.actualDifficulty * 10);
    expect(agg.counters.filter((c) => c.credit !== undefined).map((c) => c.counter.kind)).toEqual(['round']);
    expect(agg.counters.find((c) => c.counter.kind === 'round')?.credit).toBe(90);
    expect(agg.slices[0]?.credit).toBe(90);
    const plain = aggregateBatch(batch('b', shares));
    expect(plain.counters.some((c) => 'credit' in c) || plain.slices.some((s) => 'credit' in s)).toBe(false);
  });

  it('counts a summary entry as the shares it stands for, with its own credit', () => {
    const entry = share({ count: 40, difficulty: 320, credit: 500 });
    const agg = aggregateBatch(batch('b', [entry, share({ difficulty: 8 })]), () => 7);
    expect(agg.total).toEqual({ shares: 41, difficulty: 328 });
    expect(agg.counters.find((c) => c.counter.kind === 'round')).toMatchObject({ shares: 41, credit: 507 });
  });

  it('refuses an entry of many shares without a credit when the coin pays by credit (it could not be paid right)', () => {
    expect(() => aggregateBatch(batch('b', [share({ count: 3, difficulty: 24 })]), () => 1)).toThrow(/PoT credit/);
  });

  it('records a found block with its finder and share difficulty', () => {
    const block = { height: 100, hash: 'cd'.repeat(32), reward: '1', networkDifficulty: 3, submitResult: 'accepted' };
    const agg = aggregateBatch(batch('b', [share({ block, difficulty: 8, actualDifficulty: 70 })]));
    expect(agg.blocks).toEqual([
      { ...block, miner: MINER_A, worker: 'rig1', shareDifficulty: 8, actualDifficulty: 70, time: share().timestamp },
    ]);
  });

  it('every share is counted once in each counter family and in the slices', () => {
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
        for (const family of [
          ...(['poolTotal', 'round', 'poolMinute'] as const).map((kind) =>
            agg.counters.filter((c) => c.counter.kind === kind),
          ),
          agg.slices,
        ]) {
          expect(family.reduce((a, c) => a + c.shares, 0)).toBe(shares.length);
          expect(family.reduce((a, c) => a + c.difficulty, 0)).toBe(total);
        }
        expect(aggregateBatch(batch('b', shares))).toEqual(agg); // deterministic
      }),
    );
  });
});
