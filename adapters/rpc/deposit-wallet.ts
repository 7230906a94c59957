import { getCoin } from '../../core/coins/index.js';
import type { CoinConfig } from '../../core/config/schema.js';
import { ConfigError } from '../../core/errors.js';
import type { DaemonClient } from './daemon-client.js';
import { WalletPayoutSender } from './wallet-payout-sender.js';

/**
 * The pool's coin wallet deposits are sent from (its payouts wallet, over `daemon`), or undefined when no exchange of
 * the coin takes deposits (the Lambda then needs no daemon).
 */
export function depositWallet(coin: Readonly<CoinConfig>, daemon: () => DaemonClient): WalletPayoutSender | undefined {
  if (!coin.conversion?.exchanges.some((e) => e.deposit)) return undefined;
  if (!coin.payouts) {
    throw new ConfigError(`${coin.symbol}: deposits to exchanges are sent from the payouts wallet (coins[].payouts)`);
  }
  return new WalletPayoutSender(daemon().withWallet(coin.payouts.wallet), getCoin(coin.symbol).decimals);
}
