import type { BlockWork, ShareAssembler } from '../../../core/chain/work.js';
import type { AuxChain, AuxWork } from './aux/aux-chain.js';
import { SeenHeaders } from './seen-headers.js';
import type { StratumJob } from './types.js';

/** A job as sent to miners and the work to rebuild its blocks. */
export interface JobRecord {
  job: StratumJob;
  work: BlockWork;
  /** Rebuilds this work's share headers and coinbases (no hex round trip; holds the network target as bytes). */
  shares: ShareAssembler;
  /** Merged mining: the aux state the job's coinbase commits to. Absent when no aux chain was in the job. */
  aux?: AuxJobState;
}

/**
 * The aux chains a job committed to, as they were when it was made: a share is always checked and its AuxPoW built
 * against the state of ITS job (the commitment in its coinbase), never the aux chains' current work, which may have
 * moved on since (the stale-aux-state bug of NOMP forks).
 */
export interface AuxJobState {
  /** The aux tree's size (2^h) and merkle nonce, as committed. */
  size: number;
  nonce: number;
  chains: AuxJobChain[];
}

export interface AuxJobChain {
  /** The work committed (coin, chain id, hash, target, height, coinbase value, network difficulty, its node). */
  work: AuxWork;
  /** The chain's slot in the tree (nChainIndex) and its branch to the root, internal byte order. */
  index: number;
  branch: Buffer[];
  /** The work's target as 32 big-endian bytes (meetsTarget: no BigInt per share). */
  targetBytes: Buffer;
  /** Where its blocks are submitted. */
  chain: AuxChain;
}

/**
 * How many recent jobs a coin keeps by default (the job manager's and the Ethereum job book's `maxJobs`), and so how
 * many a connection remembers the difficulty of (stratum/session.ts): a job older than these cannot be submitted to.
 */
export const JOBS_KEPT = 16;
/**
 * Shares remembered per previous block for duplicates (SeenHeaders), by default (the config's): 18–36 bytes each, so
 * at most 72 MiB a set (the store keeps the last block's beside the current one's); beyond it new shares are refused
 * as stale until the next block (JobManagerOptions.maxSharesPerBlock).
 */
export { SHARES_PER_BLOCK } from '../../../core/config/schema.js';

/**
 * The recent jobs miners may still submit to. All of them are dropped when the previous block changes (their shares
 * could only build stale blocks); otherwise the oldest go once `capacity` is exceeded.
 *
 * The shares accepted on the current previous block are one set for all its jobs (`seen`): duplicates are a property
 * of the work, not of the job id. The jobs and shares dropped by the last clean are kept aside as "retired", only so
 * that a miner resending a share it already got accepted hears "duplicate" rather than "stale": our own block found
 * by that share is what made it stale.
 */
export class JobStore<R extends { job: StratumJob } = JobRecord> {
  private readonly jobs = new Map<string, R>();
  private retired = new Map<string, R>();
  private counter = 0;
  /** Shares accepted on the current previous block, by their header's SHA-256d. */
  seen: SeenHeaders;
  /** Shares accepted on the previous block before it (for the "duplicate" answer to a resend only). */
  retiredSeen: SeenHeaders;

  constructor(
    private readonly capacity: number,
    private readonly sharesPerBlock: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`job capacity must be >= 1, got ${capacity}`);
    this.seen = new SeenHeaders(sharesPerBlock);
    this.retiredSeen = this.seen;
  }

  /** A fresh job id: a short hex counter (wraps after 2^32 jobs, long after old ids left the store). */
  nextId(): string {
    const id = this.counter.toString(16);
    this.counter = (this.counter + 1) % 0x100000000;
    return id;
  }

  add(record: R, clean: boolean): void {
    if (clean) this.retire();
    this.jobs.set(record.job.jobId, record);
    while (this.jobs.size > this.capacity) {
      const oldest = this.jobs.keys().next().value;
      if (oldest === undefined) break;
      this.jobs.delete(oldest);
    }
  }

  /**
   * Retires every job and its shares at once (what a clean job does first): proxy mining's new upstream or new
   * extranonce1, after which no current job exists until the next one comes. With no job, nothing changes: the last
   * retired ones stay for resends.
   */
  retire(): void {
    if (this.jobs.size === 0) return;
    this.retired = new Map(this.jobs);
    this.jobs.clear();
    this.retiredSeen = this.seen;
    this.seen = new SeenHeaders(this.sharesPerBlock);
  }

  get(jobId: string): R | undefined {
    return this.jobs.get(jobId);
  }

  /** A job dropped by the last new block, for duplicate detection only. */
  getRetired(jobId: string): R | undefined {
    return this.retired.get(jobId);
  }

  newest(): R | undefined {
    let last: R | undefined;
    for (const r of this.jobs.values()) last = r;
    return last;
  }

  get size(): number {
    return this.jobs.size;
  }
}
