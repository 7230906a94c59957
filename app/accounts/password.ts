import { checkPassword, normalizeEmail } from '../../core/accounts/rules.js';
import { emailHash, newToken, recoveryCodeHash, tokenHash } from '../../core/accounts/tokens.js';
import type { ChangeSource } from '../../core/accounts/types.js';
import { BadRequestError } from '../../core/errors.js';
import { SignInRefusedError } from '../../core/ports/identity.js';
import { emailedLink, endSessions } from './auth.js';
import type { AccountApiDeps } from './deps.js';
import { AccountForbiddenError } from './errors.js';
import { countFailure, isLocked, spendHourly, spendIpAttempt } from './limits.js';

/**
 * A forgotten password (issue 19): the holder of the account's mailbox sets a new one through a single-use emailed
 * link, with a current TOTP code (or a recovery code) when the account has TOTP on. Asking for the link answers the
 * same whatever the email (no enumeration).
 */

/** A reset link works for an hour (at most as long as a confirmation link): it is used at once or asked again. */
const RESET_LINK_MS = 3_600_000;
/** Reset mails to one address per hour, whoever asks: asking cannot flood a mailbox (the rest are dropped silently). */
export const RESET_MAILS_PER_EMAIL_PER_HOUR = 3;

/**
 * Mails a reset link if the email has a confirmed account (an unconfirmed one sets its password by its confirmation
 * link); otherwise does nothing. The caller answers the same either way.
 */
export async function forgotPassword(deps: AccountApiDeps, body: { email: string }, ip: string): Promise<void> {
  await spendIpAttempt(deps, ip);
  let email: string;
  try {
    email = normalizeEmail(body.email);
  } catch {
    return; // no account can have it: answered as any other email
  }
  // Counted before the account is looked up, so a known and an unknown email spend the same.
  const spent = await spendHourly(deps, `reset:${emailHash(email)}`, RESET_MAILS_PER_EMAIL_PER_HOUR);
  if (spent !== true) return;
  const account = await deps.store.accountByEmail(email);
  if (account === undefined || !(await deps.identity.isConfirmed(email))) return;
  const ms = Math.min(RESET_LINK_MS, deps.accounts.confirmLinkHours * 3_600_000);
  const link = await emailedLink(deps, 'password-reset', account, ms);
  await deps.mailer.send({
    to: email,
    subject: `${deps.pool.name}: reset your password`,
    text: [
      `Someone (perhaps you) asked to reset the password of your ${deps.pool.name} account from ${ip}.`,
      `This link lets you choose a new one: ${link}`,
      `It works once, for ${Math.round(ms / 60_000)} minutes. If you have two-factor authentication on, you will need a`,
      'current code from your authenticator app (or a recovery code) too.',
      'If it was not you, ignore this mail: your password stays as it is.',
    ].join('\n'),
  });
}

/** A wrong TOTP or recovery code on a reset (or a locked email): one answer, counted toward the lockout. */
export class ResetCodeRefusedError extends AccountForbiddenError {
  constructor() {
    super('the two-factor code or the recovery code is wrong (this link is used up: ask for a new one)');
  }
}

const invalidLink = () => new BadRequestError('this reset link is invalid, used or expired');

/**
 * Sets the password chosen by the holder of a reset link. With TOTP on, a current code (or a recovery code, which is
 * used up) is required as well: a mailbox alone does not take over such an account. The link is checked, then
 * consumed before any code is checked (one try per link; wrong codes count toward the email's lockout). The reset
 * ends every session of the account (endSessions), and is logged on the account and mailed.
 */
export async function resetPassword(
  deps: AccountApiDeps,
  body: { token: string; password: string; totp?: string | undefined; recoveryCode?: string | undefined },
  ip: string,
): Promise<void> {
  await spendIpAttempt(deps, ip);
  checkPassword(body.password);
  const hash = tokenHash(body.token);
  const found = await deps.store.findToken('password-reset', hash, deps.now());
  const profile = found === undefined ? undefined : await deps.store.getProfile(found);
  if (profile === undefined) throw invalidLink();
  const { email, id: account } = profile;
  const totpOn = await deps.identity.totpEnabled(email);
  if (totpOn && !body.totp && !body.recoveryCode) {
    // Before the link is consumed: the page asks for the code and the link still works.
    throw new BadRequestError('this account has two-factor authentication on: enter a current code or a recovery code');
  }
  if ((await deps.store.consumeToken('password-reset', hash, deps.now())) !== account) throw invalidLink();
  const source: ResetSource = !totpOn ? 'email' : body.recoveryCode ? 'recovery-code' : 'totp+email';
  if (totpOn) await secondFactor(deps, account, email, body);
  await deps.identity.setPassword(email, body.password);
  // After the new password (a session made with the old one in between ends too): whoever knew the old password is out.
  await endSessions(deps, account, email);
  await deps.store.appendLog(account, {
    at: deps.now(),
    ip,
    kind: 'password-reset',
    detail: `password reset by ${RESET_BY[source]}`,
    source,
  });
  await deps.mailer.send({
    to: email,
    subject: `${deps.pool.name}: your password was reset`,
    text: [
      `The password of your ${deps.pool.name} account was reset from ${ip} at ${new Date(deps.now()).toISOString()},`,
      `by ${RESET_BY[source]}. Every device signed in to the account was signed out.`,
      'If this was not you, reset it again at once (Forgot your password? on the sign-in page) and secure this mailbox.',
    ].join('\n'),
  });
}

type ResetSource = Extract<ChangeSource, 'email' | 'totp+email' | 'recovery-code'>;
const RESET_BY: Record<ResetSource, string> = {
  email: 'the emailed link',
  'totp+email': 'the emailed link and a TOTP code',
  'recovery-code': 'the emailed link and a recovery code (now used up)',
};

/**
 * The reset's second factor, for an account with TOTP on: a recovery code (used up), or a current TOTP code checked by
 * the identity provider, which checks codes only within a sign-in: the password is first set to a random one nobody
 * learns, signed in with, and the code answered. A wrong code so leaves the old password unusable as well as the new
 * one unset (the account's owner resets again with the code); never the chosen password without the code.
 */
async function secondFactor(
  deps: AccountApiDeps,
  account: string,
  email: string,
  body: { totp?: string | undefined; recoveryCode?: string | undefined },
): Promise<void> {
  const refused = async () => {
    await countFailure(deps, email);
    return new ResetCodeRefusedError();
  };
  if (await isLocked(deps, email)) throw await refused();
  if (body.recoveryCode) {
    if (!(await deps.store.useRecoveryCode(account, recoveryCodeHash(body.recoveryCode)))) throw await refused();
    return;
  }
  const scratch = `${newToken()}aA1`;
  await deps.identity.setPassword(email, scratch);
  try {
    const first = await deps.identity.signIn(email, scratch);
    if (first.kind === 'totp') await deps.identity.answerTotp(email, first.session, body.totp ?? '');
  } catch (err) {
    if (err instanceof SignInRefusedError) throw await refused();
    throw err;
  }
}
