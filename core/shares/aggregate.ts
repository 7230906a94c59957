import type { FoundBlockRecord } from '../blocks/block.js';
import { InvalidMessageError } from '../errors.js';
import type { Share, ShareBatch } from './share.js';

/**
 * Folds a batch into what ingest writes: a few additive counters (pool total, pool minute, round total) and one
 * slice per worker, round and minute, which the store packs into a handful of items. Pure and deterministic: the
 * same batch always yields the same counters and slices in the same order, which is what lets a retried batch be
 * recognised write by write. A summary entry (`count` > 1) counts as the shares it stands for. A share whose `hash`
 * came before in the batch is the same share sent twice: it counts once.
 */

export const MINUTE_MS = 60_000;

/** A sum of shares: how many, and their summed credit difficulty. */
export interface Tally {
  shares: number;
  difficulty: number;
}

/** The additive counters ingest maintains. Minutes are `floor(timestamp / 60000)`. */
export type Counter =
  | { kind: 'poolTotal' }
  | { kind: 'round'; height: number }
  | { kind: 'poolMinute'; minute: number };

export interface CounterUpdate extends Tally {
  counter: Counter;
  /**
   * Round counters only, when shares carry a credit (PoT): the summed credit difficulty, which is not linear in
   * `difficulty` and so cannot be derived from the sums later.
   */
  credit?: number;
}

/** A share's credit difficulty under schemes that weigh shares by more than their difficulty (PoT). */
export type ShareCredit = (share: Share) => number;

/**
 * The credit difficulty of a share or summary entry: the entry's own summed `credit`, else `credit(share)` for a
 * single share; none without a credit function. An entry of many shares without its credit cannot be paid right
 * (PoT credit is not linear in difficulty): refused.
 */
export function creditOf(s: Share, credit: ShareCredit | undefined): number | undefined {
  if (s.credit !== undefined) return s.credit;
  if (!credit) return undefined;
  const count = s.count ?? 1;
  if (count !== 1)
    throw new InvalidMessageError(`an entry of ${s.miner} stands for ${count} shares but carries no PoT credit`);
  return credit(s);
}

/** What one worker contributed to one round in one minute. */
export interface WorkerSlice extends Tally {
  height: number;
  minute: number;
  miner: string;
  worker: string;
  /** PoT: summed credit difficulty. */
  credit?: number;
  /** The newest share time in the slice. */
  lastShareAt: number;
}

export interface BatchAggregate {
  batchId: string;
  coin: string;
  total: Tally;
  firstShareAt: number;
  lastShareAt: number;
  counters: CounterUpdate[];
  /** Sorted by height, minute, miner, worker. */
  slices: WorkerSlice[];
  blocks: FoundBlockRecord[];
  /**
   * Merged mining: the aux chains' blocks the batch's shares found, each for its aux coin's blocks table, paid from
   * the round of the share that found it (`round`: this batch's coin at the share's height).
   */
  auxBlocks: AuxBlockRecord[];
  /** Shares left out because their hash came earlier in the batch. */
  repeats: number;
}

/** An aux chain's block as ingest records it in that chain's blocks table. */
export interface AuxBlockRecord {
  /** The aux coin (the share's `auxBlocks[].coin`). */
  coin: string;
  block: FoundBlockRecord;
}

/** A stable identity for a counter, for maps and logs. */
export function counterKey(c: Counter): string {
  switch (c.kind) {
    case 'poolTotal':
      return 'pool';
    case 'round':
      return `round#${c.height}`;
    case 'poolMinute':
      return `minute#${c.minute}`;
  }
}

export function aggregateBatch(batch: ShareBatch, credit?: ShareCredit): BatchAggregate {
  const counters = new Map<string, CounterUpdate>();
  const add = (counter: Counter, shares: number, difficulty: number, shareCredit?: number) => {
    const key = counterKey(counter);
    const existing = counters.get(key);
    if (existing) {
      existing.shares += shares;
      existing.difficulty += difficulty;
      if (shareCredit !== undefined) existing.credit = (existing.credit ?? 0) + shareCredit;
    } else {
      counters.set(key, { counter, shares, difficulty, ...(shareCredit !== undefined && { credit: shareCredit }) });
    }
  };
  const slices = new Map<string, WorkerSlice>();
  const blocks: FoundBlockRecord[] = [];
  const auxBlocks: AuxBlockRecord[] = [];
  const total: Tally = { shares: 0, difficulty: 0 };
  let firstShareAt = Number.POSITIVE_INFINITY;
  let lastShareAt = 0;
  const hashes = new RepeatFilter();

  for (const s of batch.shares) {
    if (hashes.repeated(s)) continue;
    const { miner, worker, height, difficulty } = s;
    const count = s.count ?? 1;
    const minute = Math.floor(s.timestamp / MINUTE_MS);
    const c = creditOf(s, credit);
    total.shares += count;
    total.difficulty += difficulty;
    firstShareAt = Math.min(firstShareAt, s.timestamp);
    lastShareAt = Math.max(lastShareAt, s.timestamp);

    add({ kind: 'poolTotal' }, count, difficulty);
    add({ kind: 'round', height }, count, difficulty, c);
    add({ kind: 'poolMinute', minute }, count, difficulty);

    const key = `${height}\u0000${minute}\u0000${miner}\u0000${worker}`;
    const slice = slices.get(key);
    if (slice) {
      slice.shares += count;
      slice.difficulty += difficulty;
      if (c !== undefined) slice.credit = (slice.credit ?? 0) + c;
      slice.lastShareAt = Math.max(slice.lastShareAt, s.timestamp);
    } else {
      slices.set(key, {
        height,
        minute,
        miner,
        worker,
        shares: count,
        difficulty,
        ...(c !== undefined && { credit: c }),
        lastShareAt: s.timestamp,
      });
    }

    // Who found it, as every block record names it.
    const finder = {
      miner,
      worker,
      shareDifficulty: difficulty,
      actualDifficulty: s.actualDifficulty,
      time: s.timestamp,
    };
    if (s.block) blocks.push({ ...s.block, ...finder });
    for (const { coin, ...aux } of s.auxBlocks ?? []) {
      auxBlocks.push({ coin, block: { ...aux, ...finder, round: { coin: batch.coin, height } } });
    }
  }

  return {
    batchId: batch.batchId,
    coin: batch.coin,
    total,
    firstShareAt: Number.isFinite(firstShareAt) ? firstShareAt : 0,
    lastShareAt,
    counters: [...counters.values()],
    slices: [...slices.values()].sort(compareSlices),
    blocks,
    auxBlocks,
    repeats: hashes.repeats,
  };
}

/** Recognises a share whose hash was seen before (shares without a hash are never repeats). */
export class RepeatFilter {
  private readonly seen = new Set<string>();
  repeats = 0;

  repeated(s: Share): boolean {
    if (s.hash === undefined) return false;
    if (this.seen.has(s.hash)) {
      this.repeats++;
      return true;
    }
    this.seen.add(s.hash);
    return false;
  }
}

function compareSlices(a: WorkerSlice, b: WorkerSlice): number {
  return (
    a.height - b.height ||
    a.minute - b.minute ||
    (a.miner < b.miner ? -1 : a.miner > b.miner ? 1 : 0) ||
    (a.worker < b.worker ? -1 : a.worker > b.worker ? 1 : 0)
  );
}
