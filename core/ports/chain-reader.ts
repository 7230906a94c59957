/**
 * Where a block the pool found stands in the chain, as its chain family reads it (core/blocks/confirmation.ts turns
 * it into the block's next status).
 */
export interface BlockSighting {
  /**
   * `chain`: in the main chain; `uncle`: not, but a main-chain block included it as an uncle (Ethereum family: it is
   * paid the uncle reward); `absent`: known to the node and out of the main chain; `unseen`: not found (yet).
   */
  place: 'chain' | 'uncle' | 'absent' | 'unseen';
  /** Main-chain blocks on top of it (of the block that included it, for an uncle); -1 when absent, 0 when unseen. */
  confirmations: number;
  /** What the chain paid the pool for it, base units (chain and uncle only): its coinbase to the pool, its reward. */
  reward?: bigint;
}

/** What confirmation and PPS/PoT crediting read of a coin's chain; each chain family has its own (families/). */
export interface ChainReader {
  getBlockCount(): Promise<number>;
  /** Where the pool's block (its height and the hash the pool recorded it by) stands now; `tip`: the chain's height. */
  locate(block: { height: number; hash: string }, tip: number): Promise<BlockSighting>;
  /**
   * The main-chain block at `height` as PPS/PoT prices a round: what it paid its finder (base units) and its network
   * difficulty in the chain's own unit (× the coin's stratum multiplier for share units).
   */
  blockValue(height: number): Promise<{ value: bigint; difficulty: number }>;
}

/** The chain PPS/PoT crediting reads (the same reader; the name kept for the places that build one). */
export type PpsChain = ChainReader;

/** A chain family's confirmation rules for one coin (families/): where blocks are read, and when they mature. */
export interface ConfirmationRules {
  /** The chain as confirmation and PPS/PoT crediting read it. */
  chain: ChainReader;
  /** Blocks after which a found block's reward is spendable and the block is no longer followed (orphans, reorgs). */
  maturity: number;
  /**
   * Blocks past its height an unseen block is given before it counts as orphaned (default UNKNOWN_GRACE_BLOCKS, 2).
   * The Ethereum family waits out the uncle window: a block may turn up as an uncle up to 7 blocks later.
   */
  unseenGrace?: number;
}
