import { payments } from 'bitcoinjs-lib';
import { getCoin } from '../../core/coins/index.js';
import type { AuxChainConfig } from '../../core/config/aux-chains.js';

/** An AuxPoW chain no registry entry knows, defined in the pool config: chain id 63, its own address versions. */
export const TAUX: AuxChainConfig = {
  symbol: 'TAUX',
  name: 'Test Aux',
  chainId: 63,
  decimals: 8,
  coinbaseMaturity: 100,
  networks: { regtest: { pubKeyHash: 50, scriptHash: 85 } },
};

/**
 * A TAUX address (P2PKH, version 50, on `network` as TAUX is defined there by tests) of a key nobody holds, made
 * without the coin registry (where TAUX is known only once a config defining it was parsed).
 */
export function tauxAddress(seed: number, network: 'regtest' | 'mainnet' = 'regtest'): string {
  const net = { ...getCoin('BTC').networks[network]![0], pubKeyHash: 50, scriptHash: 85, bech32: '' };
  return payments.p2pkh({ hash: Buffer.alloc(20, seed), network: net }).address!;
}
