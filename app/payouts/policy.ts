import { thresholdBounds } from '../../core/accounts/settings.js';
import { getCoin, payoutConfirmationDepth } from '../../core/coins/index.js';
import { isMergedCoin, roundsCoinOf } from '../../core/config/merged.js';
import type { CoinConfig } from '../../core/config/schema.js';
import type { TargetPayoutsConfig } from '../../core/conversion/config.js';
import { ConfigError } from '../../core/errors.js';
import type { MinerPayoutSettingsReader } from '../../core/ports/account-store.js';
import type { AuxAddressStore } from '../../core/ports/aux-address-store.js';
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
    // An aux coin's accounts mine the parent: their shares are the parent's.
    lastActivity: (account) =>
      shares.lastShareAt(roundsCoinOf(coin), account, Math.floor((now() - p.inactiveAfterHours * 3_600_000) / 60_000)),
  };
}

/**
 * An aux coin's payouts (merged mining): each parent mining address at the aux address its miner gave, the coin's
 * fee wallets (aux coin addresses the config validated) as themselves. Nothing for any other coin.
 */
export function auxPayoutSettings(
  coin: Readonly<CoinConfig>,
  store: Pick<AuxAddressStore, 'listAuxAddresses'> | undefined,
): Pick<PayoutDeps, 'auxAddresses'> {
  if (!isMergedCoin(coin)) return {};
  // Without its miners' aux addresses an aux coin would pay parent addresses on its own chain: never.
  if (!store) throw new ConfigError(`${coin.symbol} is merge-mined: its payouts need the aux address store`);
  const ownAccounts = new Set((coin.rewards?.feeWallets ?? []).map((w) => w.address));
  return { auxAddresses: { store, coin: getCoin(coin.symbol), network: coin.network, ownAccounts } };
}

/**
 * Miner accounts' payout settings (issue 19) for a coin's payouts, when the pool has accounts (`reader` given): each
 * account's threshold within the coin's bounds, its payout address (checked as one of the coin), its cool-down. The
 * coin's fee wallets are never redirected. An aux coin's accounts are keyed by their parent-coin identities.
 */
export function accountPayoutSettings(
  coin: Readonly<CoinConfig>,
  reader: MinerPayoutSettingsReader | undefined,
): Pick<PayoutDeps, 'accounts'> {
  if (!reader || !coin.payouts) return {};
  return {
    accounts: {
      reader,
      coin: getCoin(coin.symbol),
      network: coin.network,
      identityCoin: roundsCoinOf(coin),
      bounds: thresholdBounds(coin.payouts),
      ownAccounts: new Set((coin.rewards?.feeWallets ?? []).map((w) => w.address)),
    },
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
