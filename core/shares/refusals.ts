import { MINUTE_MS } from './aggregate.js';
import type { RefusedCounts, RefusedShares } from './share.js';

/**
 * Refused shares per worker: what the miner page shows next to the hashrate (open-ethereum-pool's stale and invalid
 * counts). The stratum server tallies each refusal of an authorized worker by class, the share queue sends the
 * tallies with its batches (`ShareBatch.rejected`), and ingest adds them to the worker's per-minute items, under the
 * same batch dedupe as the accepted shares: a redelivered batch counts its refusals once.
 *
 * Classes: `stale` (21: a job that is no longer current), `duplicate` (22: the same share twice), `invalid`
 * (everything else the miner got wrong: 20 bad PoW or mix, malformed parameters, 23 low difficulty, version bits
 * outside the mask). A share the pool failed to record (its queue was down) is the pool's fault, not the
 * worker's, and is not counted; neither is a submit before authorize (no worker to count it for).
 */

/** Most workers' refusals one batch carries: ~300 bytes each at most, well inside a 256 KiB queue message. */
export const REFUSALS_PER_BATCH = 500;

export type RefusalKind = 'stale' | 'invalid' | 'duplicate';

/** A worker's refusals of one minute, as ingest writes them next to its accepted shares. */
export interface RefusalSlice extends RefusedCounts {
  minute: number;
  miner: string;
  worker: string;
}

/** The class of a refusal by the reason the stratum metrics name it; undefined: not the worker's to count. */
export function refusalKind(reason: string): RefusalKind | undefined {
  switch (reason) {
    case 'stale':
      return 'stale';
    case 'duplicate':
      return 'duplicate';
    case 'invalid':
    case 'low-difficulty':
    case 'malformed':
    case 'version-mask':
      return 'invalid';
    default:
      return undefined;
  }
}

export const noRefusals = (): RefusedCounts => ({ stale: 0, invalid: 0, duplicate: 0 });

export function addRefused(to: RefusedCounts, from: RefusedCounts): void {
  to.stale += from.stale;
  to.invalid += from.invalid;
  to.duplicate += from.duplicate;
}

/**
 * Tallies refusals per (miner, worker) until `take`. Bounded: past `maxWorkers` distinct workers a refusal of a new
 * one is dropped (and counted in `dropped`), so a flood of names between two flushes cannot grow memory; workers
 * already tallied keep counting. Workers are authorized ones (a valid payout address), and the stratum's per-IP
 * limits bound how many a client may open, so the cap is a backstop, not the common case.
 */
export class RefusalTally {
  private entries = new Map<string, RefusedShares>();
  dropped = 0;

  constructor(readonly maxWorkers = 10_000) {}

  get size(): number {
    return this.entries.size;
  }

  /** false when the refusal was dropped (the tally is full). */
  add(miner: string, worker: string, kind: RefusalKind, at: number): boolean {
    const key = `${miner}\u0000${worker}`;
    let e = this.entries.get(key);
    if (!e) {
      if (this.entries.size >= this.maxWorkers) {
        this.dropped += 1;
        return false;
      }
      e = { miner, worker, timestamp: at, ...noRefusals() };
      this.entries.set(key, e);
    }
    e[kind] += 1;
    if (at > e.timestamp) e.timestamp = at;
    return true;
  }

  /**
   * Up to `max` workers' refusals (the oldest tallied first), removed from the tally; the rest wait for the next
   * take. The cap keeps one batch's `rejected` well inside a queue message.
   */
  take(max = REFUSALS_PER_BATCH): RefusedShares[] {
    return takeOldest(this.entries, max).sort(byWorker);
  }
}

/** Up to `max` values of a tally, in insertion order (the oldest first), removed from it. */
export function takeOldest<V>(entries: Map<string, V>, max: number): V[] {
  const out: V[] = [];
  for (const [key, value] of entries) {
    if (out.length >= max) break;
    out.push(value);
    entries.delete(key);
  }
  return out;
}

/**
 * Refusals summed per worker and minute, sorted by minute, miner, worker: what a batch's `rejected` entries add to
 * the per-minute items (ingest), or what several batches' entries fold into (a journal summary).
 */
export function refusalSlices(entries: readonly RefusedShares[]): RefusalSlice[] {
  const slices = new Map<string, RefusalSlice>();
  for (const e of entries) {
    const minute = Math.floor(e.timestamp / MINUTE_MS);
    const key = `${minute}\u0000${e.miner}\u0000${e.worker}`;
    let s = slices.get(key);
    if (!s) {
      s = { minute, miner: e.miner, worker: e.worker, ...noRefusals() };
      slices.set(key, s);
    }
    addRefused(s, e);
  }
  return [...slices.values()].sort((a, b) => a.minute - b.minute || byWorker(a, b));
}

/** A slice back as a batch entry (at the start of its minute), for a summary batch. */
export function refusalEntry(s: RefusalSlice): RefusedShares {
  return {
    miner: s.miner,
    worker: s.worker,
    timestamp: s.minute * MINUTE_MS,
    stale: s.stale,
    invalid: s.invalid,
    duplicate: s.duplicate,
  };
}

function byWorker(a: { miner: string; worker: string }, b: { miner: string; worker: string }): number {
  return (
    (a.miner < b.miner ? -1 : a.miner > b.miner ? 1 : 0) || (a.worker < b.worker ? -1 : a.worker > b.worker ? 1 : 0)
  );
}
