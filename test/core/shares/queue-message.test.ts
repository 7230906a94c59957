import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COMPRESSED_PREFIX,
  decodeMessage,
  encodeMessages,
  messageBytes,
  TABLE_PREFIX,
} from '../../../core/shares/queue-message.js';
import type { Share } from '../../../core/shares/share.js';
import { encodeShareTable } from '../../../core/shares/share-table.js';
import { batch, MINER_A, MINER_B, share } from './fixtures.js';

const gz = (value: unknown) => COMPRESSED_PREFIX + gzipSync(JSON.stringify(value)).toString('base64');

/** A v3 body of hand-made bytes: a JSON part (gzipped) and the rows' bytes after it. */
const table = (json: unknown, rows: Buffer = Buffer.alloc(0), lengthDelta = 0) => {
  const part = gzipSync(JSON.stringify(json));
  const header = Buffer.alloc(4);
  header.writeUInt32LE(part.length + lengthDelta);
  return TABLE_PREFIX + Buffer.concat([header, part, rows]).toString('base64');
};

const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const double = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** Any share a batch may carry: plain accepted shares (the table's rows) and every kind that travels whole. */
const anyShare: fc.Arbitrary<Share> = fc
  .record(
    {
      miner: fc.constantFrom(MINER_A, MINER_B, 'ltc1q\nodd', 'a\nb', 'a'),
      worker: fc.constantFrom('', 'rig1', 'b\nc', 'c', 'ünïcode'),
      height: fc.integer({ min: 0, max: 5_000_000 }),
      difficulty: double(1e-12, 1e12).filter((d) => d > 0),
      actualDifficulty: double(0, 1e15),
      networkDifficulty: fc.option(
        double(1e-3, 1e14).filter((d) => d > 0),
        { nil: undefined },
      ),
      timestamp: fc.integer({ min: 0, max: 2 ** 42 }),
      ip: fc.option(fc.constantFrom('10.0.0.1', '2001:db8::1', ''), { nil: undefined }),
      hash: fc.option(hex64, { nil: undefined, freq: 8 }),
      kind: fc.constantFrom('plain', 'plain', 'plain', 'block', 'summary'),
    },
    { requiredKeys: ['miner', 'worker', 'height', 'difficulty', 'actualDifficulty', 'timestamp', 'kind'] },
  )
  .map(({ kind, ...s }) => {
    const out: Share = { coin: 'LTC', ...s };
    for (const key of Object.keys(out) as (keyof Share)[]) if (out[key] === undefined) delete out[key];
    if (kind === 'block') {
      out.block = {
        height: s.height,
        hash: 'ab'.repeat(32),
        reward: '625000000',
        networkDifficulty: 3,
        submitResult: 'accepted',
      };
    }
    if (kind === 'summary') {
      out.count = 3;
      delete out.hash;
    }
    return out;
  });

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

  it('round-trips any mix of shares through the share table: rows and shares sent whole, each at its place', () => {
    fc.assert(
      fc.property(fc.array(fc.array(anyShare, { maxLength: 40 }), { minLength: 1, maxLength: 5 }), (groups) => {
        const sent = groups.map((shares, i) => ({
          ...batch(`t${i}`, shares),
          ...(shares.length === 0
            ? { rejected: [{ miner: MINER_A, worker: 'x', timestamp: 1, stale: 1, invalid: 0, duplicate: 0 }] }
            : {}),
        }));
        const [body, ...more] = encodeMessages(sent, 256 * 1024);
        expect(more).toEqual([]);
        expect(body!.startsWith(TABLE_PREFIX)).toBe(true);
        expect(decodeMessage(body!)).toStrictEqual(sent);
      }),
      { numRuns: 200 },
    );
  });

  it('sends a batch of only whole shares (a summary) without their places, and in no more bytes than v2', () => {
    const summary = Array.from({ length: 300 }, (_, k) =>
      share({ worker: `rig${k}`, count: 1 + (k % 7), difficulty: 8 * (1 + (k % 7)), timestamp: 1_700_000_000_000 + k }),
    );
    const sent = [batch('s', summary)];
    const [body] = encodeMessages(sent, 256 * 1024);
    expect(decodeMessage(body!)).toStrictEqual(sent);
    // v2 at the level the encoder uses (1)
    const v2 = COMPRESSED_PREFIX + gzipSync(JSON.stringify({ v: 2, batches: sent }), { level: 1 }).toString('base64');
    expect(body!.length).toBeLessThanOrEqual(v2.length * 1.02);
  });

  it('sends plain shares as rows (few bytes a share) and the rest whole', () => {
    const rows = Array.from({ length: 400 }, (_, k) =>
      share({ hash: k.toString(16).padStart(64, '0'), ip: '10.0.0.1', networkDifficulty: 1e6, timestamp: k }),
    );
    const whole = share({ count: 5 });
    const bytes = encodeShareTable([batch('r', [...rows.slice(0, 200), whole, ...rows.slice(200)])], 1);
    // a row: 8 bytes of actual difficulty, 32 of hash, and a few of gzipped columns
    expect(bytes.length).toBeGreaterThan(400 * 40);
    expect(bytes.length).toBeLessThan(400 * 44);
    expect(decodeMessage(TABLE_PREFIX + bytes.toString('base64'))[0]!.shares[200]).toEqual(whole);
  });

  it('writes a network difficulty its rows all have once, and reads both forms (one entry, or one a row)', () => {
    const rows = (n: (k: number) => number | undefined) =>
      Array.from({ length: 50 }, (_, k) => share({ hash: k.toString(16).padStart(64, '0'), networkDifficulty: n(k) }));
    const json = (shares: Share[]) => {
      const bytes = encodeShareTable([batch('n', shares)], 1);
      return JSON.parse(gunzipSync(bytes.subarray(4, 4 + bytes.readUInt32LE(0))).toString()) as {
        batches: { n: unknown[] }[];
      };
    };
    const same = rows(() => 123456.789);
    expect(json(same).batches[0]!.n).toEqual([123456.789]);
    expect(decodeMessage(encodeMessages([batch('n', same)], 256 * 1024)[0]!)[0]!.shares).toStrictEqual(same);
    const changed = rows((k) => (k < 30 ? 123456.789 : 234567.891));
    expect(json(changed).batches[0]!.n).toHaveLength(50);
    expect(decodeMessage(encodeMessages([batch('n', changed)], 256 * 1024)[0]!)[0]!.shares).toStrictEqual(changed);
    // What a stratum server of before this form sends: one entry a row, all the same.
    const two = { ...batch('x', []), rows: 2, w: [0, 0], h: [100, 0], d: [8, 8], t: [5, 1] };
    const ok = { v: 3, miners: [MINER_A], ips: [], who: { m: [0], w: ['rig1'], ip: [null] } };
    const perRow = decodeMessage(table({ ...ok, batches: [{ ...two, n: [7, 7] }] }, Buffer.alloc(80)));
    const once = decodeMessage(table({ ...ok, batches: [{ ...two, n: [7] }] }, Buffer.alloc(80)));
    expect(once).toStrictEqual(perRow);
    expect(once[0]!.shares.map((s) => s.networkDifficulty)).toEqual([7, 7]);
    expect(() => decodeMessage(table({ ...ok, batches: [{ ...two, n: [] }] }, Buffer.alloc(80)))).toThrow(
      /column's length/,
    );
  });

  it("gives a hash's upper-case digits back in lower case, and sends a hash that is not hex whole (ingest refuses it, as it did)", () => {
    const upper = share({ hash: 'AB'.repeat(32) });
    expect(decodeMessage(encodeMessages([batch('u', [upper])], 256 * 1024)[0]!)[0]!.shares).toEqual([
      { ...upper, hash: 'ab'.repeat(32) },
    ]);
    const body = encodeMessages([batch('x', [share({ hash: 'zz'.repeat(32) })])], 256 * 1024)[0]!;
    expect(() => decodeMessage(body)).toThrow(/not a share message[\s\S]*64 lowercase hex/);
  });

  it('refuses a share table whose parts do not agree: lengths, rows, names, places', () => {
    const one = { ...batch('x', []), rows: 1, w: [0], h: [100], d: [8], n: [null], t: [5] };
    const row = Buffer.alloc(40);
    const who = { m: [0], w: ['rig1'], ip: [null] };
    const ok = { v: 3, miners: [MINER_A], ips: [], who };
    expect(decodeMessage(table({ ...ok, batches: [one] }, row))[0]!.shares).toEqual([
      {
        coin: 'LTC',
        miner: MINER_A,
        worker: 'rig1',
        height: 100,
        difficulty: 8,
        actualDifficulty: 0,
        timestamp: 5,
        hash: '00'.repeat(32),
      },
    ]);
    expect(() => decodeMessage(`${TABLE_PREFIX}AAA`)).toThrow(/shorter than its header/);
    expect(() => decodeMessage(table({ ...ok, batches: [one] }, row, 1000))).toThrow(/shorter than its JSON/);
    expect(() => decodeMessage(table({ ...ok, batches: [one] }, Buffer.alloc(79)))).toThrow(/bytes of rows/);
    // more batches than a message may carry, refused before they are read
    expect(() => decodeMessage(table({ v: 3, batches: new Array(501).fill(batch('b', [share()])) }))).toThrow(
      /more than 500 batches/,
    );
    // a column longer than the rows' bytes allow is refused before its entries are read
    const long = { ...one, rows: 0, w: new Array(100_000).fill(0), h: [], d: [], n: [], t: [] };
    expect(() => decodeMessage(table({ ...ok, batches: [long] }, Buffer.alloc(0)))).toThrow(
      /column of 100000 entries for at most 0 rows/,
    );
    expect(() => decodeMessage(table({ ...ok, batches: [{ ...one, t: [] }] }, row))).toThrow(/column's length/);
    expect(() => decodeMessage(table({ ...ok, batches: [{ ...one, w: [1] }] }, row))).toThrow(/names no worker/);
    expect(() => decodeMessage(table({ ...ok, who: { ...who, m: [1] }, batches: [one] }, row))).toThrow(
      /names no miner/,
    );
    expect(() => decodeMessage(table({ ...ok, who: { ...who, ip: [0] }, batches: [one] }, row))).toThrow(
      /names no address/,
    );
    expect(() => decodeMessage(table({ ...ok, who: { ...who, w: [] }, batches: [one] }, row))).toThrow(
      /worker columns differ/,
    );
    expect(() => decodeMessage(table({ ...ok, batches: [{ ...one, whole: [share()] }] }, row))).toThrow(
      /places do not match/,
    );
    expect(() => decodeMessage(table({ ...ok, batches: [{ ...one, whole: [share()], at: [0, 1] }] }, row))).toThrow(
      /places do not match/,
    );
    expect(() => decodeMessage(table({ ...ok, batches: [{ ...one, whole: [share()], at: [5] }] }, row))).toThrow(
      /not in order/,
    );
    expect(() => decodeMessage(table({ ...ok, v: 2, batches: [one] }, row))).toThrow(/not a share table/);
    expect(() => decodeMessage(table({ ...ok, batches: [{ ...one, d: [-1] }] }, row))).toThrow(/not a share message/);
    const bomb = Buffer.concat([Buffer.alloc(4), gzipSync(Buffer.alloc(32 * 1024 * 1024, 0x20))]);
    bomb.writeUInt32LE(bomb.length - 4);
    expect(() => decodeMessage(TABLE_PREFIX + bomb.toString('base64'))).toThrow(/does not inflate/);
  });

  it('still reads a v2 body (gzipped JSON batches, what stratum servers sent before the share table)', () => {
    const sent = [batch('a', [share({ hash: 'cd'.repeat(32) })]), batch('b', [share({ count: 2 })])];
    expect(decodeMessage(gz({ v: 2, batches: sent }))).toEqual(sent);
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

  it("measures every body as SQS counts it, UTF-8 bytes: v3 and v2 by their length, v1 JSON of any worker's name", () => {
    fc.assert(
      fc.property(fc.array(anyShare, { minLength: 1, maxLength: 30 }), (shares) => {
        const sent = [batch('m', shares)];
        const bodies = [
          ...encodeMessages(sent, 256 * 1024), // v3
          ...encodeMessages(sent, 256 * 1024, false), // v1: JSON, 'ünïcode' workers among them
          gz({ v: 2, batches: sent }),
        ];
        for (const body of bodies) expect(messageBytes(body)).toBe(Buffer.byteLength(body));
      }),
      { numRuns: 100 },
    );
    // A v1 body with characters of two, three and four UTF-8 bytes is longer in bytes than in characters.
    const wide = JSON.stringify(batch('w', [share({ worker: 'ü€😀' })]));
    expect(messageBytes(wide)).toBe(wide.length + 1 + 2 + 2);
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
