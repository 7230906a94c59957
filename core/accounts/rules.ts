import { validateAddress } from '../coins/address.js';
import { getCoin, type NetworkName } from '../coins/registry.js';
import type { CoinConfig } from '../config/schema.js';
import { checkPreference, type PreferenceTargets } from '../conversion/preference.js';
import { BadRequestError } from '../errors.js';
import { thresholdBounds } from './settings.js';
import type { MoneyChange } from './types.js';

/**
 * The pure rules of accounts (issue 19): what a password, an email and a money change must be. Each refusal is a
 * BadRequestError (400) with a reason that names no secret.
 */

/** The password policy, the same as the Cognito user pool's (infra): 10–256 characters, lower, upper, digit. */
export function checkPassword(password: string): void {
  if (password.length < 10) throw new BadRequestError('the password must have at least 10 characters');
  if (password.length > 256) throw new BadRequestError('the password must have at most 256 characters');
  if (!/[a-z]/.test(password) || !/[A-Z]/.test(password) || !/\d/.test(password)) {
    throw new BadRequestError('the password needs a lower-case letter, an upper-case letter and a digit');
  }
}

/** An email as the pool keeps it: trimmed, lower-cased (one account per mailbox whatever the case typed). */
export function normalizeEmail(email: string): string {
  const e = email.trim().toLowerCase();
  // A deliberately plain check: one @, no spaces, a dot in the domain; the mailed link proves the rest.
  if (e.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e)) throw new BadRequestError('not an email address');
  return e;
}

/** What a money change of a coin is checked against: its network, payout bounds and conversion targets. */
export interface MoneyChangeCoin {
  symbol: string;
  network: NetworkName;
  payouts: Pick<NonNullable<CoinConfig['payouts']>, 'minimum' | 'maximumThreshold'>;
  /** Absent: the coin does not convert (no currency can be chosen but the coin itself). */
  conversion?: PreferenceTargets;
}

/**
 * A requested money change, checked: the threshold within thresholdBounds, the payout address one of the coin (kept
 * in its canonical spelling), the currency the coin itself or a conversion target with `currencyAddress` an address
 * of that currency. Returns the change as it will be stored; throws BadRequestError for anything else.
 */
export function checkMoneyChange(coin: MoneyChangeCoin, change: MoneyChange): MoneyChange {
  const out: MoneyChange = { coin: coin.symbol };
  if (change.threshold === undefined && change.payoutAddress === undefined && change.currency === undefined) {
    throw new BadRequestError('nothing to change: give threshold, payoutAddress or currency');
  }
  if (change.threshold !== undefined) {
    const { min, max } = thresholdBounds(coin.payouts);
    if (change.threshold < min || change.threshold > max) {
      throw new BadRequestError(`the ${coin.symbol} threshold must be from ${min} to ${max} base units`);
    }
    out.threshold = change.threshold;
  }
  if (change.payoutAddress !== undefined) {
    try {
      out.payoutAddress = validateAddress(getCoin(coin.symbol), coin.network, change.payoutAddress);
    } catch (err) {
      throw new BadRequestError(`not a ${coin.symbol} address: ${(err as Error).message}`, { cause: err });
    }
  }
  if (change.currency !== undefined) {
    if (change.currency !== coin.symbol && !coin.conversion) {
      throw new BadRequestError(`${coin.symbol} payouts are not converted on this pool`);
    }
    if (change.currency !== coin.symbol && change.currencyAddress === undefined) {
      throw new BadRequestError(`a ${change.currency} payout needs currencyAddress, an address of ${change.currency}`);
    }
    try {
      // The same check as a signed payout-currency change (core/conversion/preference.ts).
      const pref = checkPreference(
        coin,
        { account: coin.symbol, currency: change.currency, address: change.currencyAddress ?? '' },
        0,
      );
      out.currency = pref.currency;
      if (change.currency !== coin.symbol) out.currencyAddress = pref.address;
    } catch (err) {
      throw new BadRequestError((err as Error).message, { cause: err });
    }
  }
  return out;
}
