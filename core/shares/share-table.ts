import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { InvalidMessageError } from '../errors.js';
import type { Share, ShareBatch } from './share.js';

/**
 * The v3 queue body: a message's shares as columns. A share as JSON is ~310 bytes of repeated keys, addresses and
 * two random values (its hash and its actual difficulty); gzip spent ~2.3 µs a share of the stratum process's event
 * loop on that, most of it on the 64 random hex digits, which it cannot shrink below their 32 bytes anyway. Here the
 * two random values travel as raw bytes outside the gzip (a float64 and the hash's 32 bytes a share), and the rest as
 * gzipped JSON columns: each distinct miner, worker and address once per message, each share as an index into them
 * and its height and time as differences from the share before (docs/performance.md, "the queue's share table").
 *
 * The bytes: u32 LE length of the gzipped JSON, the gzipped JSON, then for the table's rows of every batch in order
 * their actual difficulties (float64 LE), then their hashes (32 bytes each, the display-order hex's bytes).
 * A share that is not a plain accepted share (a found block, aux blocks, a summary entry, no hash, another coin)
 * travels whole in its batch's `whole`, at the index `at` gives (no `at`: the batch has no rows, its shares are all
 * whole, as in a summary): the decoded batch has every share, in order, as sent.
 */

const FLOAT_BYTES = 8;
const HASH_BYTES = 32;
const ROW_BYTES = FLOAT_BYTES + HASH_BYTES;
const HEADER_BYTES = 4;

/** Strings in the order first seen, each with its index. */
class Dictionary {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  of(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.list.length;
      this.index.set(value, i);
      this.list.push(value);
    }
    return i;
  }
}

/**
 * The distinct (miner, worker, address) of a message's rows, as three columns: a row names one by its index. The
 * miner and the address are indexes into the message's `miners` and `ips` (a miner's rigs, and rigs behind one
 * address, name them once). Looked up by the share's own strings (their hashes are cached in them: the same strings
 * come with every share of a connection) with no allocation but the entry's.
 */
class Workers {
  readonly miners = new Dictionary();
  readonly ips = new Dictionary();
  /** The columns: miner index, worker name, address index (null: none). */
  readonly m: number[] = [];
  readonly w: string[] = [];
  readonly ip: (number | null)[] = [];
  /** Per miner index: worker name → its newest entry; `older` chains a worker's entries at other addresses. */
  private readonly byMiner: Map<string, number>[] = [];
  private readonly older: number[] = [];

  of(miner: string, worker: string, address: string | undefined): number {
    const m = this.miners.of(miner);
    let workers = this.byMiner[m];
    if (workers === undefined) {
      workers = new Map();
      this.byMiner[m] = workers;
    }
    const ip = address === undefined ? null : this.ips.of(address);
    const newest = workers.get(worker) ?? -1;
    for (let i = newest; i !== -1; i = this.older[i]!) if (this.ip[i] === ip) return i;
    const index = this.m.length;
    this.m.push(m);
    this.w.push(worker);
    this.ip.push(ip);
    this.older.push(newest);
    workers.set(worker, index);
    return index;
  }
}

/** A batch in the table: its fields but its shares, and its shares as columns (one entry per row). */
interface TableBatch extends Omit<ShareBatch, 'shares'> {
  /** Absent with the columns when the batch has no rows (a summary: only whole shares). */
  rows?: number;
  /** Index into the message's `who`. */
  w?: number[];
  /** Height minus the previous row's (the first row's: minus 0); likewise `t` for the timestamp. */
  h?: number[];
  d?: number[];
  /** One entry a row, or one for every row of the batch when they all have it (one height: one network difficulty). */
  n?: (number | null)[];
  t?: number[];
  /** The shares that are not rows, whole, at their index among the batch's shares. */
  whole?: Share[];
  /** The index of each of `whole` among the batch's shares; absent when the batch has no rows. */
  at?: number[];
}

/** A plain accepted share: one row of the table. */
function isRow(s: Share, coin: string): boolean {
  return (
    s.coin === coin &&
    s.hash !== undefined &&
    s.block === undefined &&
    s.auxBlocks === undefined &&
    s.count === undefined &&
    s.credit === undefined &&
    s.hash.length === HASH_BYTES * 2
  );
}

/** Whether every entry of `column` is its first (a batch's rows of one height share their network difficulty). */
function sameThroughout(column: readonly (number | null)[]): boolean {
  const first = column[0];
  for (let i = 1; i < column.length; i++) if (column[i] !== first) return false;
  return true;
}

/**
 * The v3 bytes of `batches` (gzip `level` for the JSON part). A batch's `n` column is one entry when its rows all
 * have the same network difficulty: written a row at a time, that float was a third of the JSON's digits (and of
 * what gzip then read) for one value a batch.
 */
export function encodeShareTable(batches: readonly ShareBatch[], level: number): Buffer {
  let most = 0;
  for (const b of batches) most += b.shares.length;
  const floats = Buffer.allocUnsafe(most * FLOAT_BYTES);
  const hashes = Buffer.allocUnsafe(most * HASH_BYTES);
  const who = new Workers();
  let row = 0;
  const tables = batches.map((batch): TableBatch => {
    const { shares, ...fields } = batch;
    const w: number[] = [];
    const h: number[] = [];
    const d: number[] = [];
    const n: (number | null)[] = [];
    const t: number[] = [];
    const whole: Share[] = [];
    const places: number[] = [];
    let height = 0;
    let time = 0;
    for (let i = 0; i < shares.length; i++) {
      const s = shares[i]!;
      // A hash's hex is written first: its digits end the write early if they are not hex (that share travels
      // whole, and ingest refuses it as it would have). Upper-case digits are read as the same bytes and arrive in
      // lower case, as the batch schema wants them.
      if (!isRow(s, batch.coin) || hashes.write(s.hash!, row * HASH_BYTES, 'hex') !== HASH_BYTES) {
        whole.push(s);
        places.push(i);
        continue;
      }
      w.push(who.of(s.miner, s.worker, s.ip));
      h.push(s.height - height);
      height = s.height;
      d.push(s.difficulty);
      n.push(s.networkDifficulty ?? null);
      t.push(s.timestamp - time);
      time = s.timestamp;
      floats.writeDoubleLE(s.actualDifficulty, row * FLOAT_BYTES);
      row++;
    }
    const table: TableBatch =
      w.length > 0 ? { ...fields, rows: w.length, w, h, d, n: sameThroughout(n) ? [n[0]!] : n, t } : { ...fields };
    if (whole.length > 0) table.whole = whole;
    // Positions cost bytes that gzip cannot take out (each is new); a batch of only whole shares needs none.
    if (whole.length > 0 && w.length > 0) table.at = places;
    return table;
  });
  const json = gzipSync(
    JSON.stringify(
      who.m.length === 0
        ? { v: 3, batches: tables } // no rows: nothing to name
        : {
            v: 3,
            miners: who.miners.list,
            ips: who.ips.list,
            who: { m: who.m, w: who.w, ip: who.ip },
            batches: tables,
          },
    ),
    { level },
  );
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32LE(json.length, 0);
  return Buffer.concat([header, json, floats.subarray(0, row * FLOAT_BYTES), hashes.subarray(0, row * HASH_BYTES)]);
}

const int = z.number().int();
const tableSchema = z.strictObject({
  v: z.literal(3),
  miners: z.array(z.string()).default([]),
  ips: z.array(z.string()).default([]),
  who: z
    .strictObject({
      m: z.array(int.nonnegative()),
      w: z.array(z.string()),
      ip: z.array(int.nonnegative().nullable()),
    })
    .default({ m: [], w: [], ip: [] }),
  batches: z
    .array(
      z.looseObject({
        rows: int.nonnegative().default(0),
        w: z.array(int.nonnegative()).default([]),
        h: z.array(int).default([]),
        d: z.array(z.number()).default([]),
        n: z.array(z.number().nullable()).default([]),
        t: z.array(int).default([]),
        whole: z.array(z.unknown()).optional(),
        at: z.array(int.nonnegative()).optional(),
      }),
    )
    .min(1),
});

/**
 * The batches of v3 bytes, not yet validated as share batches (the caller does, as for every version); throws an
 * InvalidMessageError naming what is wrong with the table itself.
 */
export function decodeShareTable(bytes: Buffer, maxInflatedBytes: number, maxBatches: number): unknown[] {
  if (bytes.length < HEADER_BYTES) throw new InvalidMessageError('share table shorter than its header');
  const jsonEnd = HEADER_BYTES + bytes.readUInt32LE(0);
  if (jsonEnd > bytes.length) throw new InvalidMessageError('share table shorter than its JSON part');
  let json: unknown;
  try {
    json = JSON.parse(
      gunzipSync(bytes.subarray(HEADER_BYTES, jsonEnd), { maxOutputLength: maxInflatedBytes }).toString('utf8'),
    );
  } catch (err) {
    throw new InvalidMessageError(`share table's JSON part does not inflate to JSON: ${(err as Error).message}`);
  }
  // Every column holds at most one entry a row, and the rows' bytes say how many rows there can be: a longer column
  // (a hostile body inflating to megabytes of numbers), or more batches than a message may carry, is refused before
  // the schema walks it.
  const batchCount = (json as { batches?: unknown } | null)?.batches;
  if (Array.isArray(batchCount) && batchCount.length > maxBatches) {
    throw new InvalidMessageError(`share table has more than ${maxBatches} batches`);
  }
  const maxRows = Math.floor((bytes.length - jsonEnd) / ROW_BYTES);
  const tooLong = longestColumn(json);
  if (tooLong > maxRows) {
    throw new InvalidMessageError(`share table has a column of ${tooLong} entries for at most ${maxRows} rows`);
  }
  const parsed = tableSchema.safeParse(json);
  if (!parsed.success) throw new InvalidMessageError(`not a share table: ${z.prettifyError(parsed.error)}`);
  const { miners, ips, who, batches } = parsed.data;
  const rows = batches.reduce((sum, b) => sum + b.rows, 0);
  if (bytes.length !== jsonEnd + rows * ROW_BYTES) {
    throw new InvalidMessageError(`share table has ${bytes.length - jsonEnd} bytes of rows, not ${rows * ROW_BYTES}`);
  }
  if (who.w.length !== who.m.length || who.ip.length !== who.m.length) {
    throw new InvalidMessageError("share table's worker columns differ in length");
  }
  const people = who.w.map((worker, i) => {
    const miner = miners[who.m[i]!];
    const ip = who.ip[i]!;
    const address = ip === null ? null : ips[ip];
    if (miner === undefined || address === undefined) {
      throw new InvalidMessageError(`share table worker ${i} names no ${miner === undefined ? 'miner' : 'address'}`);
    }
    return [miner, worker, address] as const;
  });
  const hashesAt = jsonEnd + rows * FLOAT_BYTES;
  let row = 0;
  return batches.map((table, b) => {
    const { rows: count, w, h, d, n, t, whole = [], at: places, ...fields } = table;
    if (places === undefined ? count > 0 && whole.length > 0 : places.length !== whole.length) {
      throw new InvalidMessageError(`share table batch ${b}: its whole shares' places do not match them`);
    }
    const at = places ?? whole.map((_, i) => i);
    // `n` may be one entry for every row (the encoder's form when they all have it).
    const networkDifficulty = n.length === 1 && count > 1 ? new Array<number | null>(count).fill(n[0]!) : n;
    if ([w, h, d, networkDifficulty, t].some((column) => column.length !== count)) {
      throw new InvalidMessageError(`share table batch ${b}: a column's length is not its ${count} rows`);
    }
    const shares: unknown[] = [];
    const coin = fields.coin;
    let height = 0;
    let time = 0;
    let next = 0;
    for (let k = 0; k < count; k++) {
      while (next < whole.length && at[next] === shares.length) shares.push(whole[next++]);
      const person = people[w[k]!];
      if (person === undefined) throw new InvalidMessageError(`share table batch ${b}: row ${k} names no worker`);
      height += h[k]!;
      time += t[k]!;
      const share: Record<string, unknown> = {
        coin,
        miner: person[0],
        worker: person[1],
        height,
        difficulty: d[k],
        actualDifficulty: bytes.readDoubleLE(jsonEnd + row * FLOAT_BYTES),
        timestamp: time,
        hash: bytes.toString('hex', hashesAt + row * HASH_BYTES, hashesAt + (row + 1) * HASH_BYTES),
      };
      if (networkDifficulty[k] !== null) share.networkDifficulty = networkDifficulty[k];
      if (person[2] !== null) share.ip = person[2];
      shares.push(share);
      row++;
    }
    while (next < whole.length && at[next] === shares.length) shares.push(whole[next++]);
    if (next !== whole.length) {
      throw new InvalidMessageError(`share table batch ${b}: its whole shares' places are not in order among its rows`);
    }
    return { ...fields, shares };
  });
}

/**
 * The longest column of a table's JSON (its workers' and its batches'), without reading their entries. Whatever is
 * not shaped as a table counts 0: the schema refuses it.
 */
function longestColumn(json: unknown): number {
  if (typeof json !== 'object' || json === null) return 0;
  const { who, batches } = json as { who?: unknown; batches?: unknown };
  let longest = 0;
  const measure = (holder: unknown, keys: readonly string[]) => {
    if (typeof holder !== 'object' || holder === null) return;
    for (const key of keys) {
      const column = (holder as Record<string, unknown>)[key];
      if (Array.isArray(column) && column.length > longest) longest = column.length;
    }
  };
  measure(who, ['m', 'w', 'ip']);
  if (Array.isArray(batches)) for (const b of batches) measure(b, ['w', 'h', 'd', 'n', 't']);
  return longest;
}
