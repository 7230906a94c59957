import type { AuxFoundBlock, FoundBlock } from '../blocks/block.js';

/**
 * A share the stratum server accepted. This is the unit that flows miner → stratum → queue → ingest.
 * Difficulties are plain numbers (pool difficulty in the coin's stratum convention: scrypt diff 1 = 65536
 * sha256d-diff-1 hashes); money is never a number: block rewards travel as decimal strings of base units.
 */
export interface Share {
  /** Coin symbol from the config, e.g. "LTC". */
  coin: string;
  /** Payout address (the username before the first "."). */
  miner: string;
  /** Worker name (after the first "."); "" when the miner gave none. */
  worker: string;
  /** Height of the block the job was building: shares are grouped into rounds by it. */
  height: number;
  /** The difficulty the share was accepted at: its credit weight. */
  difficulty: number;
  /** The difficulty the share's hash actually reached (>= difficulty). */
  actualDifficulty: number;
  /** The network difficulty of the job (same convention as `difficulty`); PoT caps `actualDifficulty` by it. */
  networkDifficulty?: number;
  /** When the server accepted it, ms since the epoch. */
  timestamp: number;
  /** The miner's IP as seen through the PROXY protocol, if known. */
  ip?: string;
  /**
   * The share's PoW hash (display-order hex): two shares with one hash are one share sent twice, and ingest counts it
   * once. Absent in summary entries (they fold many shares) and from older producers.
   */
  hash?: string;
  /** Set when the share also met the network target and the block was submitted. */
  block?: FoundBlock;
  /**
   * Merged mining: the aux chains' blocks the share found (it met their targets; each was submitted to its chain),
   * whether or not it is also a block of its own coin. A share with aux blocks travels whole, as a block share does.
   */
  auxBlocks?: AuxFoundBlock[];
  /**
   * A summary entry (core/shares/summary.ts) stands for this many shares of one worker, round and minute: then
   * `difficulty` is their summed difficulty, `timestamp` the newest, `actualDifficulty` the highest. Absent: 1.
   */
  count?: number;
  /** PoT coins, summary entries: the summed credit difficulty of the shares (not derivable from the sums later). */
  credit?: number;
}

/** A worker's refused shares by class (core/shares/refusals.ts says which refusal is which). */
export interface RefusedCounts {
  stale: number;
  invalid: number;
  duplicate: number;
}

/** One worker's refusals in a batch: their counts and the newest refusal's time (its minute is where they count). */
export interface RefusedShares extends RefusedCounts {
  miner: string;
  worker: string;
  timestamp: number;
}

/** What goes into one queue message. `batchId` is unique per batch and makes ingest idempotent. */
export interface ShareBatch {
  v: 1;
  batchId: string;
  coin: string;
  shares: Share[];
  /**
   * Which views ingest writes. Absent: all. 'rounds': what money reads (round sums, the pool's counters, found
   * blocks) but not the per-minute worker items; 'minutes': only the per-minute worker items, for shares already
   * counted by their 'rounds' batches. `queue` mode sends each batch window as 'rounds' and, once a minute, a summary
   * of the minute as 'minutes': per-batch minute items would make a miner page read thousands of items.
   */
  views?: 'rounds' | 'minutes';
  /**
   * Shares the stratum server refused since its previous batch, per worker (core/shares/refusals.ts): ingest adds
   * them to the per-minute worker items, so a batch of only refusals has no `shares`. Absent: none (and every batch
   * of an older producer). Never on a 'rounds' batch, which writes no per-minute items.
   */
  rejected?: RefusedShares[];
  /**
   * Merged mining: the aux payout addresses miners gave in their password (`doge=<address>`) since the previous
   * batch, each checked against the aux coin's network by the stratum server. Ingest keeps the first one given per
   * miner and aux coin; only a message signed by the mining address replaces it (app/stats). Absent: none.
   */
  auxAddresses?: AuxAddressClaim[];
}

/** A miner's payout address on an aux chain, as given in the mining password. */
export interface AuxAddressClaim {
  /** The mining (parent coin) address: the account the aux ledger credits. */
  miner: string;
  /** The aux coin's symbol. */
  coin: string;
  /** The address on the aux chain, in its canonical spelling. */
  address: string;
}
