import { z } from 'zod';
import type { MoneyChangeCoin } from '../../core/accounts/rules.js';
import { NETWORK_NAMES } from '../../core/coins/registry.js';
import type { PoolConfig } from '../../core/config/schema.js';

/**
 * What the account API needs of each coin that pays out (payout settings, identities): its network, payout bounds and
 * conversion targets. Built from the config by the runtimes; the accounts Lambda gets it as POOL_ACCOUNT_COINS_JSON.
 */
export function accountCoins(config: Readonly<Pick<PoolConfig, 'coins'>>): MoneyChangeCoin[] {
  return config.coins
    .filter((c) => c.payouts !== undefined)
    .map((c) => ({
      symbol: c.symbol,
      network: c.network,
      payouts: {
        minimum: c.payouts!.minimum,
        ...(c.payouts!.maximumThreshold === undefined ? {} : { maximumThreshold: c.payouts!.maximumThreshold }),
      },
      ...(c.conversion ? { conversion: { targets: c.conversion.targets.map((t) => ({ currency: t.currency })) } } : {}),
    }));
}

/** accountCoins' JSON read back (lambdas/accounts/handler.ts). */
export const accountCoinsSchema: z.ZodType<MoneyChangeCoin[]> = z.array(
  z.object({
    symbol: z.string(),
    network: z.enum(NETWORK_NAMES),
    payouts: z.object({ minimum: z.string(), maximumThreshold: z.string().optional() }),
    conversion: z.object({ targets: z.array(z.object({ currency: z.string() })) }).optional(),
  }),
);
