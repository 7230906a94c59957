/** What block confirmation needs from a coin daemon (DaemonClient satisfies it). */
export interface ChainReader {
  getBlockCount(): Promise<number>;
  getBlock<T>(hash: string, verbosity: 2): Promise<T>;
}

/** What PPS/PoT crediting needs: it also walks the chain by height (DaemonClient satisfies it). */
export interface PpsChain extends ChainReader {
  getBlockHash(height: number): Promise<string>;
}

/** A chain family's confirmation rules for one coin (families/): where blocks are read, and when they mature. */
export interface ConfirmationRules {
  /** The chain as confirmation and PPS/PoT crediting read it (blocks by hash and height, the tip). */
  chain: PpsChain;
  /** Blocks after which a found block's reward is spendable and the block is no longer followed (orphans, reorgs). */
  maturity: number;
}
