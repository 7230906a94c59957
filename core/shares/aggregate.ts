import type { FoundBlock, Share, ShareBatch } from './share.js';

/**
 * Folds a batch into the few counter updates ingest writes: one batch of 500 shares from 10 workers becomes a few
 * dozen additive updates instead of 500 writes. Pure and deterministic: the same batch always yields the same
 * updates in the same order, which is what lets a retried batch be recognised counter by counter.
 */

export const MINUTE_MS = 60_000;

/** A sum of shares: how many, and their summed credit difficulty. */
export interface Tally {
  shares: number;
  difficulty: number;
}

/** Every additive counter ingest maintains. Minutes are `floor(timestamp / 60000)`. */
export type Counter =
  | { kind: 'poolTotal' }
  | { kind: 'minerTotal'; miner: string }
  | { kind: 'round'; height: number }
  | { kind: 'roundMiner'; height: number; miner: string }
  | { kind: 'roundWorker'; height: number; miner: string; worker: string }
  | { kind: 'poolMinute'; minute: number }
  | { kind: 'minerMinute'; minute: number; miner: string }
  | { kind: 'workerMinute'; minute: number; miner: string; worker: string };

export interface CounterUpdate extends Tally {
  counter: Counter;
  /**
   * Round counters only, when ingest has a credit function (PoT): the summed credit difficulty of the shares, which
   * is not linear in `difficulty` and so cannot be derived from the sums later.
   */
  credit?: number;
}

/** A share's credit difficulty under schemes that weigh shares by more than their difficulty (PoT). */
export type ShareCredit = (share: Share) => number;

/** The newest share time of a worker in the batch; stored as a maximum, so re-applying it is harmless. */
export interface LastShare {
  miner: string;
  worker: string;
  at: number;
}

/** A found block as ingest records it, with who found it. */
export interface FoundBlockRecord extends FoundBlock {
  miner: string;
  worker: string;
  /** The credit difficulty of the share that found it. */
  shareDifficulty: number;
  /** The difficulty its hash actually reached. */
  actualDifficulty: number;
  /** When the share was accepted, ms since the epoch. */
  time: number;
}

export interface BatchAggregate {
  batchId: string;
  coin: string;
  total: Tally;
  /** Per miner sums of this batch: kept on the batch item as its immutable summary. */
  miners: Record<string, Tally>;
  firstShareAt: number;
  lastShareAt: number;
  counters: CounterUpdate[];
  lastShares: LastShare[];
  blocks: FoundBlockRecord[];
}

/** A stable identity for a counter, for maps and logs. '#' never occurs in miner names (see batch-schema). */
export function counterKey(c: Counter): string {
  switch (c.kind) {
    case 'poolTotal':
      return 'pool';
    case 'minerTotal':
      return `miner#${c.miner}`;
    case 'round':
      return `round#${c.height}`;
    case 'roundMiner':
      return `round#${c.height}#${c.miner}`;
    case 'roundWorker':
      return `round#${c.height}#${c.miner}#${c.worker}`;
    case 'poolMinute':
      return `minute#${c.minute}`;
    case 'minerMinute':
      return `minute#${c.minute}#${c.miner}`;
    case 'workerMinute':
      return `minute#${c.minute}#${c.miner}#${c.worker}`;
  }
}

export function aggregateBatch(batch: ShareBatch, credit?: ShareCredit): BatchAggregate {
  const counters = new Map<string, CounterUpdate>();
  const add = (counter: Counter, difficulty: number, shareCredit?: number) => {
    const key = counterKey(counter);
    const existing = counters.get(key);
    if (existing) {
      existing.shares += 1;
      existing.difficulty += difficulty;
      if (shareCredit !== undefined) existing.credit = (existing.credit ?? 0) + shareCredit;
    } else {
      counters.set(key, { counter, shares: 1, difficulty, ...(shareCredit !== undefined && { credit: shareCredit }) });
    }
  };
  const miners: Record<string, Tally> = {};
  const lastShares = new Map<string, LastShare>();
  const blocks: FoundBlockRecord[] = [];
  const total: Tally = { shares: 0, difficulty: 0 };
  let firstShareAt = Number.POSITIVE_INFINITY;
  let lastShareAt = 0;

  for (const s of batch.shares) {
    const { miner, worker, height, difficulty } = s;
    const minute = Math.floor(s.timestamp / MINUTE_MS);
    total.shares += 1;
    total.difficulty += difficulty;
    const m = miners[miner] ?? { shares: 0, difficulty: 0 };
    m.shares += 1;
    m.difficulty += difficulty;
    miners[miner] = m;
    firstShareAt = Math.min(firstShareAt, s.timestamp);
    lastShareAt = Math.max(lastShareAt, s.timestamp);

    add({ kind: 'poolTotal' }, difficulty);
    add({ kind: 'minerTotal', miner }, difficulty);
    const c = credit?.(s);
    add({ kind: 'round', height }, difficulty, c);
    add({ kind: 'roundMiner', height, miner }, difficulty, c);
    add({ kind: 'roundWorker', height, miner, worker }, difficulty, c);
    add({ kind: 'poolMinute', minute }, difficulty);
    add({ kind: 'minerMinute', minute, miner }, difficulty);
    add({ kind: 'workerMinute', minute, miner, worker }, difficulty);

    const wk = `${miner}#${worker}`;
    const seen = lastShares.get(wk);
    if (!seen || seen.at < s.timestamp) lastShares.set(wk, { miner, worker, at: s.timestamp });

    if (s.block) {
      blocks.push({
        ...s.block,
        miner,
        worker,
        shareDifficulty: difficulty,
        actualDifficulty: s.actualDifficulty,
        time: s.timestamp,
      });
    }
  }

  return {
    batchId: batch.batchId,
    coin: batch.coin,
    total,
    miners,
    firstShareAt: Number.isFinite(firstShareAt) ? firstShareAt : 0,
    lastShareAt,
    counters: [...counters.values()],
    lastShares: [...lastShares.values()],
    blocks,
  };
}
