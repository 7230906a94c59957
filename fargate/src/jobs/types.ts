import type { AuxFoundBlock, FoundBlock } from '../../../core/blocks/block.js';
import type { PendingCheck } from './pending-check.js';

/**
 * What the shared stratum core (server, connections, sessions, vardiff, live stats) knows of a job, whatever its
 * chain family: an id shares name it by, whether it obsoletes the older ones, and the block it builds. The rest of a
 * job's shape (a Stratum V1 coinbase and merkle branch, an Ethereum seal hash and seed) belongs to its family and
 * to the dialects that carry it (StratumDialect, fargate/src/stratum/context.ts).
 */
export interface Job {
  jobId: string;
  /** True when the previous block changed: miners must drop older jobs. */
  cleanJobs: boolean;
  height: number;
  /** The job's network difficulty, in the coin's stratum convention. */
  networkDifficulty: number;
}

/**
 * The stratum server's view of a job source, whatever its family: the newest job and each new one, broadcast to every
 * working connection. Share checks are the family's dialects' business (each knows its own job source's type).
 */
export interface JobFeed<J extends Job = Job> {
  /** The newest job, or undefined before the first one exists. */
  current(): J | undefined;
  /** Calls `listener` for every new job; returns an unsubscribe function. */
  onJob(listener: (job: J) => void): () => void;
  /**
   * Bytes of the per-connection extranonce the servers assign (their allocator's size): the task's leased prefix
   * (fargate/src/task-prefix.ts, its family's `work.taskPrefixBytes`) and a counter, so no two tasks hand out one.
   */
  readonly extranonce1Size: number;
}

/** Stratum V1 (the Bitcoin family): a job as mining.notify sends it (all hex strings in stratum wire encoding). */
export interface StratumJob extends Job {
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
  /**
   * The lowest share difficulty the job may be mined at (proxy mining: the upstream's, which its shares must meet to
   * be forwarded): the Stratum V1 dialect raises a connection's difficulty to it before sending the job.
   */
  minDifficulty?: number;
}

/** Stratum V1: what a miner submitted, already parsed from mining.submit, plus the session context. */
/** A share's 8-hex-digit fields read as numbers (versionBits undefined when the miner rolled none). */
export interface ShareHexFields {
  ntime: number;
  nonce: number;
  versionBits: number | undefined;
}

/**
 * Its hex fields (extranonces, ntime, nonce) are in the case the miner sent them: a share check reads either case as
 * the same bytes (the job manager's assembler; the proxy lower-cases what it forwards), so a share resent in the
 * other case is the same share, a duplicate.
 */
export interface ShareSubmission {
  jobId: string;
  extranonce1: string;
  extranonce2: string;
  ntime: string;
  nonce: string;
  /** BIP310: the version bits the miner rolled, already checked against the negotiated mask (hex), if any. */
  versionBits?: string;
  /**
   * ntime, nonce and versionBits as numbers, when the caller already read these same strings (the submit handler:
   * shareHexFields, versionBits undefined exactly when the string is): the share check then does not read them again.
   */
  fields?: ShareHexFields;
  /** The session's share difficulty when the job was sent (stratum convention of the coin). */
  difficulty: number;
  miner: string;
  worker: string;
}

/** A share's verdict from its family's share check, in any dialect (the codes are Stratum's 20–23). */
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
      /**
       * Merged mining: the aux chains of the share's job whose targets it met, each block already submitted to its
       * chain with submitauxblock (whatever the answer: see submitResult), whether or not `block` is set.
       */
      auxBlocks?: AuxFoundBlock[];
      /**
       * The coin the share was mined on, when the job source serves several (the switching port's JobMultiplexer,
       * fargate/src/jobs/multiplex.ts): the queued share is credited on it. Absent: the port's own coin.
       */
      coin?: string;
    }
  | { ok: false; code: 20 | 21 | 22 | 23; message: string };

/** A share check's outcome: the verdict now, one that waits without a promise (PendingCheck), or a promise of it. */
export type ShareVerdict = ShareCheck | PendingCheck<ShareCheck> | Promise<ShareCheck>;

/**
 * What the Stratum V1 dialect needs of its job source (the Bitcoin family's job manager). The job manager owns
 * templates, jobs, duplicate detection, hashing and block submission; the stratum server owns sessions, difficulty
 * and framing.
 */
export interface JobProvider extends JobFeed<StratumJob> {
  /**
   * Validates a share (job known, ntime window, not duplicate, meets difficulty) and submits a block if it is one.
   * The verdict itself when nothing had to wait (the job manager's sha256d shares: no promise per share), a
   * PendingCheck when its hash waits for the turn's batch (scrypt: still no promise), a promise otherwise.
   */
  checkShare(submission: ShareSubmission): ShareVerdict;
  /** Bytes of extranonce2 the miner rolls. */
  readonly extranonce2Size: number;
  /**
   * BIP310: the version bits this source's shares may roll now, when it narrows the port's mask (proxy mining: the
   * serving upstream's, 0 when it allows none); mining.configure grants the port's mask ∩ this. Absent: the port's.
   */
  readonly versionMask?: number;
}

/**
 * What a job pays if its share is a block (the switching port's earnings, fargate/src/switching): the job's coinbase
 * value (subsidy and fees) and network target, and the same for each merged chain the job commits to.
 */
export interface JobEconomics {
  height: number;
  /** Base units of the coin. */
  reward: bigint;
  target: bigint;
  aux: Array<{ coin: string; height: number; reward: bigint; target: bigint }>;
}
