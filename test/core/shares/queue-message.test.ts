import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMPRESSED_PREFIX, decodeMessage, encodeMessages } from '../../../core/shares/queue-message.js';
import { batch, share } from './fixtures.js';

const gz = (value: unknown) => COMPRESSED_PREFIX + gzipSync(JSON.stringify(value)).toString('base64');

describe('queue messages', () => {
  it('round-trips any batches, in order, under any size limit a share fits in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 600, max: 20_000 }),
        fc.boolean(),
        (sizes, maxBytes, compress) => {
          const sent = sizes.map((n, i) =>
            batch(
              `b${i}`,
              Array.from({ length: n }, (_, k) => share({ timestamp: i * 1000 + k, actualDifficulty: 8 + k })),
            ),
          );
          const bodies = encodeMessages(sent, maxBytes, compress);
          for (const body of bodies) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(maxBytes);
          const got = bodies.flatMap((b) => decodeMessage(b));
          expect(got.flatMap((b) => b.shares)).toEqual(sent.flatMap((b) => b.shares));
          // every batch id comes back, or its deterministic halves
          for (const b of got)
            expect(sent.some((s) => b.batchId === s.batchId || b.batchId.startsWith(`${s.batchId}.`))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("sends a split batch's refused-share counts and aux addresses in its first half only, so that they count once", () => {
    const rejected = [{ miner: 'rltc1qminera', worker: 'rig1', timestamp: 1, stale: 3, invalid: 1, duplicate: 0 }];
    const auxAddresses = [{ miner: 'rltc1qminera', coin: 'DOGE', address: 'DPvc6tCMWJBrNcqn7T1TyZBjQCbUQPCpH4' }];
    const big = {
      ...batch(
        'big',
        Array.from({ length: 300 }, (_, k) => share({ timestamp: k })),
      ),
      rejected,
      auxAddresses,
    };
    for (const compress of [true, false]) {
      const got = encodeMessages([big], 700, compress).flatMap((b) => decodeMessage(b));
      expect(got.length).toBeGreaterThan(1);
      expect(got.flatMap((b) => b.rejected ?? [])).toEqual(rejected);
      expect(got.flatMap((b) => b.auxAddresses ?? [])).toEqual(auxAddresses);
      expect(got.flatMap((b) => b.shares)).toEqual(big.shares);
    }
  });

  it('still reads a v1 body (one batch as JSON)', () => {
    const b = batch('v1', [share()]);
    expect(decodeMessage(JSON.stringify(b))).toEqual([b]);
  });

  it('refuses a compressed body that is not gzip, not a v2 message, or inflates past its bound', () => {
    expect(() => decodeMessage(`${COMPRESSED_PREFIX}not-base64-gzip`)).toThrow(/does not inflate/);
    expect(() => decodeMessage(gz({ v: 2, batches: [] }))).toThrow(/not a share message/);
    expect(() => decodeMessage(gz({ v: 2, batches: [{ ...batch('x', [share()]), v: 3 }] }))).toThrow(
      /not a share message/,
    );
    const bomb = COMPRESSED_PREFIX + gzipSync(Buffer.alloc(32 * 1024 * 1024, 0x20)).toString('base64');
    expect(bomb.length).toBeLessThan(64 * 1024); // a small body…
    expect(() => decodeMessage(bomb)).toThrow(/does not inflate/); // …is not inflated without bound
  });
});
