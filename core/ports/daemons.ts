/**
 * The small slices of the daemon adapters (adapters/rpc: DaemonClient, DaemonPool) that the job manager uses. Depending on these instead of the classes keeps the job manager testable with plain fakes.
 */

/** One coin daemon: templates (optionally long-polled) and the chain tip. DaemonClient satisfies it. */
export interface TemplateDaemon {
  /** getblocktemplate {rules, longpollid}: with a longpollid the daemon answers when the template changes. */
  getBlockTemplate(rules: readonly string[], longpollid?: string, opts?: { signal?: AbortSignal }): Promise<unknown>;
  getBlockchainInfo(): Promise<{ bestblockhash: string }>;
}

/** The daemons of a coin. DaemonPool satisfies it. */
export interface DaemonCluster {
  /** The first healthy daemon (failover), or undefined when none is. */
  primary(): TemplateDaemon | undefined | Promise<TemplateDaemon | undefined>;
  /**
   * submitblock on every healthy daemon at once. Each answer is what submitblock returned (null = accepted, or a
   * reason string such as "duplicate", "inconclusive", "high-hash"), or an error / settled-promise record for a
   * daemon that failed. See describeSubmitAnswer. `block`: its hex, or hex pieces whose concatenation is its hex
   * (blockHexParts: the template's transactions as they came, no copy of the block).
   */
  submitBlockEverywhere(block: string | readonly string[]): Promise<readonly unknown[]>;
}
