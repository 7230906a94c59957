import type { FoundBlock } from '../../../core/blocks/block.js';

/** A job as the stratum server sends it in mining.notify (all hex strings in stratum wire encoding). */
export interface StratumJob {
  jobId: string;
  /** Previous block hash in stratum encoding: each 4-byte word of the internal-order hash byte-swapped. */
  prevHash: string;
  coinb1: string;
  coinb2: string;
  merkleBranch: string[];
  /** Block version, 8 hex chars big-endian. */
  version: string;
  /** Compact network target, 8 hex chars big-endian. */
  nbits: string;
  /** Template time, 8 hex chars big-endian. */
  ntime: string;
  /** True when the previous block changed: miners must drop older jobs. */
  cleanJobs: boolean;
  height: number;
  networkDifficulty: number;
}

/** What a miner submitted, already parsed from mining.submit, plus the session context. */
export interface ShareSubmission {
  jobId: string;
  extranonce1: string;
  extranonce2: string;
  ntime: string;
  nonce: string;
  /** BIP310: the version bits the miner rolled, already checked against the negotiated mask (hex), if any. */
  versionBits?: string;
  /** The session's share difficulty when the job was sent (stratum convention of the coin). */
  difficulty: number;
  miner: string;
  worker: string;
}

export type ShareCheck =
  | {
      ok: true;
      /** Hash of the header, display order (reversed) hex. */
      hash: string;
      /** The difficulty the hash actually reached. */
      actualDifficulty: number;
      /** The job's network difficulty, in the coin's stratum convention. */
      networkDifficulty: number;
      height: number;
      /** Present when the share met the network target; the block was already submitted. */
      block?: FoundBlock;
    }
  | { ok: false; code: 20 | 21 | 22 | 23; message: string };

/**
 * The stratum server's view of the job manager. The job manager owns templates, jobs, duplicate detection,
 * hashing and block submission; the stratum server owns sessions, difficulty and framing.
 */
export interface JobProvider {
  /** The newest job, or undefined before the first template arrived. */
  current(): StratumJob | undefined;
  /** Calls `listener` for every new job; returns an unsubscribe function. */
  onJob(listener: (job: StratumJob) => void): () => void;
  /** Validates a share (job known, ntime window, not duplicate, meets difficulty) and submits a block if it is one. */
  checkShare(submission: ShareSubmission): Promise<ShareCheck>;
  /** Bytes of extranonce1 the server assigns per connection. */
  readonly extranonce1Size: number;
  /** Bytes of extranonce2 the miner rolls. */
  readonly extranonce2Size: number;
}
