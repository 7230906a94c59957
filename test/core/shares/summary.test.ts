import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateBatch, MINUTE_MS } from '../../../core/shares/aggregate.js';
import { parseShareBatch } from '../../../core/shares/batch-schema.js';
import { summarizeBatches } from '../../../core/shares/summary.js';
import { batch, MINER_A, MINER_B, share } from './fixtures.js';

const T0 = 1_700_000_040_000; // on a minute boundary

describe('summarizeBatches', () => {
  it('folds shares into one entry per worker, round and minute, keeping block shares whole', () => {
    const block = { height: 100, hash: 'ab'.repeat(32), reward: '5', networkDifficulty: 9, submitResult: 'accepted' };
    const [summary, ...rest] = summarizeBatches(
      [
        batch('b0', [
          share({ miner: MINER_A, difficulty: 2, actualDifficulty: 3, timestamp: T0 + 1, ip: '10.0.0.1' }),
          share({ miner: MINER_A, difficulty: 4, actualDifficulty: 50, timestamp: T0 + 2 }),
        ]),
        batch('b1', [
          share({ miner: MINER_A, difficulty: 8, timestamp: T0 + MINUTE_MS }),
          share({ miner: MINER_B, difficulty: 8, block, timestamp: T0 + 3 }),
        ]),
      ],
      { id: 'sum-x' },
    );
    expect(rest).toEqual([]);
    expect(summary?.batchId).toBe('sum-x/LTC/0');
    expect(summary?.shares).toEqual([
      share({ miner: MINER_A, count: 2, difficulty: 6, actualDifficulty: 50, timestamp: T0 + 2 }),
      share({ miner: MINER_A, count: 1, difficulty: 8, timestamp: T0 + MINUTE_MS }),
      share({ miner: MINER_B, difficulty: 8, block, timestamp: T0 + 3 }),
    ]);
    expect(() => parseShareBatch(JSON.stringify(summary))).not.toThrow();
  });

  it('leaves out a share journaled twice (the same hash) and carries no hash in a folded entry', () => {
    const once = share({ miner: MINER_A, difficulty: 4, timestamp: 0, hash: '01'.repeat(32) });
    const block = { height: 100, hash: '02'.repeat(32), reward: '1', networkDifficulty: 9, submitResult: 'accepted' };
    const found = share({ miner: MINER_B, difficulty: 2, timestamp: 0, hash: '03'.repeat(32), block });
    const [summary] = summarizeBatches([batch('b1', [once, found]), batch('b2', [{ ...once, timestamp: 1 }, found])], {
      id: 's',
    });
    expect(summary!.shares).toEqual([{ ...share({ miner: MINER_A, timestamp: 0 }), count: 1, difficulty: 4 }, found]);
  });

  it('splits into parts of at most maxEntries, in a deterministic order', () => {
    const shares = Array.from({ length: 7 }, (_, i) => share({ worker: `w${i}`, timestamp: T0 }));
    const parts = summarizeBatches([batch('b', shares)], { id: 's', maxEntries: 3 });
    expect(parts.map((p) => [p.batchId, p.shares.length])).toEqual([
      ['s/LTC/0', 3],
      ['s/LTC/1', 3],
      ['s/LTC/2', 1],
    ]);
    expect(summarizeBatches([batch('b', [...shares].reverse())], { id: 's', maxEntries: 3 })).toEqual(parts);
  });

  it('sums each share credit (PoT) and refuses to fold entries whose credit is unknown', () => {
    const credit = (s: { actualDifficulty: number }) => s.actualDifficulty;
    const [summary] = summarizeBatches(
      [batch('b', [share({ actualDifficulty: 10 }), share({ actualDifficulty: 20 })])],
      { id: 's', credit },
    );
    expect(summary?.shares[0]).toMatchObject({ count: 2, credit: 30 });
    expect(() => summarizeBatches([batch('b', [share({ count: 2, difficulty: 16 })])], { id: 's', credit })).toThrow(
      /PoT credit/,
    );
  });

  it('credits exactly what the shares themselves would: same round, minute and pool sums', () => {
    const spec = fc.record({
      miner: fc.constantFrom(MINER_A, MINER_B, 'rltc1qminerc'),
      worker: fc.constantFrom('', 'w1', 'w2'),
      height: fc.integer({ min: 100, max: 102 }),
      difficulty: fc.integer({ min: 1, max: 1 << 20 }),
      actualDifficulty: fc.integer({ min: 1, max: 1 << 24 }),
      timestamp: fc.integer({ min: T0, max: T0 + 3 * MINUTE_MS }),
    });
    fc.assert(
      fc.property(fc.array(fc.array(spec, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 4 }), (raw) => {
        const batches = raw.map((specs, i) =>
          batch(
            `b${i}`,
            specs.map((s) => share(s)),
          ),
        );
        const credit = (s: { actualDifficulty: number }) => s.actualDifficulty / 3;
        const direct = batches.map((b) => aggregateBatch(b, credit));
        const folded = summarizeBatches(batches, { id: 's', credit, maxEntries: 7 }).map((b) => aggregateBatch(b));
        const sums = (aggs: typeof direct) => {
          const out = new Map<string, [number, number, number]>();
          for (const a of aggs)
            for (const s of a.slices) {
              const k = `${s.height}/${s.minute}/${s.miner}/${s.worker}`;
              const t = out.get(k) ?? [0, 0, 0];
              out.set(k, [t[0] + s.shares, t[1] + s.difficulty, t[2] + (s.credit ?? 0)]);
            }
          return out;
        };
        const want = sums(direct);
        const got = sums(folded);
        expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
        for (const [k, [n, d, c]] of want) {
          const [n2, d2, c2] = got.get(k)!;
          expect(n2).toBe(n);
          expect(d2).toBe(d);
          expect(c2).toBeCloseTo(c, 6);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('summarizeBatches: merged mining', () => {
  const auxBlock = (hash: string) => ({
    coin: 'DOGE',
    height: 5000,
    hash,
    reward: '1000000000000',
    networkDifficulty: 2,
    submitResult: 'accepted',
  });

  it('keeps a share that found only an aux block whole, as a block share, never folded into its worker entry', () => {
    const auxOnly = share({ miner: MINER_A, difficulty: 4, timestamp: T0 + 5, auxBlocks: [auxBlock('cd'.repeat(32))] });
    const [summary, ...rest] = summarizeBatches(
      [
        batch('b0', [
          share({ miner: MINER_A, difficulty: 2, timestamp: T0 + 1 }),
          auxOnly,
          share({ timestamp: T0 + 9 }),
        ]),
      ],
      { id: 's' },
    );
    expect(rest).toEqual([]);
    expect(summary!.shares).toEqual([share({ miner: MINER_A, count: 2, difficulty: 10, timestamp: T0 + 9 }), auxOnly]);
    // What ingest counts is what the shares alone would have made, and the aux block is still there to record.
    const agg = aggregateBatch(summary!);
    expect(agg.total).toEqual({ shares: 3, difficulty: 14 });
    expect(agg.auxBlocks.map((b) => b.block.hash)).toEqual(['cd'.repeat(32)]);
    expect(() => parseShareBatch(JSON.stringify(summary))).not.toThrow();
  });

  it("carries the batches' aux payout addresses on, each once, in the order given", () => {
    const a = { miner: MINER_A, coin: 'DOGE', address: 'D1' };
    const b = { miner: MINER_B, coin: 'DOGE', address: 'D2' };
    const [summary] = summarizeBatches(
      [
        { ...batch('b0', [share()]), auxAddresses: [a] },
        { ...batch('b1', []), auxAddresses: [b, a] },
      ],
      { id: 's' },
    );
    expect(summary!.auxAddresses).toEqual([a, b]);
    expect(summarizeBatches([batch('b0', [share()])], { id: 's' })[0]!.auxAddresses).toBeUndefined();
  });

  it('gives aux addresses a part of their own past what one batch carries, each part valid', () => {
    const claims = Array.from({ length: 501 }, (_, i) => ({ miner: `m${i}`, coin: 'DOGE', address: 'D1' }));
    const parts = summarizeBatches(
      [
        { ...batch('b0', [share()]), auxAddresses: claims.slice(0, 300) },
        { ...batch('b1', []), auxAddresses: claims.slice(300) },
      ],
      { id: 's' },
    );
    expect(parts.map((p) => [p.batchId, p.shares.length, p.auxAddresses?.length])).toEqual([
      ['s/LTC/0', 1, 500],
      ['s/LTC/1', 0, 1],
    ]);
    for (const p of parts) expect(() => parseShareBatch(JSON.stringify(p))).not.toThrow();
  });
});
