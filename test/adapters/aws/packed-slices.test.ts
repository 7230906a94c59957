import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MINUTE_SHARDS,
  minerShard,
  minuteRows,
  packRows,
  roundRows,
  unpackRows,
} from '../../../adapters/aws/packed-slices.js';
import type { WorkerSlice } from '../../../core/shares/aggregate.js';

const slice = (o: Partial<WorkerSlice>): WorkerSlice => ({
  height: 1,
  minute: 10,
  miner: 'm',
  worker: 'w',
  shares: 1,
  difficulty: 2,
  lastShareAt: 600_000,
  ...o,
});

describe('packed slices', () => {
  it('shards by a stable hash of the address (the same in every process and version)', () => {
    // FNV-1a 32 of "a" is 0xe40c292c; of "" the offset basis 0x811c9dc5.
    expect(minerShard('a')).toBe(0xe40c292c % MINUTE_SHARDS);
    expect(minerShard('')).toBe(0x811c9dc5 % MINUTE_SHARDS);
    const shards = new Set(Array.from({ length: 2000 }, (_, i) => minerShard(`ltc1qminer${i}`)));
    expect(shards.size).toBe(MINUTE_SHARDS);
  });

  it('rounds sum a worker over minutes; minutes sum it over rounds and keep its newest share', () => {
    const slices = [
      slice({ height: 1, minute: 10, shares: 2, difficulty: 4, credit: 5, lastShareAt: 1 }),
      slice({ height: 1, minute: 11, shares: 3, difficulty: 6, credit: 1, lastShareAt: 9 }),
      slice({ height: 2, minute: 11, shares: 1, difficulty: 1, lastShareAt: 7 }),
    ];
    expect([...roundRows(slices)]).toEqual([
      [1, [['m', 'w', 5, 10, 6]]],
      [2, [['m', 'w', 1, 1, null]]],
    ]);
    const shard = minerShard('m');
    expect([...minuteRows(slices).values()]).toEqual([
      { shard, minute: 10, rows: [['m', 'w', 2, 4, 1]] },
      { shard, minute: 11, rows: [['m', 'w', 4, 7, 9]] },
    ]);
  });

  it('splits rows over payloads under the size limit and gives them back in order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 30, maxLength: 40 }), fc.nat()),
          { maxLength: 400 },
        ),
        (rows) => {
          const parts = packRows(rows, 2048);
          for (const p of parts) if (unpackRows(p).length > 1) expect(p.length).toBeLessThanOrEqual(2048);
          expect(parts.flatMap((p) => unpackRows(p))).toEqual(rows);
          expect(packRows(rows, 2048)).toEqual(parts);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('refuses a payload that is not packed rows rather than reading it as none', () => {
    expect(() => unpackRows(Buffer.from('not gzip'))).toThrow();
  });
});
