import { SignInRefusedError } from '../../core/ports/identity.js';
import type { AccountApiDeps } from './deps.js';
import { AccountForbiddenError } from './errors.js';
import { countFailure, isLocked } from './limits.js';

/**
 * A step-up: the signed-in account proves itself again with its password and, when TOTP is on (or `totpRequired`),
 * a current TOTP code, through the identity provider. A locked email is refused as a wrong password; refusals count
 * toward the email's lockout, like sign-in failures. Money changes require TOTP; passkey changes ask for the code
 * only when TOTP is on.
 */
export async function stepUp(
  deps: AccountApiDeps,
  email: string,
  proof: { password: string; totp?: string | undefined },
  opts: { totpRequired: boolean },
): Promise<void> {
  if (await isLocked(deps, email)) {
    await countFailure(deps, email);
    throw new SignInRefusedError();
  }
  try {
    const first = await deps.identity.signIn(email, proof.password);
    if (first.kind !== 'totp') {
      if (opts.totpRequired) throw new AccountForbiddenError('enable two-factor authentication first');
      return;
    }
    // TOTP is on: its code is part of the proof (a missing one is a wrong one).
    await deps.identity.answerTotp(email, first.session, proof.totp ?? '');
  } catch (err) {
    if (err instanceof SignInRefusedError) await countFailure(deps, email);
    throw err;
  }
}
