import type { Job, JobFeed, ShareCheck } from '../types.js';

/**
 * One eth_getWork package as the node hands it out (core-geth consensus/ethash/sealer.go `makeWork`): the seal hash
 * miners hash, the seed hash of its epoch, the block's target (2^256 / block difficulty) and its number. Hashes are
 * 0x-prefixed hex as the node prints them (either case is accepted).
 */
export interface EthWork {
  headerHash: string;
  seedHash: string;
  target: string;
  blockNumber: number;
}

/**
 * What the Ethereum family's dialects need of the node side: the newest work, each new one (a new head, or new
 * transactions at the same height), and eth_submitWork for a block. The ETC job source (nodes with failover)
 * implements it.
 */
export interface EthWorkSource {
  current(): EthWork | undefined;
  /** Calls `listener` for every new work package; returns an unsubscribe function. */
  onWork(listener: (work: EthWork) => void): () => void;
  /** eth_submitWork(nonce, sealHash, mixDigest), 0x hex: true when the node took the block. Throws when no node answers. */
  submitWork(nonce: string, headerHash: string, mixDigest: string): Promise<boolean>;
}

/** An Ethereum-family job: one work package, as both dialects send it. Hex without 0x, lower case. */
export interface EthJob extends Job {
  /** The seal hash: what the miner hashes and EthProxy submits. */
  headerHash: string;
  seedHash: string;
  /** The block's target from eth_getWork: a result at or under it is a block. */
  networkTarget: bigint;
}

/** A share, already parsed by its dialect, plus the session context. Hex without 0x, lower case. */
export interface EthShareSubmission {
  /** The job the share names: by its seal hash (EthProxy) or its id (EthereumStratum/1.0.0). */
  headerHash?: string;
  jobId?: string;
  /** The full 8-byte nonce, 16 hex characters, big-endian as on the wire. */
  nonce: string;
  /** The mix digest the miner computed (EthProxy); EthereumStratum/1.0.0 sends none and the pool computes it. */
  mixDigest?: string;
  /** The share difficulty the job was sent at, in hashes (target = 2^256 / difficulty). */
  difficulty: number;
  miner: string;
  worker: string;
}

/** The Ethereum family's jobs and share check, as its dialects see them. */
export interface EthJobProvider extends JobFeed<EthJob> {
  /** The job a share names (its seal hash or id), if still current: a job of an older block is gone. */
  find(ref: { headerHash?: string; jobId?: string }): EthJob | undefined;
  checkShare(submission: EthShareSubmission): Promise<ShareCheck>;
}
