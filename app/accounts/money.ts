import { checkMoneyChange } from '../../core/accounts/rules.js';
import { newToken, tokenHash } from '../../core/accounts/tokens.js';
import type { AccountId, MoneyChange, PayoutSettings, PendingMoneyChange } from '../../core/accounts/types.js';
import { BadRequestError } from '../../core/errors.js';
import type { AccountApiDeps } from './deps.js';
import { AccountConflictError, AccountForbiddenError } from './errors.js';
import { log, profileOf, settingsView } from './profile.js';
import { stepUp } from './step-up.js';

/**
 * Changes that move money (issue 19): a coin's payout threshold, payout address and payout currency. Two proofs: a
 * step-up (the password and a current TOTP code, checked by the identity provider, counted against the lockout) and
 * then an emailed single-use link; only the link applies the change. A changed payout address holds that coin's
 * payouts for `payoutAddressCoolDownHours`.
 */

export async function requestMoneyChange(
  deps: AccountApiDeps,
  account: AccountId,
  coinSymbol: string,
  body: {
    threshold?: bigint | undefined;
    payoutAddress?: string | undefined;
    currency?: string | undefined;
    currencyAddress?: string | undefined;
    password: string;
    totp: string;
  },
  ip: string,
): Promise<{ pending: true; expiresAt: number }> {
  const profile = await profileOf(deps, account);
  const coin = deps.coins.get(coinSymbol.toUpperCase());
  if (!coin) throw new BadRequestError(`this pool has no coin ${coinSymbol.slice(0, 16)} with payouts`);
  const change = checkMoneyChange(coin, {
    coin: coin.symbol,
    ...(body.threshold === undefined ? {} : { threshold: body.threshold }),
    ...(body.payoutAddress === undefined ? {} : { payoutAddress: body.payoutAddress }),
    ...(body.currency === undefined ? {} : { currency: body.currency }),
    ...(body.currencyAddress === undefined ? {} : { currencyAddress: body.currencyAddress }),
  });
  if (!(await deps.identity.totpEnabled(profile.email))) {
    throw new AccountForbiddenError('enable two-factor authentication first: money changes need its code');
  }
  await stepUp(deps, profile.email, body, { totpRequired: true });
  const token = newToken();
  const now = deps.now();
  const pending: PendingMoneyChange = {
    tokenHash: tokenHash(token),
    account,
    change,
    requestedAt: now,
    requestedIp: ip,
    expiresAt: now + deps.accounts.moneyChangeLinkMinutes * 60_000,
  };
  await deps.store.putPendingChange(pending);
  await deps.mailer.send({
    to: profile.email,
    subject: `${deps.pool.name}: confirm the change of your ${coin.symbol} payouts`,
    text: [
      `A change of your ${coin.symbol} payout settings was asked from ${ip}:`,
      describe(change),
      '',
      `Follow this link to apply it (it works once, for ${deps.accounts.moneyChangeLinkMinutes} minutes):`,
      `${deps.accounts.publicUrl}/#/change/${token}`,
      '',
      'If it was not you, do not follow the link, and change your password: whoever asked knows it and your code.',
    ].join('\n'),
  });
  return { pending: true, expiresAt: pending.expiresAt };
}

/**
 * The emailed link was followed: the pending change is taken (once; expired or used: 400), checked again against the
 * coin's config as it is now (409 if it no longer passes), applied, logged and mailed. If applying fails, the pending
 * change is put back so that the link still works: nothing is half-applied and lost.
 */
export async function confirmMoneyChange(deps: AccountApiDeps, token: string, ip: string) {
  const now = deps.now();
  const pending = await deps.store.consumePendingChange(tokenHash(token), now);
  if (!pending) throw new BadRequestError('this link is invalid, used or expired: ask for the change again');
  const coin = deps.coins.get(pending.change.coin);
  let change: MoneyChange;
  try {
    if (!coin) throw new Error(`the pool no longer pays ${pending.change.coin}`);
    change = checkMoneyChange(coin, pending.change);
  } catch (err) {
    throw new AccountConflictError(`the change no longer applies: ${(err as Error).message}`);
  }
  try {
    return await applyChange(deps, pending, change, ip, now);
  } catch (err) {
    await deps.store.putPendingChange(pending);
    throw err;
  }
}

async function applyChange(
  deps: AccountApiDeps,
  pending: PendingMoneyChange,
  change: MoneyChange,
  ip: string,
  now: number,
) {
  const { account } = pending;
  const profile = await profileOf(deps, account);
  const current = (await deps.store.getPayoutSettings(account, change.coin)) ?? {};
  const next: PayoutSettings = { ...current, updatedAt: now };
  if (change.threshold !== undefined) next.threshold = change.threshold;
  if (change.currency !== undefined) next.currency = change.currency;
  const addressChanged = change.payoutAddress !== undefined && change.payoutAddress !== current.payoutAddress;
  if (change.payoutAddress !== undefined) next.payoutAddress = change.payoutAddress;
  if (addressChanged) {
    // Against account takeover: a new address is paid only after the cool-down (the holder is mailed meanwhile).
    next.holdUntil = Math.max(current.holdUntil ?? 0, now + deps.accounts.payoutAddressCoolDownHours * 3_600_000);
  }
  if (change.currency !== undefined && deps.conversion && deps.coins.get(change.coin)?.conversion) {
    // The payout currency of each identity of the coin, as its own signed preference would set it.
    for (const id of (await deps.store.listIdentities(account)).filter((i) => i.coin === change.coin)) {
      await deps.conversion.replacePreference(change.coin, {
        account: id.address,
        currency: change.currency,
        address: change.currency === change.coin ? id.address : change.currencyAddress!,
        updatedAt: now,
      });
    }
  }
  await deps.store.putPayoutSettings(account, change.coin, next);
  await log(
    deps,
    account,
    ip,
    'payout-settings',
    `${describe(change)} (asked from ${pending.requestedIp})`,
    'totp+email',
  );
  const hold =
    addressChanged && next.holdUntil !== undefined
      ? [`Payouts to the new address are held until ${new Date(next.holdUntil).toISOString()}.`]
      : [];
  await deps.mailer.send({
    to: profile.email,
    subject: `${deps.pool.name}: your ${change.coin} payout settings changed`,
    text: [`Your ${change.coin} payout settings changed (confirmed from ${ip}):`, describe(change), ...hold].join('\n'),
  });
  return { coin: change.coin, settings: settingsView(next) };
}

/** A change in words, for the mails and the log (no secret in it). */
function describe(c: MoneyChange): string {
  return [
    c.threshold === undefined ? undefined : `${c.coin} threshold: ${c.threshold} base units`,
    c.payoutAddress === undefined ? undefined : `${c.coin} payout address: ${c.payoutAddress}`,
    c.currency === undefined
      ? undefined
      : `${c.coin} payout currency: ${c.currency}${c.currencyAddress ? ` to ${c.currencyAddress}` : ''}`,
  ]
    .filter((s) => s !== undefined)
    .join('; ');
}
