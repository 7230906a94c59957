/** What block confirmation needs from a coin daemon (DaemonClient satisfies it). */
export interface ChainReader {
  getBlockCount(): Promise<number>;
  getBlock<T>(hash: string, verbosity: 2): Promise<T>;
}

/** What PPS/PoT crediting needs: it also walks the chain by height (DaemonClient satisfies it). */
export interface PpsChain extends ChainReader {
  getBlockHash(height: number): Promise<string>;
}
