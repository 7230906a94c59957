import type { CoinConfig, PoolConfig } from './schema.js';

/**
 * Merged mining in the config: a coin with `mergedWith` is an aux chain of that parent (DOGE with LTC). It has no
 * stratum of its own (the parent's job source commits to its work and submits its blocks), but it has everything
 * money needs: its nodes, blocks, ledger, rewards, payouts. These are the questions the composition roots ask.
 */

/** Whether the coin is merge-mined under another (it has no stratum ports and no share queue of its own). */
export function isMergedCoin(coin: Pick<CoinConfig, 'mergedWith'>): boolean {
  return coin.mergedWith !== undefined;
}

/** The coins miners connect to: each gets a stratum service, a share queue and ingest. */
export function minedCoins(config: Pick<PoolConfig, 'coins'>): CoinConfig[] {
  return config.coins.filter((c) => !isMergedCoin(c));
}

/** The aux chains merge-mined under `parent`, in config order (their order in the aux tree's inputs). */
export function auxCoinsOf(config: Pick<PoolConfig, 'coins'>, parent: string): CoinConfig[] {
  return config.coins.filter((c) => c.mergedWith === parent);
}

/**
 * The coin whose share rounds pay a coin's blocks: an aux chain's parent (its blocks are found by the parent's
 * shares), else the coin itself.
 */
export function roundsCoinOf(coin: Pick<CoinConfig, 'symbol' | 'mergedWith'>): string {
  return coin.mergedWith ?? coin.symbol;
}
