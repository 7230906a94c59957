import type { Role } from '../ledger/entries.js';

/**
 * A block, from the share that found it to its settled credit: one family of types. The stratum server finds it
 * (FoundBlock), ingest records it with its finder (FoundBlockRecord), the blocks table holds it with its status
 * (BlockRecord), and confirmation fixes its split once and follows it through reorgs (MoneyBlock, BlockCredit).
 */
export interface FoundBlock {
  height: number;
  /** Block hash, hex, as block explorers show it (byte-reversed). */
  hash: string;
  /** Coinbase value in base units (subsidy + fees), decimal string. */
  reward: string;
  networkDifficulty: number;
  /** What the daemons answered to submitblock: "accepted", "duplicate", "inconclusive" or a rejection reason. */
  submitResult: string;
}

/**
 * An aux chain's block found by a parent share (merged mining, core/auxpow): submitted to that chain's node with
 * `submitauxblock`, whether or not the share was also a parent block. `networkDifficulty` is the aux chain's, in the
 * parent's stratum convention (both chains share the algorithm).
 */
export interface AuxFoundBlock extends FoundBlock {
  /** The aux coin's symbol (a configured coin with `mergedWith` the share's coin). */
  coin: string;
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
  /** The batch that recorded it: its share counts in that batch only. Absent on blocks recorded before. */
  batchId?: string;
  /**
   * The share rounds the block is paid from, when they are not its own coin's at its own height: an aux chain's
   * block is paid from the parent's round of the share that found it (core/config/merged.ts `roundsCoinOf`).
   */
  round?: { coin: string; height: number };
}

/**
 * pending (submitted) → immature (in the main chain, coinbase not spendable yet) → confirmed (coinbase maturity
 * reached: credited to miners exactly once), or orphaned (out of the main chain: credits nothing); see
 * core/blocks/confirmation.ts for the moves, reorgs included.
 */
export type BlockStatus = 'pending' | 'immature' | 'confirmed' | 'orphaned';

export interface BlockRecord extends FoundBlockRecord {
  coin: string;
  status: BlockStatus;
}

/** One account's part of a block, fixed once per block so that maturing or orphaning reuses the same amounts. */
export interface BlockCredit {
  account: string;
  role: Role;
  amount: bigint;
}

/** A block as confirmation follows it: its status, and once in the chain its split and reorg trips. */
export interface MoneyBlock extends BlockRecord {
  confirmations?: number;
  /** The reward read from the chain (coinbase outputs to the pool), base units. */
  chainReward?: bigint;
  credits?: BlockCredit[];
  /**
   * How many times the credited block came back into the chain after a reorg had taken it out (0 when never): the
   * trip number of its next reversal, and of the restore that follows it (core/ledger/entries.ts, "Revisions").
   */
  trips?: number;
}
