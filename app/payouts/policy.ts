import { payoutConfirmationDepth } from '../../core/coins/index.js';
import type { CoinConfig } from '../../core/config/schema.js';
import type { TargetPayoutsConfig } from '../../core/conversion/config.js';
import type { MinerActivityReader } from '../../core/ports/share-store.js';
import type { PayoutDeps } from './payouts.js';

/** The payout settings of a coin's config, as `runPayouts` takes them (shared by the Lambda and local mode). */
export function payoutSettings(
  coin: Readonly<CoinConfig>,
  shares: MinerActivityReader,
  now: () => number,
): Pick<PayoutDeps, 'policy' | 'reserve' | 'confirmations' | 'lastActivity'> {
  const p = coin.payouts!;
  return {
    policy: {
      minimum: BigInt(p.minimum),
      maxRecipients: p.maxRecipients,
      inactiveMinimum: p.inactiveMinimum === undefined ? undefined : BigInt(p.inactiveMinimum),
      inactiveAfterMs: p.inactiveAfterHours * 3_600_000,
    },
    reserve: BigInt(p.reserve),
    confirmations: payoutConfirmationDepth(coin),
    // Only whether the account sent a share within inactiveAfter matters: reading further back would change nothing.
    lastActivity: (account) =>
      shares.lastShareAt(coin.symbol, account, Math.floor((now() - p.inactiveAfterHours * 3_600_000) / 60_000)),
  };
}

/** The policy of a target's payouts pass, as `runPayouts` takes it (shared by the Lambda and local mode). */
export function targetPayoutSettings(p: TargetPayoutsConfig): Pick<PayoutDeps, 'policy' | 'reserve'> {
  return {
    // No inactive threshold: nobody mines a target currency, there is no last share to go by.
    policy: { minimum: BigInt(p.minimum), maxRecipients: p.maxRecipients },
    reserve: p.kind === 'wallet-rpc' ? BigInt(p.reserve) : 0n,
  };
}
