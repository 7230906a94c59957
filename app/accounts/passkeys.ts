import { randomBytes } from 'node:crypto';
import type { AccountId } from '../../core/accounts/types.js';
import { type AuthTokens, type PasskeyJson, SignInRefusedError } from '../../core/ports/identity.js';
import { guarded, signInEmail } from './auth.js';
import type { AccountApiDeps } from './deps.js';
import { isLocked, spendIpAttempt } from './limits.js';
import { log, profileOf } from './profile.js';
import { stepUp } from './step-up.js';

/**
 * Passkeys (WebAuthn, issue 19), optional beside the password: the identity provider (Cognito's WebAuthn calls in
 * AWS, their emulation locally) checks every WebAuthn answer; this part decides who may ask.
 *
 * - Adding and removing a passkey are account changes: a passkey signs in on its own, so whoever adds one holds the
 *   account from then on. Both need a step-up (the password, and the TOTP code when TOTP is on), are logged with the
 *   source IP and mailed to the account. A passkey assertion is not accepted as the proof for removal: the usual
 *   reason to remove one is that its device is lost.
 * - Passkey sign-in is limited like the password sign-in (the per-IP limit on both steps, the email's lockout on the
 *   answer) and refused with the same one 401. Its first step never tells whether an email has an account or a
 *   passkey: an email without one gets options of the same shape with a random challenge and a session that no
 *   answer can pass, and no answer lists credential ids (the passkeys are discoverable: the browser finds them).
 * - Passkeys are not a second factor for money changes: those keep the password + TOTP code and the emailed link
 *   (money.ts), as the issue asks.
 */

/** How long the browser may take for a passkey prompt (the provider's challenge lives as long: 3 minutes). */
const PROMPT_TIMEOUT_MS = 180_000;

/** The step-up's proof: the password, and the TOTP code when TOTP is on. */
type Proof = { password: string; totp?: string | undefined };

export async function startPasskeyRegistration(
  deps: AccountApiDeps,
  account: AccountId,
  accessToken: string,
  proof: Proof,
): Promise<{ options: PasskeyJson }> {
  const profile = await profileOf(deps, account);
  await stepUp(deps, profile.email, proof, { totpRequired: false });
  return { options: await deps.identity.startPasskeyRegistration(accessToken) };
}

export async function completePasskeyRegistration(
  deps: AccountApiDeps,
  account: AccountId,
  accessToken: string,
  credential: PasskeyJson,
  ip: string,
) {
  const profile = await profileOf(deps, account);
  await deps.identity.completePasskeyRegistration(accessToken, credential);
  await log(deps, account, ip, 'passkey-added', 'a passkey was added (password step-up)', 'account');
  await deps.mailer.send({
    to: profile.email,
    subject: `${deps.pool.name}: a passkey was added to your account`,
    text: [
      `A passkey was added to your ${deps.pool.name} account from ${ip}. It signs in without the password.`,
      'If this was not you, remove it on the account page and change your password at once.',
    ].join('\n'),
  });
  return listPasskeys(deps, accessToken);
}

export async function listPasskeys(deps: AccountApiDeps, accessToken: string) {
  return { passkeys: await deps.identity.listPasskeys(accessToken) };
}

export async function deletePasskey(
  deps: AccountApiDeps,
  account: AccountId,
  accessToken: string,
  credentialId: string,
  proof: Proof,
  ip: string,
): Promise<void> {
  const profile = await profileOf(deps, account);
  await stepUp(deps, profile.email, proof, { totpRequired: false });
  await deps.identity.deletePasskey(accessToken, credentialId);
  await log(deps, account, ip, 'passkey-removed', 'a passkey was removed (password step-up)', 'account');
  await deps.mailer.send({
    to: profile.email,
    subject: `${deps.pool.name}: a passkey was removed from your account`,
    text: `A passkey was removed from your ${deps.pool.name} account from ${ip}. It no longer signs in.`,
  });
}

/**
 * A passkey sign-in's first step: request options and a session for the email. Options are rebuilt here in one shape
 * (the provider's challenge, the dashboard's RP id, no credential list) so that a decoy cannot be told apart.
 */
export async function startPasskeySignIn(
  deps: AccountApiDeps,
  body: { email: string },
  ip: string,
): Promise<{ session: string; options: PasskeyJson }> {
  await spendIpAttempt(deps, ip);
  const rpId = new URL(deps.accounts.publicUrl).hostname;
  const shaped = (challenge: unknown, session: string) => ({
    session,
    options: { challenge, rpId, timeout: PROMPT_TIMEOUT_MS, userVerification: 'required', allowCredentials: [] },
  });
  const decoyChallenge = () => randomBytes(32).toString('base64url');
  try {
    const email = signInEmail(body.email);
    // A locked email still gets the provider's session (its format is the provider's), with a challenge of ours.
    const locked = await isLocked(deps, email);
    const started = await deps.identity.startPasskeySignIn(email);
    const challenge = !locked && started.options ? started.options.challenge : decoyChallenge();
    return shaped(challenge, started.session);
  } catch (err) {
    if (!(err instanceof SignInRefusedError)) throw err;
  }
  // A decoy for an email that cannot be one or that the provider refuses outright: no answer passes its session.
  return shaped(decoyChallenge(), randomBytes(48).toString('base64url'));
}

/** The authenticator's assertion: tokens, or the one sign-in refusal (counted toward the email's lockout). */
export async function signInWithPasskey(
  deps: AccountApiDeps,
  body: { email: string; session: string; credential: PasskeyJson },
  ip: string,
): Promise<AuthTokens> {
  await spendIpAttempt(deps, ip);
  const email = signInEmail(body.email);
  return guarded(deps, email, () => deps.identity.answerPasskey(email, body.session, body.credential));
}
