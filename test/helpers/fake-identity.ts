import { randomUUID } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { BadRequestError, NotFoundError } from '../../core/errors.js';
import {
  type AuthTokens,
  type IdentityProvider,
  type Passkey,
  type PasskeyJson,
  SignInRefusedError,
  type SignInResult,
  type TokenSubject,
} from '../../core/ports/identity.js';

/**
 * An in-memory identity provider with Cognito's behaviour as the port describes it (unconfirmed users cannot sign in,
 * TOTP by RFC 6238 with otpauth, one refusal for every sign-in failure), for the account use cases' unit tests; the
 * integration tests run the same use cases against cognito-local.
 */
export class FakeIdentity implements IdentityProvider {
  private readonly users = new Map<
    string,
    {
      sub: string;
      password: string;
      confirmed: boolean;
      totp?: string;
      pendingTotp?: string;
      passkeys?: Passkey[];
      pendingPasskey?: string;
    }
  >();
  private readonly passkeySessions = new Map<string, { email: string; challenge: string }>();
  private readonly sessions = new Map<string, string>();
  private readonly tokens = new Map<string, TokenSubject>();
  private readonly refreshTokens = new Map<string, TokenSubject>();

  async signUp(email: string, password: string): Promise<{ sub: string } | 'exists'> {
    if (this.users.has(email)) return 'exists';
    const sub = randomUUID();
    this.users.set(email, { sub, password, confirmed: false });
    return { sub };
  }

  async confirmUser(email: string): Promise<void> {
    this.user(email).confirmed = true;
  }

  async isConfirmed(email: string): Promise<boolean> {
    return this.users.get(email)?.confirmed ?? false;
  }

  async setPassword(email: string, password: string): Promise<void> {
    this.user(email).password = password;
  }

  async signIn(email: string, password: string): Promise<SignInResult> {
    const u = this.users.get(email);
    if (!u?.confirmed || u.password !== password) throw new SignInRefusedError();
    if (u.totp === undefined) return { kind: 'tokens', tokens: this.issue(email) };
    const session = randomUUID();
    this.sessions.set(session, email);
    return { kind: 'totp', session };
  }

  async answerTotp(email: string, session: string, code: string): Promise<AuthTokens> {
    const u = this.users.get(email);
    if (this.sessions.get(session) !== email || !u?.totp || !valid(u.totp, code)) throw new SignInRefusedError();
    this.sessions.delete(session);
    return this.issue(email);
  }

  async refresh(refreshToken: string): Promise<AuthTokens> {
    const subject = this.refreshTokens.get(refreshToken);
    if (!subject) throw new SignInRefusedError();
    return this.issue(subject.username, subject.authTime); // as Cognito: a refresh keeps the sign-in's auth_time
  }

  /**
   * Revokes the user's refresh tokens, as Cognito does. Its access tokens stay valid here, as they do for the real
   * adapter's verifyAccessToken (a signature check): refusing them is the account API's part. Times are in ms here.
   */
  async signOutEverywhere(email: string): Promise<number> {
    for (const [token, s] of this.refreshTokens) if (s.username === email) this.refreshTokens.delete(token);
    const validAfter = Date.now() + 1;
    await new Promise((r) => setTimeout(r, 2));
    return validAfter;
  }

  async startTotp(accessToken: string): Promise<{ secret: string }> {
    const u = this.user((await this.verifyAccessToken(accessToken)).username);
    u.pendingTotp = new Secret({ size: 20 }).base32;
    return { secret: u.pendingTotp };
  }

  async verifyTotp(accessToken: string, code: string): Promise<boolean> {
    const u = this.user((await this.verifyAccessToken(accessToken)).username);
    if (!u.pendingTotp || !valid(u.pendingTotp, code)) return false;
    u.totp = u.pendingTotp;
    delete u.pendingTotp;
    return true;
  }

  async disableTotp(email: string): Promise<void> {
    delete this.user(email).totp;
  }

  async totpEnabled(email: string): Promise<boolean> {
    return this.users.get(email)?.totp !== undefined;
  }

  async verifyAccessToken(accessToken: string): Promise<TokenSubject> {
    const s = this.tokens.get(accessToken);
    if (!s) throw new Error('invalid token');
    return s;
  }

  // Passkeys: a "credential" here is `{ id, challenge }` (FakeIdentity.passkeyAnswer), the challenge standing for the
  // authenticator's signature over it; the WebAuthn checks themselves are the provider's (tested against cognito-local).

  async startPasskeyRegistration(accessToken: string): Promise<PasskeyJson> {
    const u = this.user((await this.verifyAccessToken(accessToken)).username);
    u.pendingPasskey = randomUUID();
    return { challenge: u.pendingPasskey, rp: { id: 'pool.example', name: 'pool.example' } };
  }

  async completePasskeyRegistration(accessToken: string, credential: PasskeyJson): Promise<void> {
    const u = this.user((await this.verifyAccessToken(accessToken)).username);
    const challenge = u.pendingPasskey;
    delete u.pendingPasskey;
    if (challenge === undefined || credential.challenge !== challenge || typeof credential.id !== 'string')
      throw new BadRequestError('the passkey was refused');
    const passkey = { id: credential.id, name: 'passkey', relyingPartyId: 'pool.example', transports: ['internal'] };
    u.passkeys = [...(u.passkeys ?? []), { ...passkey, createdAt: Date.now() }];
  }

  async listPasskeys(accessToken: string): Promise<Passkey[]> {
    return this.user((await this.verifyAccessToken(accessToken)).username).passkeys ?? [];
  }

  async deletePasskey(accessToken: string, credentialId: string): Promise<void> {
    const u = this.user((await this.verifyAccessToken(accessToken)).username);
    const kept = (u.passkeys ?? []).filter((p) => p.id !== credentialId);
    if (kept.length === (u.passkeys ?? []).length) throw new NotFoundError('no such passkey');
    u.passkeys = kept;
  }

  async startPasskeySignIn(email: string): Promise<{ session: string; options?: PasskeyJson }> {
    const u = this.users.get(email);
    // As Cognito with PreventUserExistenceErrors: an unknown user is answered as one without a passkey.
    if (u && !u.confirmed) throw new SignInRefusedError();
    if (!u?.passkeys?.length) return { session: randomUUID() }; // a session nothing answers
    const session = randomUUID();
    const challenge = randomUUID();
    this.passkeySessions.set(session, { email, challenge });
    return { session, options: { challenge, rpId: 'pool.example', allowCredentials: u.passkeys.map((p) => p.id) } };
  }

  async answerPasskey(email: string, session: string, credential: PasskeyJson): Promise<AuthTokens> {
    const held = this.passkeySessions.get(session);
    this.passkeySessions.delete(session);
    const u = this.users.get(email);
    const known = u?.passkeys?.some((p) => p.id === credential.id);
    if (held?.email !== email || credential.challenge !== held.challenge || !known) throw new SignInRefusedError();
    return this.issue(email);
  }

  /** What an authenticator holding passkey `id` answers to `options` (the fake's stand-in for a signature). */
  static passkeyAnswer(id: string, options: PasskeyJson): PasskeyJson {
    return { id, challenge: options.challenge };
  }

  private user(email: string) {
    const u = this.users.get(email);
    if (!u) throw new Error(`no user ${email}`);
    return u;
  }

  private issue(email: string, authTime = Date.now()): AuthTokens {
    const subject = { sub: this.user(email).sub, username: email, authTime };
    const accessToken = `at-${randomUUID()}`;
    const refreshToken = `rt-${randomUUID()}`;
    this.tokens.set(accessToken, subject);
    this.refreshTokens.set(refreshToken, subject);
    return { accessToken, idToken: `id-${randomUUID()}`, refreshToken, expiresInSeconds: 3600 };
  }
}

const valid = (secret: string, code: string) =>
  new TOTP({ secret: Secret.fromBase32(secret) }).validate({ token: code, window: 1 }) !== null;

/** The current code of a TOTP secret, as the phone's app shows it. */
export const totpCode = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret) }).generate();
