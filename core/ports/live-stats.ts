/**
 * What a stratum server knows right now and storage does not: the network its current job builds on, and who sent
 * shares recently. Each stratum process reports a snapshot every few seconds; the stats API shows them.
 */
export interface LiveSnapshot {
  /** Height of the block the current job builds (chain tip + 1). */
  jobHeight: number;
  /** Network difficulty of the current job, in the coin's stratum convention. */
  networkDifficulty: number;
  /** Distinct miners (payout addresses) and miner.worker pairs with an accepted share within `windowMs`. */
  miners: number;
  workers: number;
  windowMs: number;
  /** When the snapshot was taken, ms since the epoch. */
  at: number;
}

/** The stats API's view: one snapshot per coin merged over the coin's stratum processes, or undefined if stale. */
export interface LiveStatsSource {
  get(coin: string): Promise<LiveSnapshot | undefined>;
}
