import { validateAddress } from '../coins/address.js';
import { getCoin, type NetworkName } from '../coins/registry.js';
import { InvalidAddressError } from '../errors.js';
import { isOpenPayoutStatus, type PayoutRecord } from '../ledger/payouts.js';
import type { ConversionPreference } from '../ports/conversion-store.js';
import type { ConversionRecord } from './record.js';

/*
 * One confirmed balance, one way out. A miner's confirmed balance of a coin is taken either by the coin's payouts
 * or by conversion, never both:
 *  - payouts of a converting coin leave alone every miner opted in to another currency and every miner
 *    in a conversion not yet credited (a crash may have left its convert-out entries unwritten);
 *  - conversion takes only opted-in miners, and none in a payout not yet confirmed or failed (same reason: reserve).
 * Both planners read preferences and balances, and write their debits, under the coin's debit lease
 * (app/shared/debit-lease.ts), so a preference changed between two passes cannot make both take one balance.
 *
 * A switching port (issue 17) credits each share on the coin it was mined on, to the miner's address in the port's
 * payout currency: on the port's other coins that account is a foreign address. Its preference is implied (the
 * port's rule, no signature): the payout currency, credited to the account itself. So the coin's payouts never pay
 * it (a BTC address is never paid on BCH's chain) and conversion sells its balance into the payout currency.
 */

/** The foreign accounts of one coin's ledger: addresses of a switching port's payout currency. */
export interface ForeignAccounts {
  /** The payout currency a foreign account's balance is converted into; undefined: the account is the coin's own. */
  currencyOf(account: string): string | undefined;
}

/**
 * The rule for `coin`'s ledger when switching ports pay in `payouts` (other coins): an account is foreign when it is
 * the canonical spelling of a payout currency's address and not of a `coin` address. Canonical spellings keep apart
 * what two chains would both accept: a legacy 1… address is a Bitcoin Cash address too, but Bitcoin Cash keeps its
 * miners as bitcoincash:q…, so a 1… account on its ledger can only have come from the switching port.
 */
export function foreignAccountsOf(
  coin: { symbol: string; network: NetworkName },
  ...payouts: Array<{ symbol: string; network: NetworkName }>
): ForeignAccounts {
  const canonicalOf = (c: typeof coin, account: string) => {
    try {
      return validateAddress(getCoin(c.symbol), c.network, account) === account;
    } catch (err) {
      if (err instanceof InvalidAddressError) return false;
      throw err;
    }
  };
  return {
    currencyOf: (account) =>
      canonicalOf(coin, account) ? undefined : payouts.find((p) => canonicalOf(p, account))?.symbol,
  };
}

type SwitchingPools = {
  coins: ReadonlyArray<{ symbol: string; network: NetworkName }>;
  switching: ReadonlyArray<{ coins: readonly string[]; payoutCurrency?: string | undefined }>;
};

/**
 * The payout currencies (with their networks) of the switching ports that mine `symbol` and pay in another coin:
 * what the foreign-account rule of its ledger needs. The CDK app hands them to the coin's money Lambdas
 * (FOREIGN_PAYOUT_CURRENCIES), whose one-coin config has no switching ports.
 */
export function foreignPayoutCurrencies(
  config: SwitchingPools,
  symbol: string,
): Array<{ symbol: string; network: NetworkName }> {
  return config.switching
    .filter((sw) => sw.coins.includes(symbol) && sw.payoutCurrency !== undefined && sw.payoutCurrency !== symbol)
    .map((sw) => config.coins.find((c) => c.symbol === sw.payoutCurrency))
    .filter((c) => c !== undefined)
    .map(({ symbol: s, network }) => ({ symbol: s, network }));
}

/** The foreign-account rule of a configured coin: the payout currencies of the switching ports that mine it, if any. */
export function foreignAccountsFor(config: SwitchingPools, symbol: string): ForeignAccounts | undefined {
  const coin = config.coins.find((c) => c.symbol === symbol);
  const payouts = foreignPayoutCurrencies(config, symbol);
  return coin && payouts.length > 0 ? foreignAccountsOf(coin, ...payouts) : undefined;
}

/**
 * The preferences that decide who takes each balance: the signed ones, and for each foreign account the switching
 * port's implied one. A foreign account keeps a signed preference for another currency, never one for the coin
 * itself (that would pay its address on the wrong chain).
 */
export function effectivePreferences(
  coin: string,
  signed: readonly ConversionPreference[],
  accounts: Iterable<string>,
  foreign: ForeignAccounts | undefined,
): ConversionPreference[] {
  if (!foreign) return [...signed];
  const kept = signed.filter((p) => !(p.currency === coin && foreign.currencyOf(p.account) !== undefined));
  const has = new Set(kept.map((p) => p.account));
  const implied: ConversionPreference[] = [];
  for (const account of accounts) {
    const currency = has.has(account) ? undefined : foreign.currencyOf(account);
    if (currency !== undefined) implied.push({ account, currency, address: account, updatedAt: 0 });
  }
  return [...kept, ...implied];
}

/** Accounts the coin's payouts must not pay: opted in to conversion, or part of an open conversion. */
export function accountsLeftToConversion(
  coin: string,
  preferences: readonly ConversionPreference[],
  openConversions: readonly ConversionRecord[],
): Set<string> {
  const out = new Set<string>();
  for (const p of preferences) if (p.currency !== coin) out.add(p.account);
  for (const r of openConversions) if (r.status !== 'credited') for (const s of r.shares) out.add(s.account);
  return out;
}

/** Accounts conversion must not take: recipients of a payout still in flight. */
export function accountsInOpenPayouts(payouts: readonly PayoutRecord[]): Set<string> {
  const out = new Set<string>();
  for (const p of payouts) {
    if (!isOpenPayoutStatus(p.status)) continue;
    for (const r of p.recipients) out.add(r.account);
  }
  return out;
}
