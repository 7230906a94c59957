import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CognitoIdentity, PasskeyRefusedError } from '../../../adapters/aws/cognito-identity.js';
import { NotFoundError } from '../../../core/errors.js';
import { SignInRefusedError } from '../../../core/ports/identity.js';
import { type LocalCognito, startLocalCognito } from '../../../local/cognito.js';
import { SoftAuthenticator } from '../../helpers/soft-authenticator.js';

const PASSWORD = 'A long enough passphrase 1';
const ORIGIN = 'http://localhost:8080';
const RP_ID = 'localhost';
let seq = 0;
const newEmail = () => `passkey${Date.now()}-${++seq}@example.com`;

describe('CognitoIdentity passkeys against cognito-local (WebAuthn emulated as Cognito answers it)', () => {
  let dir: string;
  let cognito: LocalCognito;
  let idp: CognitoIdentity;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cognito-passkeys-'));
    cognito = await startLocalCognito({ dataDir: dir, passkeys: { relyingPartyId: RP_ID, origin: ORIGIN } });
    idp = new CognitoIdentity({
      client: cognito.client,
      userPoolId: cognito.userPoolId,
      clientId: cognito.clientId,
      issuer: cognito.issuer,
      jwksUrl: cognito.jwksUrl,
    });
  });
  afterAll(async () => {
    await cognito?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function signedInUser() {
    const email = newEmail();
    expect(await idp.signUp(email, PASSWORD)).toEqual({ sub: expect.any(String) });
    await idp.confirmUser(email);
    const result = await idp.signIn(email, PASSWORD);
    if (result.kind !== 'tokens') throw new Error('expected tokens');
    return { email, accessToken: result.tokens.accessToken };
  }

  /** A passkey sign-in's first step for a user who has a passkey: options and session. */
  async function startSignIn(email: string) {
    const { session, options } = await idp.startPasskeySignIn(email);
    if (!options) throw new Error('expected passkey request options');
    return { session, options };
  }

  /** A user with one passkey registered from the dashboard's origin, and the authenticator holding it. */
  async function userWithPasskey() {
    const user = await signedInUser();
    const authenticator = new SoftAuthenticator();
    const options = await idp.startPasskeyRegistration(user.accessToken);
    const credential = authenticator.register(options, { origin: ORIGIN });
    await idp.completePasskeyRegistration(user.accessToken, credential);
    return { ...user, authenticator, passkeyId: credential.id };
  }

  it('registers a passkey for the relying party with user verification required, and lists it', async () => {
    const { accessToken } = await signedInUser();
    const options = await idp.startPasskeyRegistration(accessToken);
    expect(options).toMatchObject({
      rp: { id: RP_ID },
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    const credential = new SoftAuthenticator().register(options, { origin: ORIGIN });
    await idp.completePasskeyRegistration(accessToken, credential);
    expect(await idp.listPasskeys(accessToken)).toEqual([
      {
        id: credential.id,
        name: expect.any(String),
        relyingPartyId: RP_ID,
        attachment: 'platform',
        transports: ['internal'],
        createdAt: expect.any(Number),
      },
    ]);
    // The next registration excludes it, so the same authenticator is not registered twice.
    const next = await idp.startPasskeyRegistration(accessToken);
    expect(next.excludeCredentials).toEqual([expect.objectContaining({ id: credential.id })]);
  });

  it('signs in with the passkey alone (no password), even with TOTP on, with tokens of that user', async () => {
    const { email, accessToken, authenticator } = await userWithPasskey();
    const { secret } = await idp.startTotp(accessToken);
    expect(await idp.verifyTotp(accessToken, new TOTP({ secret: Secret.fromBase32(secret) }).generate())).toBe(true);

    const { session, options } = await startSignIn(email);
    expect(options).toMatchObject({ rpId: RP_ID, userVerification: 'required' });
    const tokens = await idp.answerPasskey(email, session, authenticator.assert(options, { origin: ORIGIN }));
    expect(await idp.verifyAccessToken(tokens.accessToken)).toMatchObject({ username: email });
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect((await idp.refresh(tokens.refreshToken as string)).accessToken).toEqual(expect.any(String));
  });

  it('refuses a registration answered from another origin or for another RP id, and keeps nothing', async () => {
    const { accessToken } = await signedInUser();
    const authenticator = new SoftAuthenticator();
    const phished = authenticator.register(await idp.startPasskeyRegistration(accessToken), {
      origin: 'http://localhost.evil.example:8080',
    });
    await expect(idp.completePasskeyRegistration(accessToken, phished)).rejects.toBeInstanceOf(PasskeyRefusedError);
    const otherRp = authenticator.register(await idp.startPasskeyRegistration(accessToken), {
      origin: ORIGIN,
      rpId: 'evil.example',
    });
    await expect(idp.completePasskeyRegistration(accessToken, otherRp)).rejects.toBeInstanceOf(PasskeyRefusedError);
    expect(await idp.listPasskeys(accessToken)).toEqual([]);
  });

  it('takes a registration challenge once: a second answer to the same options is refused', async () => {
    const { accessToken } = await signedInUser();
    const options = await idp.startPasskeyRegistration(accessToken);
    const first = new SoftAuthenticator().register(options, { origin: ORIGIN });
    const second = new SoftAuthenticator().register(options, { origin: ORIGIN });
    await idp.completePasskeyRegistration(accessToken, first);
    await expect(idp.completePasskeyRegistration(accessToken, second)).rejects.toBeInstanceOf(PasskeyRefusedError);
    expect((await idp.listPasskeys(accessToken)).map((p) => p.id)).toEqual([first.id]);
  });

  it('refuses an assertion made on another origin or for another RP id', async () => {
    const { email, authenticator } = await userWithPasskey();
    for (const at of [{ origin: 'http://phish.example:8080' }, { origin: ORIGIN, rpId: 'phish.example' }]) {
      const { session, options } = await startSignIn(email);
      await expect(idp.answerPasskey(email, session, authenticator.assert(options, at))).rejects.toBeInstanceOf(
        SignInRefusedError,
      );
    }
  });

  it('refuses a replayed assertion: a session answers once, and an old assertion fails a new challenge', async () => {
    const { email, authenticator } = await userWithPasskey();
    const first = await startSignIn(email);
    const assertion = authenticator.assert(first.options, { origin: ORIGIN });
    await idp.answerPasskey(email, first.session, assertion);
    await expect(idp.answerPasskey(email, first.session, assertion)).rejects.toBeInstanceOf(SignInRefusedError);
    const second = await startSignIn(email);
    await expect(idp.answerPasskey(email, second.session, assertion)).rejects.toBeInstanceOf(SignInRefusedError);
  });

  it('refuses a session of another user, and a wrong answer uses the session up', async () => {
    const alice = await userWithPasskey();
    const bob = await userWithPasskey();
    const { session, options } = await startSignIn(alice.email);
    const byBob = bob.authenticator.assert(options, { origin: ORIGIN });
    await expect(idp.answerPasskey(bob.email, session, byBob)).rejects.toBeInstanceOf(SignInRefusedError);
    // Alice's own right answer now finds the session gone.
    const right = alice.authenticator.assert(options, { origin: ORIGIN });
    await expect(idp.answerPasskey(alice.email, session, right)).rejects.toBeInstanceOf(SignInRefusedError);
  });

  it('refuses a deleted passkey, even with a sign-in started before the deletion', async () => {
    const { email, accessToken, authenticator, passkeyId } = await userWithPasskey();
    const started = await startSignIn(email);
    await idp.deletePasskey(accessToken, passkeyId);
    expect(await idp.listPasskeys(accessToken)).toEqual([]);
    const assertion = authenticator.assert(started.options, { origin: ORIGIN });
    await expect(idp.answerPasskey(email, started.session, assertion)).rejects.toBeInstanceOf(SignInRefusedError);
    const after = await idp.startPasskeySignIn(email);
    expect(after.options).toBeUndefined();
    const again = authenticator.assert(started.options, { origin: ORIGIN });
    await expect(idp.answerPasskey(email, after.session, again)).rejects.toBeInstanceOf(SignInRefusedError);
    await expect(idp.deletePasskey(accessToken, passkeyId)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers an unknown email and a user without a passkey alike: no options, a session no assertion passes', async () => {
    const { email: withoutPasskey } = await signedInUser();
    const { authenticator, email: other } = await userWithPasskey();
    const real = await startSignIn(other);
    for (const email of [newEmail(), withoutPasskey]) {
      const started = await idp.startPasskeySignIn(email);
      expect(started.options).toBeUndefined();
      expect(started.session).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(started.session).toHaveLength(real.session.length);
      const assertion = authenticator.assert(real.options, { origin: ORIGIN });
      await expect(idp.answerPasskey(email, started.session, assertion)).rejects.toBeInstanceOf(SignInRefusedError);
    }
  });

  it('refuses a passkey sign-in of an unconfirmed user', async () => {
    const unconfirmed = newEmail();
    await idp.signUp(unconfirmed, PASSWORD);
    await expect(idp.startPasskeySignIn(unconfirmed)).rejects.toBeInstanceOf(SignInRefusedError);
  });

  it('refuses passkey registration with a forged access token before calling the pool', async () => {
    const { accessToken } = await signedInUser();
    const [h, p] = accessToken.split('.');
    await expect(idp.startPasskeyRegistration(`${h}.${p}.AAAA`)).rejects.toThrow();
  });
});
