import { TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { identityMessage } from '../../core/accounts/messages.js';
import { thresholdBounds } from '../../core/accounts/settings.js';
import { newRecoveryCodes, recoveryCodeHash } from '../../core/accounts/tokens.js';
import type {
  AccountId,
  AccountProfile,
  ChangeLogEntry,
  MiningIdentity,
  PayoutSettings,
} from '../../core/accounts/types.js';
import { getCoin, validateAddress } from '../../core/coins/index.js';
import { checkSignedRequest, type SignedRequest } from '../../core/coins/signed-request.js';
import { BadRequestError, NotFoundError } from '../../core/errors.js';
import { referralEarningsOf } from '../stats/referrals.js';
import type { AccountApiDeps } from './deps.js';
import { AccountConflictError } from './errors.js';

/**
 * The signed-in account's own page (issue 19): its profile without secrets, TOTP enrollment, mining identities
 * ("sub-accounts", each proven by a signature of the address's key) and the change log.
 */

/** The profile of a verified token's subject; a token of a user without a profile is no sign-in. */
export async function profileOf(deps: AccountApiDeps, account: AccountId): Promise<AccountProfile> {
  const profile = await deps.store.getProfile(account);
  if (!profile) throw new NotFoundError('no account for this sign-in');
  return profile;
}

export async function me(deps: AccountApiDeps, account: AccountId) {
  const profile = await profileOf(deps, account);
  const [totp, codesLeft, identities] = await Promise.all([
    deps.identity.totpEnabled(profile.email),
    deps.store.recoveryCodesLeft(account),
    deps.store.listIdentities(account),
  ]);
  const settings: Record<string, unknown> = {};
  for (const [symbol, coin] of deps.coins) {
    const s = await deps.store.getPayoutSettings(account, symbol);
    const { min, max } = thresholdBounds(coin.payouts);
    settings[symbol] = {
      ...settingsView(s ?? {}),
      bounds: { min: min.toString(), max: max.toString() },
      currencies: [symbol, ...(coin.conversion?.targets.map((t) => t.currency) ?? [])],
    };
  }
  return {
    id: profile.id,
    email: profile.email,
    createdAt: profile.createdAt,
    mfa: { totp, recoveryCodesLeft: codesLeft },
    identities,
    settings,
    referral: {
      code: profile.referralCode,
      link: `${deps.accounts.publicUrl}/#/signup?ref=${profile.referralCode}`,
      earnings: await referralEarnings(deps, identities),
      // A count only: the referred accounts' emails and ids are theirs.
      referredAccounts: await deps.store.countReferred(account),
    },
    // Whether this account was referred and what it means for it; never who referred it (the referrer's email and
    // id stay the referrer's: a referrer may prefer to stay anonymous).
    referredBy: profile.referredBy === undefined ? null : { feeSharePercent: deps.accounts.referrals.feeSharePercent },
    sign: {
      identityMessage: identityMessage({
        pool: deps.pool.name,
        account,
        coin: '<coin>',
        address: '<address>',
        time: '<time>',
      }),
    },
  };
}

/**
 * What the account earned from referrals, per coin: the block credits of role `referral` (written by the
 * confirmation pass with each block's split, exactly once) at its identities' addresses, orphaned ones taken back;
 * maturing ones included. Each address's figure is the one its miner page shows (app/stats/referrals.ts).
 */
async function referralEarnings(deps: AccountApiDeps, identities: readonly MiningIdentity[]) {
  const out: Record<string, string> = {};
  const money = deps.money;
  if (!money) return out;
  const earned = await Promise.all(identities.map((id) => referralEarningsOf(money, id.coin, id.address)));
  identities.forEach((id, i) => {
    const sum = earned[i]!.immature + earned[i]!.confirmed;
    out[id.coin] = (BigInt(out[id.coin] ?? '0') + sum).toString();
  });
  return out;
}

/** TOTP enrollment, step 1: a new secret, its otpauth:// URI and that URI as a QR code (SVG) for the phone's app. */
export async function startTotp(deps: AccountApiDeps, account: AccountId, accessToken: string) {
  const profile = await profileOf(deps, account);
  const { secret } = await deps.identity.startTotp(accessToken);
  const otpauthUri = new TOTP({ issuer: deps.pool.name, label: profile.email, secret }).toString();
  return { secret, otpauthUri, qrSvg: await QRCode.toString(otpauthUri, { type: 'svg', margin: 1 }) };
}

/** TOTP enrollment, step 2: the first code turns TOTP on; ten recovery codes are shown once (only hashes stay). */
export async function verifyTotp(
  deps: AccountApiDeps,
  account: AccountId,
  accessToken: string,
  code: string,
  ip: string,
) {
  const profile = await profileOf(deps, account);
  if (!(await deps.identity.verifyTotp(accessToken, code))) {
    throw new BadRequestError('the code is wrong: check the phone clock and try the next code');
  }
  const codes = newRecoveryCodes();
  await deps.store.setRecoveryCodes(account, codes.map(recoveryCodeHash));
  await log(deps, account, ip, 'totp-enabled', 'two-factor authentication turned on', 'account');
  await deps.mailer.send({
    to: profile.email,
    subject: `${deps.pool.name}: two-factor authentication is on`,
    text: `Two-factor authentication was turned on for your ${deps.pool.name} account from ${ip}.`,
  });
  return { recoveryCodes: codes };
}

/** A mining address joins the account, proven by its key's signature of identityMessage (same check as today). */
export async function addIdentity(
  deps: AccountApiDeps,
  account: AccountId,
  body: { coin: string; address: string; label: string } & SignedRequest,
  ip: string,
): Promise<MiningIdentity> {
  const coin = deps.coins.get(body.coin.toUpperCase());
  if (!coin) throw new BadRequestError(`this pool has no coin ${body.coin.slice(0, 16)}`);
  let address: string;
  try {
    address = validateAddress(getCoin(coin.symbol), coin.network, body.address);
  } catch (err) {
    throw new BadRequestError(`not a ${coin.symbol} address: ${(err as Error).message}`, { cause: err });
  }
  checkSignedRequest({
    coin,
    // Signed for the address as the miner wrote it (the wallet's spelling), which names the same account.
    account: body.address,
    request: body,
    message: (time) =>
      identityMessage({ pool: deps.pool.name, account, coin: coin.symbol, address: body.address, time }),
    replaces: 'the identity',
    now: deps.now(),
  });
  const identity = { coin: coin.symbol, address, label: body.label, addedAt: deps.now() };
  if (!(await deps.store.addIdentity(account, identity))) {
    throw new AccountConflictError(`${coin.symbol} address ${address} belongs to an account already`);
  }
  await log(deps, account, ip, 'identity-added', `${coin.symbol} ${address} added`, 'signature');
  return identity;
}

export async function removeIdentity(
  deps: AccountApiDeps,
  account: AccountId,
  coin: string,
  address: string,
  ip: string,
): Promise<void> {
  const symbol = coin.toUpperCase();
  const held = (await deps.store.listIdentities(account)).find((i) => i.coin === symbol && i.address === address);
  if (!held) throw new NotFoundError(`the account has no ${symbol.slice(0, 16)} identity ${address.slice(0, 128)}`);
  await deps.store.removeIdentity(account, symbol, address);
  await log(deps, account, ip, 'identity-removed', `${symbol} ${address} removed`, 'account');
}

export async function changeLog(deps: AccountApiDeps, account: AccountId, limit: number) {
  return { entries: await deps.store.listLog(account, limit) };
}

export function log(
  deps: AccountApiDeps,
  account: AccountId,
  ip: string,
  kind: string,
  detail: string,
  source: ChangeLogEntry['source'],
): Promise<void> {
  return deps.store.appendLog(account, { at: deps.now(), ip, kind, detail, source });
}

/** Payout settings as the API shows them (the threshold as a string of base units). */
export function settingsView(s: PayoutSettings) {
  return {
    ...(s.threshold === undefined ? {} : { threshold: s.threshold.toString() }),
    ...(s.payoutAddress === undefined ? {} : { payoutAddress: s.payoutAddress }),
    ...(s.currency === undefined ? {} : { currency: s.currency }),
    ...(s.holdUntil === undefined ? {} : { holdUntil: s.holdUntil }),
    ...(s.updatedAt === undefined ? {} : { updatedAt: s.updatedAt }),
  };
}
