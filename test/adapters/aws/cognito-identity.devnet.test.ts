import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CreateUserPoolClientCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CognitoIdentity } from '../../../adapters/aws/cognito-identity.js';
import { SignInRefusedError } from '../../../core/ports/identity.js';
import { type LocalCognito, startLocalCognito } from '../../../local/cognito.js';

const PASSWORD = 'a long enough passphrase';
let seq = 0;
const newEmail = () => `miner${Date.now()}-${++seq}@example.com`;

describe('CognitoIdentity against cognito-local', () => {
  let dir: string;
  let cognito: LocalCognito;
  let idp: CognitoIdentity;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cognito-identity-'));
    cognito = await startLocalCognito({ dataDir: dir });
    idp = identityFor(cognito, cognito.clientId);
  });
  afterAll(async () => {
    await cognito?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const getUser = (email: string) =>
    cognito.client.send(new AdminGetUserCommand({ UserPoolId: cognito.userPoolId, Username: email }));

  /** A confirmed user and its first sign-in's tokens. */
  async function signedUpUser() {
    const email = newEmail();
    expect(await idp.signUp(email, PASSWORD)).toEqual({ sub: expect.any(String) });
    await idp.confirmUser(email);
    const result = await idp.signIn(email, PASSWORD);
    if (result.kind !== 'tokens') throw new Error('expected tokens');
    return { email, tokens: result.tokens };
  }

  it('signs up once per email: a second sign-up answers exists', async () => {
    const email = newEmail();
    const first = await idp.signUp(email, PASSWORD);
    expect(first).toEqual({ sub: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(await idp.signUp(email, 'another long passphrase')).toBe('exists');
  });

  it('refuses a SignUp sent straight to the pool with the public app client id: only the pool creates users', async () => {
    const email = newEmail();
    const direct = cognito.client.send(
      new SignUpCommand({
        ClientId: cognito.clientId,
        Username: email,
        Password: PASSWORD,
        UserAttributes: [{ Name: 'email', Value: email }],
      }),
    );
    await expect(direct).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    // Nothing was made: the email's owner signs up through the pool as if nobody had tried.
    await expect(getUser(email)).rejects.toMatchObject({ name: 'UserNotFoundException' });
    expect(await idp.signUp(email, PASSWORD)).toEqual({ sub: expect.any(String) });
  });

  it('refuses a sign-in before confirmation, and signs in with tokens after it (email verified)', async () => {
    const email = newEmail();
    const signedUp = await idp.signUp(email, PASSWORD);
    const waiting = await getUser(email);
    expect(waiting.Enabled).toBe(false);
    expect(waiting.UserAttributes).not.toContainEqual({ Name: 'email_verified', Value: 'true' });
    await expect(idp.signIn(email, PASSWORD)).rejects.toBeInstanceOf(SignInRefusedError);
    await idp.confirmUser(email);
    await idp.confirmUser(email); // a confirmation link followed twice is no error
    const user = await getUser(email);
    expect(user.Enabled).toBe(true);
    expect(user.UserAttributes).toContainEqual({ Name: 'email_verified', Value: 'true' });
    const result = await idp.signIn(email, PASSWORD);
    expect(result.kind).toBe('tokens');
    if (result.kind !== 'tokens') return;
    expect(result.tokens.expiresInSeconds).toBeGreaterThan(3000);
    expect(result.tokens.refreshToken).toEqual(expect.any(String));
    const subject = await idp.verifyAccessToken(result.tokens.accessToken);
    expect(subject).toEqual({ sub: (signedUp as { sub: string }).sub, username: email, authTime: expect.any(Number) });
    // auth_time in whole seconds, as ms: the sign-in's second.
    expect(subject.authTime % 1000).toBe(0);
    expect(Math.abs(subject.authTime - Date.now())).toBeLessThan(60_000);
  });

  it('tells confirmed users apart and sets a password that replaces the old one, before or after confirmation', async () => {
    const email = newEmail();
    expect(await idp.isConfirmed(email)).toBe(false); // unknown
    await idp.signUp(email, PASSWORD);
    expect(await idp.isConfirmed(email)).toBe(false);
    await idp.setPassword(email, 'chosen at the confirmation link');
    await idp.confirmUser(email);
    expect(await idp.isConfirmed(email)).toBe(true);
    await expect(idp.signIn(email, PASSWORD)).rejects.toBeInstanceOf(SignInRefusedError);
    expect((await idp.signIn(email, 'chosen at the confirmation link')).kind).toBe('tokens');
    await idp.setPassword(email, 'chosen at a reset link');
    expect((await getUser(email)).UserStatus).toBe('CONFIRMED');
    await expect(idp.signIn(email, 'chosen at the confirmation link')).rejects.toBeInstanceOf(SignInRefusedError);
    expect((await idp.signIn(email, 'chosen at a reset link')).kind).toBe('tokens');
  });

  it('deletes the user again when a sign-up fails after creating it, so the email can sign up once more', async () => {
    const email = newEmail();
    const failing = new CognitoIdentity({
      client: failingOn(cognito.client, AdminSetUserPasswordCommand),
      userPoolId: cognito.userPoolId,
      clientId: cognito.clientId,
      issuer: cognito.issuer,
      jwksUrl: cognito.jwksUrl,
    });
    await expect(failing.signUp(email, PASSWORD)).rejects.toThrow(/the password step failed/);
    await expect(getUser(email)).rejects.toMatchObject({ name: 'UserNotFoundException' });
    expect(await idp.signUp(email, PASSWORD)).toEqual({ sub: expect.any(String) });
  });

  it('answers every refused sign-in with the same error: unknown email, wrong password, unconfirmed user', async () => {
    const { email } = await signedUpUser();
    const unconfirmed = newEmail();
    await idp.signUp(unconfirmed, PASSWORD);
    const refusals = await Promise.all([
      idp.signIn(newEmail(), PASSWORD).catch((e) => e),
      idp.signIn(email, 'a wrong passphrase here').catch((e) => e),
      idp.signIn(unconfirmed, PASSWORD).catch((e) => e),
      idp.signIn(unconfirmed, 'a wrong passphrase here').catch((e) => e),
    ]);
    for (const err of refusals) {
      expect(err).toBeInstanceOf(SignInRefusedError);
      expect(err.message).toBe(new SignInRefusedError().message);
    }
  });

  describe('verifyAccessToken', () => {
    it('refuses a token whose signature has one byte changed', async () => {
      const { tokens } = await signedUpUser();
      await expect(idp.verifyAccessToken(flipSignatureByte(tokens.accessToken))).rejects.toThrow(/signature/);
    });

    it('refuses an id token passed as the access token', async () => {
      const { tokens } = await signedUpUser();
      await expect(idp.verifyAccessToken(tokens.idToken)).rejects.toThrow(/not an access token/);
    });

    it('refuses an access token issued to another app client of the same pool', async () => {
      const other = await newAppClient(cognito, 'other-client', 1, 'hours');
      const { email } = await signedUpUser();
      const result = await identityFor(cognito, other).signIn(email, PASSWORD);
      if (result.kind !== 'tokens') throw new Error('expected tokens');
      await expect(idp.verifyAccessToken(result.tokens.accessToken)).rejects.toThrow(/another app client/);
      // The same token is good for the client it was issued to: only the client differs.
      await expect(identityFor(cognito, other).verifyAccessToken(result.tokens.accessToken)).resolves.toMatchObject({
        username: email,
      });
    });

    it('refuses an expired access token', async () => {
      const shortLived = await newAppClient(cognito, 'short-lived', 1, 'seconds');
      const { email } = await signedUpUser();
      const short = identityFor(cognito, shortLived);
      const result = await short.signIn(email, PASSWORD);
      if (result.kind !== 'tokens') throw new Error('expected tokens');
      await new Promise((r) => setTimeout(r, 2100));
      await expect(short.verifyAccessToken(result.tokens.accessToken)).rejects.toThrow(/"exp" claim/);
    });

    it('refuses an unsigned token (alg none) carrying the right claims', async () => {
      const { tokens } = await signedUpUser();
      const [, payload] = tokens.accessToken.split('.');
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
      await expect(idp.verifyAccessToken(unsigned)).rejects.toThrow();
    });
  });

  it('enrolls TOTP, then asks for the code at sign-in; turned off, signs in without it again', async () => {
    const { email, tokens } = await signedUpUser();
    expect(await idp.totpEnabled(email)).toBe(false);
    const { secret } = await idp.startTotp(tokens.accessToken);
    const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });

    expect(await idp.verifyTotp(tokens.accessToken, wrongCode(totp))).toBe(false);
    expect(await idp.totpEnabled(email)).toBe(false);
    expect(await idp.verifyTotp(tokens.accessToken, totp.generate())).toBe(true);
    expect(await idp.totpEnabled(email)).toBe(true);

    const step = await idp.signIn(email, PASSWORD);
    expect(step.kind).toBe('totp');
    if (step.kind !== 'totp') return;
    await expect(idp.answerTotp(email, step.session, wrongCode(totp))).rejects.toBeInstanceOf(SignInRefusedError);
    const signedIn = await idp.answerTotp(email, step.session, totp.generate());
    expect(await idp.verifyAccessToken(signedIn.accessToken)).toMatchObject({ username: email });

    // A wrong password is refused with the same error as before TOTP: the TOTP step is never reached.
    await expect(idp.signIn(email, 'a wrong passphrase here')).rejects.toBeInstanceOf(SignInRefusedError);

    await idp.disableTotp(email);
    expect(await idp.totpEnabled(email)).toBe(false);
    expect((await idp.signIn(email, PASSWORD)).kind).toBe('tokens');
  });

  it('accepts a TOTP answer only with the session of that user’s own password step', async () => {
    const a = await signedUpUser();
    const b = await signedUpUser();
    const totpA = await enroll(idp, a.tokens.accessToken);
    await enroll(idp, b.tokens.accessToken);
    const stepB = await idp.signIn(b.email, PASSWORD);
    if (stepB.kind !== 'totp') throw new Error('expected the TOTP step');
    // A's code with B's session (B's password step), and with a made-up session: both refused.
    await expect(idp.answerTotp(a.email, stepB.session, totpA.generate())).rejects.toBeInstanceOf(SignInRefusedError);
    await expect(idp.answerTotp(a.email, 'a-made-up-session', totpA.generate())).rejects.toBeInstanceOf(
      SignInRefusedError,
    );
    const stepA = await idp.signIn(a.email, PASSWORD);
    if (stepA.kind !== 'totp') throw new Error('expected the TOTP step');
    await idp.answerTotp(a.email, stepA.session, totpA.generate());
    // A session is good once.
    await expect(idp.answerTotp(a.email, stepA.session, totpA.generate())).rejects.toBeInstanceOf(SignInRefusedError);
  });

  it('refuses a TOTP enrollment with a forged access token', async () => {
    const { tokens } = await signedUpUser();
    await expect(idp.startTotp(flipSignatureByte(tokens.accessToken))).rejects.toThrow(/signature/);
    await expect(idp.verifyTotp(flipSignatureByte(tokens.accessToken), '123456')).rejects.toThrow(/signature/);
  });

  it('signs a user out everywhere: earlier refresh tokens refused, a sign-in after has its time at or after the answer', async () => {
    const { email, tokens } = await signedUpUser();
    const bystander = await signedUpUser();
    const before = await idp.verifyAccessToken(tokens.accessToken);
    const validAfter = await idp.signOutEverywhere(email);
    expect(before.authTime).toBeLessThan(validAfter);
    await expect(idp.refresh(tokens.refreshToken as string)).rejects.toBeInstanceOf(SignInRefusedError);
    // Right after the answer, a new sign-in counts (its auth_time is not in the sign-out's second) and refreshes.
    const again = await idp.signIn(email, PASSWORD);
    if (again.kind !== 'tokens') throw new Error('expected tokens');
    expect((await idp.verifyAccessToken(again.tokens.accessToken)).authTime).toBeGreaterThanOrEqual(validAfter);
    const refreshed = await idp.refresh(again.tokens.refreshToken as string);
    expect((await idp.verifyAccessToken(refreshed.accessToken)).authTime).toBeGreaterThanOrEqual(validAfter);
    // Another user's session is untouched.
    expect((await idp.refresh(bystander.tokens.refreshToken as string)).accessToken).toEqual(expect.any(String));
  });

  it('refreshes the tokens with the refresh token, and refuses a made-up one', async () => {
    const { email, tokens } = await signedUpUser();
    const refreshed = await idp.refresh(tokens.refreshToken as string);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(await idp.verifyAccessToken(refreshed.accessToken)).toMatchObject({ username: email });
    await expect(idp.refresh('not-a-refresh-token')).rejects.toBeInstanceOf(SignInRefusedError);
  });
});

/** The same client, except that a command of `failing`'s kind throws instead of being sent. */
function failingOn(client: LocalCognito['client'], failing: abstract new (...args: never[]) => unknown) {
  return new Proxy(client, {
    get(target, key, receiver) {
      if (key !== 'send') return Reflect.get(target, key, receiver);
      return (command: unknown) => {
        if (command instanceof failing) return Promise.reject(new Error('the password step failed'));
        return target.send(command as never);
      };
    },
  });
}

function identityFor(cognito: LocalCognito, clientId: string): CognitoIdentity {
  return new CognitoIdentity({
    client: cognito.client,
    userPoolId: cognito.userPoolId,
    clientId,
    issuer: cognito.issuer,
    jwksUrl: cognito.jwksUrl,
  });
}

async function newAppClient(cognito: LocalCognito, name: string, validity: number, unit: 'seconds' | 'hours') {
  const out = await cognito.client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: cognito.userPoolId,
      ClientName: name,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AccessTokenValidity: validity,
      TokenValidityUnits: { AccessToken: unit },
    }),
  );
  return out.UserPoolClient?.ClientId as string;
}

async function enroll(idp: CognitoIdentity, accessToken: string): Promise<TOTP> {
  const { secret } = await idp.startTotp(accessToken);
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  expect(await idp.verifyTotp(accessToken, totp.generate())).toBe(true);
  return totp;
}

/** A six-digit code that is none of the codes of the previous, current or next 30 s window. */
function wrongCode(totp: TOTP): string {
  const now = Date.now();
  const valid = new Set([-60_000, -30_000, 0, 30_000, 60_000].map((d) => totp.generate({ timestamp: now + d })));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

/** The same token with one byte of its signature changed (a byte in the middle: the last may only be padding bits). */
function flipSignatureByte(jwt: string): string {
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  const bytes = Buffer.from(signature, 'base64url');
  bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0x01;
  return `${header}.${payload}.${bytes.toString('base64url')}`;
}
