import type { BlockRecord, FoundBlockRecord } from '../blocks/block.js';
import type { BatchAggregate, Counter, CounterUpdate, Tally, WorkerSlice } from '../shares/aggregate.js';
import type { RefusalSlice } from '../shares/refusals.js';
import type { RefusedCounts } from '../shares/share.js';

/**
 * Where ingested shares are counted (DynamoDB in AWS, dynalite locally), as four ports by who uses them: ingest
 * writes (`ShareIngestStore`), the rewards read rounds (`RoundShareReader`), miner pages and the payout policy read a
 * miner's activity (`MinerActivityReader`), the stats API reads the pool's (`PoolStatsReader`). Infrastructure
 * failures reject with StorageError.
 */

/**
 * The steps of the idempotent ingest in core/shares/ingest-batch.ts; each is safe to repeat.
 */
export interface ShareIngestStore {
  /**
   * Step (a): records the immutable batch item (status 'applying', owned by `claim` until `leaseUntil`), or reads
   * the existing one. 'claimed': the caller owns the batch now (new, or the previous owner's lease ran out);
   * 'busy': another live owner is applying it; 'applied'/'cleaned': already counted.
   */
  beginBatch(aggregate: BatchAggregate, lease: BatchLease): Promise<BatchClaim>;
  /** Step (b): adds to one counter unless this batch already did; 'duplicate' when it had. */
  addToCounter(coin: string, batchId: string, update: CounterUpdate): Promise<'added' | 'duplicate'>;
  /**
   * Stores the batch's worker slices (per round for the rewards, per minute for the miner pages) as a few
   * immutable packed items named after the batch: repeating it writes nothing twice. `refusals`: the workers'
   * refused-share counts, written with the per-minute view only.
   */
  putSlices(
    coin: string,
    batchId: string,
    slices: readonly WorkerSlice[],
    views: SliceViews,
    refusals?: readonly RefusalSlice[],
  ): Promise<void>;
  /** Records a found block as 'pending' unless it is recorded already. */
  putBlock(coin: string, block: FoundBlockRecord): Promise<'created' | 'exists'>;
  /** The batch that recorded a found block (`putBlock`'s `batchId`), if the block is recorded with one. */
  blockBatch(coin: string, height: number, hash: string): Promise<string | undefined>;
  /**
   * Gives up a claim after a failed attempt, so that the redelivery need not wait for the lease to run out.
   * Only the owner (`claim`) of a batch still 'applying' can release it.
   */
  releaseBatch(coin: string, batchId: string, claim: string): Promise<void>;
  /**
   * Coins whose shares are not bound to a connection (core/shares/ingest-batch.ts `claimShares`): claims a share's
   * PoW hash for the batch carrying it, unless another batch claimed it first. true when the claim is this batch's,
   * made now or by an earlier attempt at the same batch (so a redelivery keeps its own shares); false when another
   * batch holds it. A claim lasts as long as a batch can still arrive (the batch items' retention) after `acceptedAt`.
   */
  claimShare(coin: string, batchId: string, hash: string, acceptedAt: number, now: number): Promise<boolean>;
  /** Step (c). */
  markBatchApplied(coin: string, batchId: string): Promise<void>;
  /** Step (d): forgets the batch id on each counter so the guard sets stay small. */
  releaseCounterGuard(coin: string, batchId: string, counter: Counter): Promise<void>;
  /** After step (d): nothing is left to do for this batch. */
  markBatchCleaned(coin: string, batchId: string): Promise<void>;
}

/** A round's sums: what the rewards (PPLNS/PROP, PPS/PoT) and luck read. */
export interface RoundShareReader {
  /** Per miner and per worker sums of one round (= the block height the jobs built on). */
  getRoundShares(coin: string, height: number): Promise<RoundShares>;
  /** Only the round's total (one item): what luck and effort need, without reading every worker's sums. */
  getRoundTotal(coin: string, height: number): Promise<Tally>;
  /**
   * The rounds from `fromHeight` to `toHeight` (both included) that have shares, highest first, as getRoundShares
   * reads each: a range of heights in a few requests (their totals by key, a hundred at a time; the sums only of
   * rounds with a total), not one request per height.
   */
  getRoundsBetween(coin: string, fromHeight: number, toHeight: number): Promise<RoundShares[]>;
}

/** One miner's recent shares: its page, and the payout policy's "last share". */
export interface MinerActivityReader {
  /** A miner's per-minute buckets (all its workers and per worker) from `sinceMinute` on, and its workers then. */
  getMinerStats(coin: string, miner: string, sinceMinute: number): Promise<MinerStats>;
  /** The miner's newest share time from `sinceMinute` on (ms), 0 when it sent none since. Reads newest first. */
  lastShareAt(coin: string, miner: string, sinceMinute: number): Promise<number>;
}

/** The pool's totals and minute buckets, and the blocks ingest recorded. */
export interface PoolStatsReader {
  /** Pool-wide per-minute buckets from `sinceMinute` on, oldest first. */
  getPoolStats(coin: string, sinceMinute: number): Promise<MinuteBucket[]>;
  /** Everything ever ingested for the coin. */
  getPoolTotal(coin: string): Promise<Tally>;
  /** Recorded blocks, highest first. */
  listBlocks(coin: string, limit?: number): Promise<BlockRecord[]>;
}

/** Which packed views of a batch's slices to write: per round (rewards) and per minute (miner pages). */
export interface SliceViews {
  rounds: boolean;
  minutes: boolean;
}

export interface BatchLease {
  /** Unique per ingest attempt (request id + message id). */
  claim: string;
  now: number;
  /** A lease must outlive the function timeout, so that a lease can only expire when its owner is dead. */
  leaseMs: number;
}

export type BatchClaim = 'claimed' | 'busy' | 'applied' | 'cleaned';

export interface MinuteBucket extends Tally {
  minute: number;
}

export interface RoundShares {
  coin: string;
  height: number;
  total: Tally;
  /** `credit`: the summed credit difficulty where ingest had a credit function (PoT), see CounterUpdate. */
  miners: Array<Tally & { miner: string; credit?: number }>;
  workers: Array<Tally & { miner: string; worker: string; credit?: number }>;
}

export interface MinerStats {
  coin: string;
  miner: string;
  /** The miner's shares from `sinceMinute` on. */
  total: Tally;
  minutes: MinuteBucket[];
  /**
   * The workers that sent shares (accepted or refused) from `sinceMinute` on; `lastShareAt` is the last accepted
   * one's (0: none), `refused` their refused shares since `sinceMinute`.
   */
  workers: Array<{ worker: string; lastShareAt: number; minutes: MinuteBucket[]; refused: RefusedCounts }>;
}
