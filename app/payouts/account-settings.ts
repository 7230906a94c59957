import type { PayoutSettings } from '../../core/accounts/types.js';
import { validateAddress } from '../../core/coins/address.js';
import type { CoinDefinition, NetworkName } from '../../core/coins/registry.js';
import type { MinerPayoutSettingsReader } from '../../core/ports/account-store.js';
import type { Logger } from '../../core/ports/logger.js';

/**
 * Miner accounts in a coin's payouts pass (issue 19): the per-coin settings of the accounts holding its ledger's
 * addresses. An account's threshold replaces the pool's minimum for its addresses; its payout address is where they
 * are paid, unless a changed address is still in its cool-down (`holdUntil`): then they are not paid at all.
 */
export interface AccountPayouts {
  reader: MinerPayoutSettingsReader;
  /** The coin paid, and the network its addresses must be valid on. */
  coin: CoinDefinition;
  network: NetworkName;
  /**
   * The coin whose mining identities are this ledger's accounts: the coin itself, or for an aux coin its parent
   * (its ledger credits the parent's mining addresses).
   */
  identityCoin: string;
  /** The thresholds an account may choose for the coin (core/accounts/settings.ts thresholdBounds). */
  bounds: { min: bigint; max: bigint };
  /** Accounts no setting may redirect or hold (the coin's fee wallets): paid as the pool's config says. */
  ownAccounts: ReadonlySet<string>;
}

/** What the accounts' settings change in one pass. */
export interface AccountPayoutView {
  /** Accounts paid at their account's payout address (its canonical spelling). */
  payTo: Map<string, string>;
  /** Accounts not paid this pass: in a payout address's cool-down, or whose payout address is not one of the coin. */
  skip: Set<string>;
  /** Accounts' own thresholds, within the bounds. */
  minimums: Map<string, bigint>;
}

/** Stored thresholds outside the bounds already reported (the config changed): logged once per process. */
const clampedLogged = new Set<string>();

/**
 * The settings of `accounts` (ledger accounts with a confirmed balance) as one pass applies them. A stored payout
 * address is validated again as an address of the coin (the account API checked it, but the table is not trusted
 * to move money): one that is not leaves its accounts unpaid, with a warning, rather than failing the transaction
 * every pass or paying the mining address the miner moved away from.
 */
export async function accountPayouts(
  a: AccountPayouts,
  accounts: Iterable<string>,
  now: number,
  log: Pick<Logger, 'info' | 'warn'>,
): Promise<AccountPayoutView> {
  const settings = await a.reader.payoutSettingsByAddress(a.coin.symbol, a.identityCoin);
  const view: AccountPayoutView = { payTo: new Map(), skip: new Set(), minimums: new Map() };
  const held: string[] = [];
  const invalid: string[] = [];
  for (const account of accounts) {
    const s = settings.get(account);
    if (!s || a.ownAccounts.has(account)) continue;
    if (s.holdUntil !== undefined && s.holdUntil > now) {
      held.push(account);
      view.skip.add(account);
      continue;
    }
    if (s.payoutAddress !== undefined) {
      try {
        view.payTo.set(account, validateAddress(a.coin, a.network, s.payoutAddress));
      } catch {
        invalid.push(account);
        view.skip.add(account);
        continue;
      }
    }
    if (s.threshold !== undefined) view.minimums.set(account, clampThreshold(a, account, s, log));
  }
  if (held.length > 0) {
    log.info({ coin: a.coin.symbol, held: held.length }, 'payouts held: a changed payout address is cooling down');
  }
  if (invalid.length > 0) {
    log.warn({ coin: a.coin.symbol, accounts: invalid }, 'account payout addresses that are not addresses of the coin');
  }
  return view;
}

function clampThreshold(a: AccountPayouts, account: string, s: PayoutSettings, log: Pick<Logger, 'warn'>): bigint {
  const stored = s.threshold!;
  const { min, max } = a.bounds;
  const used = stored < min ? min : stored > max ? max : stored;
  const key = `${a.coin.symbol}|${account}|${stored}|${used}`;
  if (used !== stored && !clampedLogged.has(key)) {
    clampedLogged.add(key);
    log.warn(
      { coin: a.coin.symbol, account, stored: stored.toString(), used: used.toString() },
      "an account's payout threshold is outside the coin's bounds: the nearest bound is used",
    );
  }
  return used;
}
