import type { CoinConfig } from '../../core/config/schema.js';
import type { ShareStore } from '../../core/ports/share-store.js';
import type { PayoutDeps } from './payouts.js';

/** The payout settings of a coin's config, as `runPayouts` takes them (shared by the Lambda and local mode). */
export function payoutSettings(
  coin: Readonly<CoinConfig>,
  shares: ShareStore,
  now: () => number,
): Pick<PayoutDeps, 'policy' | 'reserve' | 'lastActivity'> {
  const p = coin.payouts!;
  return {
    policy: {
      minimum: BigInt(p.minimum),
      maxRecipients: p.maxRecipients,
      inactiveMinimum: p.inactiveMinimum === undefined ? undefined : BigInt(p.inactiveMinimum),
      inactiveAfterMs: p.inactiveAfterHours * 3_600_000,
    },
    reserve: BigInt(p.reserve),
    lastActivity: async (account) => {
      const stats = await shares.getMinerStats(coin.symbol, account, Math.floor(now() / 60_000));
      return stats.workers.reduce((t, w) => Math.max(t, w.lastShareAt), 0);
    },
  };
}
