import type { MoneyChangeCoin } from '../../core/accounts/rules.js';
import type { AccountsConfig } from '../../core/config/schema.js';
import type { AccountStore } from '../../core/ports/account-store.js';
import type { ConversionStore } from '../../core/ports/conversion-store.js';
import type { IdentityProvider } from '../../core/ports/identity.js';
import type { Logger } from '../../core/ports/logger.js';
import type { Mailer } from '../../core/ports/mailer.js';
import type { MoneyStore } from '../../core/ports/money-store.js';
import type { ApiDeps } from '../stats/api.js';
import type { AccountRoute } from './route.js';

/** What the account API's use cases take: its ports, the accounts config and the pool's coins. */
export interface AccountApiDeps {
  /** The pool's name: signed identity messages and mails name it. */
  pool: { name: string };
  accounts: Pick<
    AccountsConfig,
    | 'publicUrl'
    | 'payoutAddressCoolDownHours'
    | 'moneyChangeLinkMinutes'
    | 'confirmLinkHours'
    | 'signIn'
    | 'maxWatcherLinks'
    | 'referrals'
  >;
  /** Every coin of the pool with payouts, by symbol: what settings and identities are checked against. */
  coins: ReadonlyMap<string, MoneyChangeCoin>;
  store: AccountStore;
  identity: IdentityProvider;
  mailer: Mailer;
  /** Miners' payout-currency preferences (converting coins): a confirmed currency change is applied there. */
  conversion?: Pick<ConversionStore, 'replacePreference'>;
  /** The ledger (referral earnings, entries of kind `referral`); absent: earnings are not shown. */
  money?: Pick<MoneyStore, 'listAccountEntries'>;
  /** The stats API's readers: a watcher link shows the account's miners as the miner pages do. */
  stats?: ApiDeps;
  now: () => number;
  log: Pick<Logger, 'info' | 'warn'>;
  /**
   * More routes under /api/account, /api/watch, /api/telegram with their own deps bound (bindRoutes): the
   * notification routes (app/notify/routes.ts), served by the same router with the same auth, 405 and no-store.
   */
  extraRoutes?: readonly AccountRoute<unknown>[];
}

/** Routes of another part with their deps bound, for AccountApiDeps.extraRoutes. */
export function bindRoutes<N>(routes: readonly AccountRoute<N>[], deps: N): AccountRoute<unknown>[] {
  return routes.map((r) => ({ ...r, handler: (req) => r.handler(req, deps) }));
}
