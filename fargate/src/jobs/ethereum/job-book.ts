import { createHash } from 'node:crypto';
import type { FoundBlock } from '../../../../core/blocks/block.js';
import { StratumCode } from '../../../../core/errors.js';
import type { Logger } from '../../../../core/ports/logger.js';
import type { EtchashShare } from '../../hashing/etchash.js';
import type { EtchashCheck } from '../../hashing/etchash-caches.js';
import { JOBS_KEPT } from '../job-store.js';
import { SeenHeaders } from '../seen-headers.js';
import type { ShareCheck } from '../types.js';
import type { EthJob, EthJobProvider, EthShareSubmission, EthWork, EthWorkSource } from './types.js';

const TWO_256 = 1n << 256n;
const HASH32 = /^(?:0x)?([0-9a-fA-F]{64})$/;
/** Fixed-point scale of a fractional difficulty when it becomes a boundary (vardiff's steps are not integers). */
const DIFFICULTY_SCALE = 1n << 20n;

export interface EthJobBookOptions {
  source: EthWorkSource;
  /** The etchash share check of the job's block (EtchashCaches.verify): the light cache of its epoch. */
  verify: (share: EtchashShare & { readonly blockNumber: number }) => EtchashCheck;
  /** The chain's head moved: keep the caches of its epoch and the next (EtchashCaches.advance). */
  advance?: (blockNumber: number) => void;
  /**
   * The seed hash the block's epoch has (ECIP-1099: ethash epoch 2E after activation), 64 hex: work whose seed differs
   * is refused, since miners would hash another epoch's DAG and no share could be checked.
   */
  seedOf?: (blockNumber: number) => string;
  /** The era's block reward in wei, for the found block's record (confirmation reads the real one from the chain). */
  reward?: (blockNumber: number) => bigint;
  log: Logger;
  /** Jobs kept at the head's height (new transactions make new work at the same height). Default 16. */
  maxJobs?: number;
  /** Shares remembered per head for duplicates; beyond it new shares are refused as stale. Default 2,000,000. */
  maxSharesPerHead?: number;
}

/**
 * What a share's duplicate check remembers: SHA-256 of its work (the job's seal hash, 32 bytes) and its nonce (8),
 * as SeenHeaders keeps a Bitcoin header's digest: 8 bytes in a table, no string per share. Before the etchash, so a
 * repeated share costs one SHA-256, not a hash of the epoch's cache.
 */
function workDigest(headerHash: string, nonce: string): Buffer {
  return createHash('sha256')
    .update(Buffer.from(`${headerHash}${nonce}`, 'hex'))
    .digest();
}

/**
 * floor(2^256 / difficulty) for a difficulty in hashes (fractions kept to 2^-20), at most 2^256: a difficulty under 1
 * (a port configured below it) counts as 1, since no hash can meet less.
 */
export function boundaryOf(difficulty: number): bigint {
  if (!Number.isFinite(difficulty) || difficulty <= 0)
    throw new RangeError(`difficulty must be > 0, got ${difficulty}`);
  const scaled = BigInt(Math.round(Math.max(1, difficulty) * Number(DIFFICULTY_SCALE)));
  const boundary = (TWO_256 * DIFFICULTY_SCALE) / scaled;
  return boundary > TWO_256 ? TWO_256 : boundary;
}

/** 2^256 / value as a number (a result's or target's difficulty in hashes). */
function difficultyOf(value: bigint): number {
  return value === 0n ? Number.MAX_VALUE : Number(TWO_256 / value);
}

/** A 32-byte hash as 64 lower-case hex characters without 0x; undefined when malformed. */
export function hash32(value: unknown): string | undefined {
  const m = typeof value === 'string' ? HASH32.exec(value) : null;
  return m ? m[1]!.toLowerCase() : undefined;
}

function reject(code: 20 | 21 | 22 | 23, message: string): ShareCheck {
  return { ok: false, code, message };
}

/**
 * The Ethereum family's jobs: each work package of the node becomes a job (a new height a clean one), and shares are
 * checked against the job they name with etchash on the light cache: cheap checks first (job known, not a duplicate),
 * then one hashimoto for both the share and the block target. A block goes to the node at once (eth_submitWork with
 * the recomputed mix). Jobs of an older height are gone: their shares are stale.
 */
export class EthJobBook implements EthJobProvider {
  /**
   * EthereumStratum/1.0.0's extranonce: at most 3 bytes (NiceHash), the family's 1-byte task prefix and a 2-byte
   * counter; the miner rolls the other 5 bytes of the nonce (2^40 hashes per job: 110 s at 10 GH/s).
   */
  readonly extranonce1Size = 3;
  private readonly listeners = new Set<(job: EthJob) => void>();
  /** Jobs of the head's height, oldest first, by id and by seal hash. */
  private readonly byId = new Map<string, EthJob>();
  private readonly byHeader = new Map<string, EthJob>();
  private newest: EthJob | undefined;
  private seen: SeenHeaders;
  private nextId = 1;
  private readonly unsubscribe: () => void;

  constructor(private readonly o: EthJobBookOptions) {
    this.seen = new SeenHeaders(o.maxSharesPerHead ?? 2_000_000);
    this.unsubscribe = o.source.onWork((work) => this.applyWork(work));
    const first = o.source.current();
    if (first) this.applyWork(first);
  }

  stop(): void {
    this.unsubscribe();
  }

  current(): EthJob | undefined {
    return this.newest;
  }

  onJob(listener: (job: EthJob) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  find(ref: { headerHash?: string; jobId?: string }): EthJob | undefined {
    if (ref.headerHash !== undefined) return this.byHeader.get(ref.headerHash);
    return ref.jobId === undefined ? undefined : this.byId.get(ref.jobId);
  }

  /**
   * Turns a work package into the newest job. Work for a lower height than the newest job's (a slower node after a
   * failover) and work already known are ignored; malformed work, or work whose seed is not its block's epoch's,
   * is refused with an error log (miners given it would hash the wrong DAG).
   */
  applyWork(work: EthWork): EthJob | undefined {
    const headerHash = hash32(work.headerHash);
    const seedHash = hash32(work.seedHash);
    const target = hash32(work.target);
    if (!headerHash || !seedHash || !target || !Number.isSafeInteger(work.blockNumber) || work.blockNumber < 0) {
      this.o.log.error({ work }, 'malformed eth_getWork answer ignored');
      return undefined;
    }
    const networkTarget = BigInt(`0x${target}`);
    if (networkTarget === 0n) {
      this.o.log.error({ work }, 'eth_getWork target 0 ignored');
      return undefined;
    }
    const expectedSeed = this.o.seedOf?.(work.blockNumber);
    if (expectedSeed !== undefined && expectedSeed !== seedHash) {
      this.o.log.error(
        { blockNumber: work.blockNumber, seedHash, expectedSeed },
        'eth_getWork seed is not the epoch of its block (wrong network or ECIP-1099 block?): work ignored',
      );
      return undefined;
    }
    const previous = this.newest;
    if (previous && work.blockNumber < previous.height) return undefined;
    if (this.byHeader.has(headerHash)) return undefined;
    const clean = !previous || work.blockNumber > previous.height;
    if (clean) {
      this.byId.clear();
      this.byHeader.clear();
      this.seen = new SeenHeaders(this.seen.capacity);
      this.o.advance?.(work.blockNumber);
    }
    const job: EthJob = {
      jobId: (this.nextId++ >>> 0).toString(16).padStart(8, '0'),
      headerHash,
      seedHash,
      networkTarget,
      cleanJobs: clean,
      height: work.blockNumber,
      networkDifficulty: difficultyOf(networkTarget),
    };
    this.byId.set(job.jobId, job);
    this.byHeader.set(headerHash, job);
    const max = this.o.maxJobs ?? JOBS_KEPT;
    if (this.byId.size > max) {
      const oldest = this.byId.values().next().value!;
      this.byId.delete(oldest.jobId);
      this.byHeader.delete(oldest.headerHash);
    }
    this.newest = job;
    this.o.log[clean ? 'info' : 'debug']({ jobId: job.jobId, height: job.height, clean }, 'new ethereum work');
    for (const listener of this.listeners) {
      try {
        listener(job);
      } catch (err) {
        this.o.log.error({ err, jobId: job.jobId }, 'job listener threw');
      }
    }
    return job;
  }

  async checkShare(s: EthShareSubmission): Promise<ShareCheck> {
    const job = this.find(s);
    if (!job) return reject(StratumCode.JobNotFound, 'stale share: job not found (an older block, or unknown work)');
    const key = workDigest(job.headerHash, s.nonce);
    if (this.seen.has(key)) return reject(StratumCode.Duplicate, 'duplicate share');
    const check = this.o.verify({
      blockNumber: job.height,
      headerHash: Buffer.from(job.headerHash, 'hex'),
      nonce: BigInt(`0x${s.nonce}`),
      ...(s.mixDigest !== undefined ? { mixDigest: Buffer.from(s.mixDigest, 'hex') } : {}),
      shareTarget: boundaryOf(s.difficulty),
      networkTarget: job.networkTarget,
    });
    if (!check.ok) {
      switch (check.reason) {
        case 'cache-not-ready':
          return reject(StratumCode.JobNotFound, `stale share: epoch ${check.epoch.epoch} is not ready`);
        case 'mix-mismatch':
          return reject(StratumCode.Other, 'invalid share: the mix digest does not match the nonce');
        default:
          return reject(StratumCode.LowDifficulty, 'low difficulty share');
      }
    }
    // Checked and found after the hash (it is synchronous: no other share of this key ran meanwhile).
    const remembered = this.seen.remember(key);
    if (remembered === 'seen') return reject(StratumCode.Duplicate, 'duplicate share');
    if (remembered === 'full') {
      this.o.log.warn({ height: job.height, capacity: this.seen.capacity }, 'share limit of the head reached');
      return reject(StratumCode.JobNotFound, 'stale share: too many shares on this block, wait for the next one');
    }
    const result = check.result.toString('hex');
    const value = BigInt(`0x${result}`);
    const verdict: ShareCheck = {
      ok: true,
      hash: result,
      actualDifficulty: difficultyOf(value),
      networkDifficulty: job.networkDifficulty,
      height: job.height,
    };
    if (check.block) verdict.block = await this.submitBlock(job, s, check.mix.toString('hex'));
    return verdict;
  }

  /** eth_submitWork at once, with the recomputed mix: the node's answer is the block's submit result. */
  private async submitBlock(job: EthJob, s: EthShareSubmission, mix: string): Promise<FoundBlock> {
    let submitResult: string;
    try {
      const accepted = await this.o.source.submitWork(`0x${s.nonce}`, `0x${job.headerHash}`, `0x${mix}`);
      submitResult = accepted ? 'accepted' : 'rejected';
    } catch (err) {
      submitResult = `error: ${err instanceof Error ? err.message : String(err)}`;
    }
    this.o.log.info(
      { height: job.height, headerHash: job.headerHash, nonce: s.nonce, submitResult },
      'block submitted',
    );
    return {
      height: job.height,
      // The block's own hash covers the mix and nonce; the node knows it once it imported the block. The seal hash
      // names the work it was found on (and, with the nonce, the block: open-ethereum-pool's unlocker matches by nonce).
      // 64 lower-case hex digits without 0x, as every found block's hash in a share batch (core/shares/batch-schema).
      hash: job.headerHash,
      reward: (this.o.reward?.(job.height) ?? 0n).toString(),
      networkDifficulty: job.networkDifficulty,
      submitResult,
    };
  }
}
