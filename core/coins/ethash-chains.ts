import { ConfigError } from '../errors.js';

/** An Ethereum Classic network's consensus facts (core-geth `params/config_*.go`), by the pool's network name. */
export interface EthashChain {
  /** EIP-155 chain id: every payout transaction is signed for it (61 mainnet, 63 Mordor). */
  chainId: number;
  /** ECIP-1099 (etchash): from this block on an epoch is 60,000 blocks and its seed is that of epoch 2E. */
  ecip1099Block: number;
  /** ECIP-1017: blocks per era; the block reward is 5 ETC × 0.8^era, era = floor((n − 1) / eraRounds). */
  eraRounds: number;
}

/**
 * Ethereum Classic's networks. `devnet` is the local core-geth chain (local/devnet/, test/helpers/etc-devnet.ts):
 * its genesis must carry the same chain id, `ecip1099FBlock` and `ecip1017EraRounds` (etchash from block 0, eras of
 * mainnet length so that the devnet pays mainnet's era-0 reward).
 */
export const ETC_CHAINS = {
  mainnet: { chainId: 61, ecip1099Block: 11_700_000, eraRounds: 5_000_000 },
  mordor: { chainId: 63, ecip1099Block: 2_520_000, eraRounds: 2_000_000 },
  devnet: { chainId: 63_999, ecip1099Block: 0, eraRounds: 5_000_000 },
} as const satisfies Record<string, EthashChain>;

/** The chain facts of a coin's network; a ConfigError when the coin has none there (not an Ethereum-family coin). */
export function ethashChain(
  coin: { symbol: string; ethash?: Partial<Record<string, EthashChain>> },
  network: string,
): EthashChain {
  const chain = coin.ethash?.[network];
  if (!chain) {
    const known = Object.keys(coin.ethash ?? {}).join(', ') || 'none';
    throw new ConfigError(`${coin.symbol} has no ethash chain "${network}"; its ethash networks: ${known}`);
  }
  return chain;
}
