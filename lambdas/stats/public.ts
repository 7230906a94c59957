import type { PoolConfig } from '../../core/config/schema.js';
import type { PublicCoin } from './api.js';

/** The part of the pool config the stats API may show (no daemons, no wallets, no credentials). */
export function publicPool(
  config: Readonly<PoolConfig>,
  /** Stratum host names known only at deploy time (the NLB's DNS name), for coins without `stratumHost`. */
  hosts: Readonly<Record<string, string>> = {},
): { name: string; coins: PublicCoin[] } {
  return {
    name: config.pool.name,
    coins: config.coins.map((c) => ({
      symbol: c.symbol,
      network: c.network,
      scheme: c.rewards?.scheme ?? null,
      feeBasisPoints: c.rewards?.feeBasisPoints ?? null,
      payoutMinimum: c.payouts?.minimum ?? null,
      ports: c.ports.map((p) => ({
        port: p.port,
        tls: p.tls !== undefined,
        difficulty: { initial: p.difficulty.initial, min: p.difficulty.min, max: p.difficulty.max },
      })),
      stratumHost: c.stratumHost ?? hosts[c.symbol] ?? null,
    })),
  };
}
