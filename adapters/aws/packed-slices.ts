import { gunzipSync, gzipSync } from 'node:zlib';
import { InvalidMessageError } from '../../core/errors.js';
import type { WorkerSlice } from '../../core/shares/aggregate.js';
import type { RefusalSlice } from '../../core/shares/refusals.js';

/**
 * How worker slices are packed into DynamoDB items. A write unit is 1 KiB of item, whatever it holds, so thousands
 * of per-worker counters (one write each, twice with their idempotency guard) cost far more than the same numbers
 * gzip-packed into a few items: a minute of 6,000 workers packs into ~100–200 KiB.
 *
 * Two views of the same slices, each written once per batch:
 *  - round parts (`ROUND#<height>` / `PART#<batch>#<n>`): per worker sums of one round, for the rewards;
 *  - minute shards (`MS#<shard>` / `<minute>#<batch>#<n>`): per worker sums of one minute for the miners whose
 *    address hashes to the shard, for miner pages and last-share times; a page reads one shard's items, 1/32 of
 *    the pool, and the TTL drops them after the stats retention.
 */

/** Miner shards of the minute items. Fixed: changing it would hide the items written under the old count. */
export const MINUTE_SHARDS = 32;

/** A packed item's compressed payload stays under this (DynamoDB items are at most 400 KB). */
export const MAX_PACKED_BYTES = 300 * 1024;

/** FNV-1a (32 bit) of the address: stable across processes and versions, unlike any runtime hash. */
export function minerShard(miner: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < miner.length; i++) {
    h ^= miner.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % MINUTE_SHARDS;
}

/** One worker's sums in a round part: [miner, worker, shares, difficulty, credit | null]. */
export type RoundRow = [string, string, number, number, number | null];
/**
 * One worker's sums in a minute shard: [miner, worker, shares, difficulty, lastShareAt], then its refused shares
 * [stale, invalid, duplicate] when it had any (absent in rows without, and in every row written before they were
 * counted). A worker with refusals only has 0 shares and lastShareAt 0.
 */
export type MinuteRow = [string, string, number, number, number, number?, number?, number?];

/** The round rows of a batch's slices: per height, per worker summed over the batch's minutes. */
export function roundRows(slices: readonly WorkerSlice[]): Map<number, RoundRow[]> {
  const rounds = new Map<number, Map<string, RoundRow>>();
  for (const s of slices) {
    let rows = rounds.get(s.height);
    if (!rows) {
      rows = new Map();
      rounds.set(s.height, rows);
    }
    const key = `${s.miner}\u0000${s.worker}`;
    const row = rows.get(key);
    if (row) {
      row[2] += s.shares;
      row[3] += s.difficulty;
      if (s.credit !== undefined) row[4] = (row[4] ?? 0) + s.credit;
    } else {
      rows.set(key, [s.miner, s.worker, s.shares, s.difficulty, s.credit ?? null]);
    }
  }
  return new Map([...rounds].map(([h, rows]) => [h, [...rows.values()]]));
}

/** The minute rows of a batch's slices: per (shard, minute), per worker summed over the batch's rounds. */
export function minuteRows(
  slices: readonly WorkerSlice[],
  refusals: readonly RefusalSlice[] = [],
): Map<string, { shard: number; minute: number; rows: MinuteRow[] }> {
  const groups = new Map<string, { shard: number; minute: number; rows: Map<string, MinuteRow> }>();
  const rowOf = (s: { miner: string; worker: string; minute: number }): MinuteRow => {
    const shard = minerShard(s.miner);
    const gk = `${shard}#${s.minute}`;
    let g = groups.get(gk);
    if (!g) {
      g = { shard, minute: s.minute, rows: new Map() };
      groups.set(gk, g);
    }
    const key = `${s.miner}\u0000${s.worker}`;
    let row = g.rows.get(key);
    if (!row) {
      row = [s.miner, s.worker, 0, 0, 0];
      g.rows.set(key, row);
    }
    return row;
  };
  for (const s of slices) {
    const row = rowOf(s);
    row[2] += s.shares;
    row[3] += s.difficulty;
    row[4] = Math.max(row[4], s.lastShareAt);
  }
  for (const r of refusals) {
    if (r.stale + r.invalid + r.duplicate === 0) continue;
    const row = rowOf(r);
    row[5] = (row[5] ?? 0) + r.stale;
    row[6] = (row[6] ?? 0) + r.invalid;
    row[7] = (row[7] ?? 0) + r.duplicate;
  }
  return new Map([...groups].map(([k, g]) => [k, { shard: g.shard, minute: g.minute, rows: [...g.rows.values()] }]));
}

/**
 * The rows gzip-packed into as few payloads as fit `maxBytes` each, split in halves (deterministically: the same
 * rows always give the same parts) where one does not.
 */
export function packRows<T>(rows: readonly T[], maxBytes = MAX_PACKED_BYTES): Buffer[] {
  const out: Buffer[] = [];
  const pack = (group: readonly T[]): void => {
    const packed = gzipSync(JSON.stringify(group), { level: 6 });
    if (packed.length <= maxBytes || group.length < 2) {
      out.push(packed);
      return;
    }
    const mid = Math.ceil(group.length / 2);
    pack(group.slice(0, mid));
    pack(group.slice(mid));
  };
  pack(rows);
  return out;
}

/** The rows of a packed payload; throws when it is not one (a corrupted item must not read as zero shares). */
export function unpackRows<T>(packed: Uint8Array): T[] {
  const rows = JSON.parse(gunzipSync(packed, { maxOutputLength: 64 * 1024 * 1024 }).toString('utf8')) as unknown;
  if (!Array.isArray(rows)) throw new InvalidMessageError('packed slices are not an array');
  return rows as T[];
}
