import { checkPassword, normalizeEmail } from '../../core/accounts/rules.js';
import {
  newReferralCode,
  newToken,
  normalizeReferralCode,
  recoveryCodeHash,
  tokenHash,
} from '../../core/accounts/tokens.js';
import type { AccountId } from '../../core/accounts/types.js';
import { BadRequestError } from '../../core/errors.js';
import {
  type AuthTokens,
  SignInRefusedError,
  type SignInResult,
  type TokenSubject,
} from '../../core/ports/identity.js';
import type { AccountApiDeps } from './deps.js';
import { countFailure, isLocked, spendIpAttempt } from './limits.js';

/**
 * Sign-up, email confirmation, sign-in (password, TOTP step, recovery code) and refresh (issue 19). Nothing here
 * tells whether an email has an account: sign-up always answers the same, and every sign-in refusal is one
 * SignInRefusedError (wrong password, unknown or unconfirmed email, locked email, wrong code).
 */

/** How many fresh referral codes sign-up draws before giving up (40 random bits each: one is practically enough). */
const REFERRAL_CODE_TRIES = 5;

export async function signUp(
  deps: AccountApiDeps,
  body: { email: string; password: string; referralCode?: string | undefined },
  ip: string,
): Promise<void> {
  await spendIpAttempt(deps, ip);
  const email = normalizeEmail(body.email);
  checkPassword(body.password);
  let referredBy: AccountId | undefined;
  if (body.referralCode !== undefined && body.referralCode !== '') {
    const code = normalizeReferralCode(body.referralCode);
    referredBy = code === undefined ? undefined : await deps.store.accountByReferralCode(code);
    if (referredBy === undefined) throw new BadRequestError('no account has this referral code');
  }
  // The password is checked and kept on a user that stays disabled; the holder of the emailed link chooses the one
  // that counts when confirming (confirmEmail), so whoever signs up first with an address never decides its password.
  const made = await deps.identity.signUp(email, body.password);
  const account =
    made === 'exists' ? await deps.store.accountByEmail(email) : await createProfile(deps, made.sub, email, referredBy);
  if (made === 'exists' || account === undefined) {
    // The same answer as a new sign-up; the mailbox's owner learns of the attempt and gets what it needs next: a
    // fresh link that confirms and sets the password if the account was never confirmed, the reset page if it was.
    const confirmed = account === undefined || (await deps.identity.isConfirmed(email));
    const link = confirmed ? undefined : await confirmLink(deps, account);
    await deps.mailer.send({
      to: email,
      subject: `${deps.pool.name}: someone tried to sign up with your address`,
      text: [
        `Someone (perhaps you) tried to sign up at ${deps.pool.name} with this address, which has an account already.`,
        'If it was not you, nothing changed and you can ignore this mail.',
        '',
        ...(link
          ? [
              'The account was never confirmed. If it is yours, this link confirms it and lets you choose its password',
              `(whatever password any sign-up entered, the one you choose there is the one that counts): ${link}`,
              `It works once, for ${deps.accounts.confirmLinkHours} hours.`,
            ]
          : account === undefined
            ? []
            : [`Forgot your password? Reset it here: ${deps.accounts.publicUrl}/#/forgot`]),
      ].join('\n'),
    });
    return;
  }
  await deps.mailer.send({
    to: email,
    subject: `${deps.pool.name}: confirm your account`,
    text: [
      `Follow this link to confirm your ${deps.pool.name} account and choose its password:`,
      await confirmLink(deps, account),
      '',
      `It works once, for ${deps.accounts.confirmLinkHours} hours. If you did not sign up, ignore this mail.`,
    ].join('\n'),
  });
}

async function createProfile(
  deps: AccountApiDeps,
  id: AccountId,
  email: string,
  referredBy: AccountId | undefined,
): Promise<AccountId | undefined> {
  for (let i = 0; i < REFERRAL_CODE_TRIES; i++) {
    try {
      const made = await deps.store.createProfile({
        id,
        email,
        createdAt: deps.now(),
        referralCode: newReferralCode(),
        ...(referredBy === undefined ? {} : { referredBy }),
      });
      return made ? id : undefined;
    } catch (err) {
      if ((err as { code?: string }).code !== 'REFERRAL_CODE_TAKEN') throw err;
    }
  }
  throw new Error(`no free referral code after ${REFERRAL_CODE_TRIES} tries`);
}

const confirmLink = (deps: AccountApiDeps, account: AccountId) =>
  emailedLink(deps, 'confirm-email', account, deps.accounts.confirmLinkHours * 3_600_000);

/** The route of the dashboard page (web/src/account/routes.ts) each emailed one-time link opens. */
const LINK_ROUTE = { 'confirm-email': 'confirm', 'password-reset': 'reset' } as const;

/** A fresh single-use link of `kind` for `account`, valid `ms`: only its token's hash is stored. */
export async function emailedLink(
  deps: AccountApiDeps,
  kind: keyof typeof LINK_ROUTE,
  account: AccountId,
  ms: number,
): Promise<string> {
  const token = newToken();
  await deps.store.putToken({ kind, hash: tokenHash(token), account, expiresAt: deps.now() + ms });
  return `${deps.accounts.publicUrl}/#/${LINK_ROUTE[kind]}/${token}`;
}

/**
 * The emailed confirmation link was followed: its holder (the mailbox's owner) chooses the password, then the
 * account can sign in. A link of an account confirmed already is refused as a used one (it would be a password reset
 * without the account's TOTP); a password the policy refuses leaves the link usable.
 */
export async function confirmEmail(
  deps: AccountApiDeps,
  body: { token: string; password: string },
  ip: string,
): Promise<void> {
  // Counted like sign-up: each try reads the store and the provider, and a token is guessed only by trying.
  await spendIpAttempt(deps, ip);
  checkPassword(body.password);
  const hash = tokenHash(body.token);
  const found = await deps.store.findToken('confirm-email', hash, deps.now());
  const profile = found === undefined ? undefined : await deps.store.getProfile(found);
  const usable = profile !== undefined && !(await deps.identity.isConfirmed(profile.email));
  if (!usable || (await deps.store.consumeToken('confirm-email', hash, deps.now())) !== profile.id)
    throw new BadRequestError('this confirmation link is invalid, used or expired');
  await deps.identity.setPassword(profile.email, body.password);
  await deps.identity.confirmUser(profile.email);
  await deps.store.appendLog(profile.id, {
    at: deps.now(),
    ip,
    kind: 'email-confirmed',
    detail: 'email address confirmed and password chosen',
    source: 'email',
  });
}

/** Runs a sign-in step against the lockout: a locked email is refused as a wrong password; a refusal counts. */
export async function guarded<T>(deps: AccountApiDeps, email: string, step: () => Promise<T>): Promise<T> {
  if (await isLocked(deps, email)) {
    await countFailure(deps, email);
    throw new SignInRefusedError();
  }
  try {
    return await step();
  } catch (err) {
    if (err instanceof SignInRefusedError) await countFailure(deps, email);
    throw err;
  }
}

/** An email that cannot be one is refused like a wrong password. */
export function signInEmail(email: string): string {
  try {
    return normalizeEmail(email);
  } catch {
    throw new SignInRefusedError();
  }
}

export async function signIn(
  deps: AccountApiDeps,
  body: { email: string; password: string },
  ip: string,
): Promise<SignInResult> {
  await spendIpAttempt(deps, ip);
  const email = signInEmail(body.email);
  return guarded(deps, email, () => deps.identity.signIn(email, body.password));
}

export async function signInTotp(
  deps: AccountApiDeps,
  body: { email: string; session: string; code: string },
  ip: string,
): Promise<AuthTokens> {
  await spendIpAttempt(deps, ip);
  const email = signInEmail(body.email);
  return guarded(deps, email, () => deps.identity.answerTotp(email, body.session, body.code));
}

/**
 * A sign-in with the password and a recovery code instead of the TOTP code (the phone is lost): the code is used up,
 * TOTP is turned off (enroll again), the change is logged and mailed, and the account is signed in.
 */
export async function signInWithRecoveryCode(
  deps: AccountApiDeps,
  body: { email: string; password: string; recoveryCode: string },
  ip: string,
): Promise<AuthTokens> {
  await spendIpAttempt(deps, ip);
  const email = signInEmail(body.email);
  return guarded(deps, email, async () => {
    const first = await deps.identity.signIn(email, body.password);
    if (first.kind === 'tokens') return first.tokens; // no TOTP on: the password was enough
    const account = await deps.store.accountByEmail(email);
    if (account === undefined || !(await deps.store.useRecoveryCode(account, recoveryCodeHash(body.recoveryCode)))) {
      throw new SignInRefusedError();
    }
    await deps.identity.disableTotp(email);
    await deps.store.setRecoveryCodes(account, []);
    // The phone is lost, perhaps stolen with a signed-in dashboard: every other session ends (this one starts after).
    await endSessions(deps, account, email);
    await deps.store.appendLog(account, {
      at: deps.now(),
      ip,
      kind: 'totp-disabled',
      detail: 'two-factor authentication turned off by a recovery code',
      source: 'recovery-code',
    });
    await deps.mailer.send({
      to: email,
      subject: `${deps.pool.name}: two-factor authentication was turned off`,
      text: [
        `A recovery code was used to sign in to your ${deps.pool.name} account from ${ip}, which turned`,
        'two-factor authentication off and signed every other device out. Enroll it again on the account page.',
        'If this was not you, change your password at once.',
      ].join('\n'),
    });
    const second = await deps.identity.signIn(email, body.password);
    if (second.kind !== 'tokens') throw new SignInRefusedError();
    return second.tokens;
  });
}

/**
 * Ends every session of the account (a password reset, a recovery code): the provider revokes the refresh tokens, and
 * the account API refuses access tokens from a sign-in before (the provider cannot recall them: checkSession).
 */
export async function endSessions(deps: AccountApiDeps, account: AccountId, email: string): Promise<void> {
  await deps.store.setTokensValidAfter(account, await deps.identity.signOutEverywhere(email));
}

/** Whether a verified token still counts: false when its sign-in came before the account's sessions were ended. */
export async function checkSession(deps: AccountApiDeps, subject: TokenSubject): Promise<boolean> {
  const validAfter = (await deps.store.getProfile(subject.sub))?.tokensValidAfter;
  return validAfter === undefined || subject.authTime >= validAfter;
}

export async function refresh(deps: AccountApiDeps, refreshToken: string): Promise<AuthTokens> {
  try {
    return await deps.identity.refresh(refreshToken);
  } catch {
    throw new SignInRefusedError();
  }
}
