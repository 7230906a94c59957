import { z } from 'zod';
import { NETWORK_NAMES, type NetworkName } from '../../core/coins/registry.js';
import type { PoolConfig } from '../../core/config/schema.js';
import { type ConversionConfig, TARGET_CURRENCIES, type TargetCurrency } from '../../core/conversion/config.js';
import type { PublicSwitchingPort } from './switching.js';

/** What the API tells the world about a coin (no daemon credentials, no wallets). */
export interface PublicCoin {
  symbol: string;
  network: NetworkName;
  scheme: string | null;
  feeBasisPoints: number | null;
  payoutMinimum: string | null;
  ports: Array<{ port: number; tls: boolean; difficulty: { initial: number; min: number; max: number } }>;
  /** The host name miners connect to; null: the dashboard's own host (local mode). */
  stratumHost: string | null;
  /** Merged mining: the parent coin this one is merge-mined with (it has no ports: its parent's miners mine it). */
  mergedWith?: string;
}

const publicPortSchema = z.object({
  port: z.number(),
  tls: z.boolean(),
  difficulty: z.object({ initial: z.number(), min: z.number(), max: z.number() }),
});

/** What the stats Lambda reads back of publicPool's answer (its POOL_PUBLIC_JSON). */
export const publicPoolSchema: z.ZodType<{ name: string; coins: PublicCoin[] }> = z.object({
  name: z.string(),
  coins: z.array(
    z.object({
      symbol: z.string(),
      network: z.enum(NETWORK_NAMES),
      scheme: z.string().nullable(),
      feeBasisPoints: z.number().nullable(),
      payoutMinimum: z.string().nullable(),
      ports: z.array(publicPortSchema),
      stratumHost: z.string().nullable(),
      mergedWith: z.string().optional(),
    }),
  ),
});

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
      // A merge-mined coin has no stratum of its own: no host to show.
      stratumHost: c.mergedWith === undefined ? (c.stratumHost ?? hosts[c.symbol] ?? null) : null,
      ...(c.mergedWith === undefined ? {} : { mergedWith: c.mergedWith }),
    })),
  };
}

/** What the stats Lambda reads back of publicSwitching's answer (its POOL_SWITCHING_JSON). */
export const publicSwitchingSchema: z.ZodType<PublicSwitchingPort[]> = z.array(
  z.object({
    name: z.string(),
    algorithm: z.string(),
    coins: z.array(z.string()).min(1),
    payoutCurrency: z.string().nullable(),
    ports: z.array(publicPortSchema),
    stratumHost: z.string().nullable(),
  }),
);

/** The switching ports the stats API may show (issue 17): names, coins, ports; not the price sources. */
export function publicSwitching(
  config: Readonly<PoolConfig>,
  /** Stratum host names known only at deploy time, by switching port name. */
  hosts: Readonly<Record<string, string>> = {},
): PublicSwitchingPort[] {
  return config.switching.map((sw) => ({
    name: sw.name,
    algorithm: sw.algorithm,
    coins: [...sw.coins],
    payoutCurrency: sw.payoutCurrency ?? null,
    ports: sw.ports.map((p) => ({
      port: p.port,
      tls: p.tls !== undefined,
      difficulty: { initial: p.difficulty.initial, min: p.difficulty.min, max: p.difficulty.max },
    })),
    stratumHost: hosts[sw.name] ?? null,
  }));
}

/**
 * What the stats API needs of a coin's `conversion` config (app/stats/conversion.ts): the currencies miners may
 * choose, the minimum a quote is for, the pool's fee share and the schedule quotes go stale by. No exchanges, wallets,
 * payout chains or secret ARNs: the API is public, and its environment is no place for them.
 */
export const publicConversionSchema = z.strictObject({
  targets: z.array(z.strictObject({ currency: z.enum(Object.keys(TARGET_CURRENCIES) as [TargetCurrency]) })).min(1),
  minimum: z.string().regex(/^\d+$/),
  feeShareBps: z.number().int().min(0),
  scheduleMinutes: z.number().int().min(1),
});

export type PublicConversion = z.output<typeof publicConversionSchema>;

export function publicConversion(c: Readonly<ConversionConfig>): PublicConversion {
  return {
    targets: c.targets.map((t) => ({ currency: t.currency })),
    minimum: c.minimum,
    feeShareBps: c.feeShareBps,
    scheduleMinutes: c.scheduleMinutes,
  };
}
