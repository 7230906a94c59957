/**
 * The identity provider (issue 19): sign-up, sign-in, TOTP two-factor. Amazon Cognito in AWS; locally and in tests
 * the same adapter (adapters/aws/cognito-identity.ts) against cognito-local. Email confirmation is the pool's own
 * (a link mailed through the Mailer port), which then confirms the user with the provider.
 */

export interface AuthTokens {
  accessToken: string;
  idToken: string;
  refreshToken?: string;
  expiresInSeconds: number;
}

/** A password sign-in either ends with tokens or asks for the TOTP code (the session carries the state). */
export type SignInResult = { kind: 'tokens'; tokens: AuthTokens } | { kind: 'totp'; session: string };

/** Who a verified access token belongs to. */
export interface TokenSubject {
  sub: string;
  /** The provider's user name (the email for this pool). */
  username: string;
  /**
   * When the user signed in to get this token (ms, the provider's clock; Cognito's `auth_time`, whole seconds): a
   * refresh keeps it. Compared with the account's `tokensValidAfter` (signOutEverywhere).
   */
  authTime: number;
}

/** Wrong email or password, unconfirmed user, unknown user: one error, so nobody learns which (no enumeration). */
export class SignInRefusedError extends Error {
  constructor() {
    super('the email or the password is wrong');
  }
}

export interface IdentityProvider {
  /** Creates an unconfirmed user. An email already signed up answers `exists` (the caller must not reveal it). */
  signUp(email: string, password: string): Promise<{ sub: string } | 'exists'>;
  /** Confirms the user (the pool's emailed link was followed): signing in works from now on. */
  confirmUser(email: string): Promise<void>;
  /** Whether confirmUser ran for this user (false for an unknown email). */
  isConfirmed(email: string): Promise<boolean>;
  /**
   * Sets the user's password (permanent), as the holder of an emailed link chose it: at confirmation and at a reset.
   * A password the provider's policy refuses is a core/errors BadRequestError.
   */
  setPassword(email: string, password: string): Promise<void>;
  /** Password sign-in; throws SignInRefusedError on any refusal. */
  signIn(email: string, password: string): Promise<SignInResult>;
  /** The TOTP step of a sign-in; throws SignInRefusedError on a wrong or expired code. */
  answerTotp(email: string, session: string, code: string): Promise<AuthTokens>;
  refresh(refreshToken: string): Promise<AuthTokens>;
  /** TOTP enrollment: a new secret (base32) for the signed-in user. */
  startTotp(accessToken: string): Promise<{ secret: string }>;
  /** Checks the first code against the new secret and turns TOTP on. false for a wrong code. */
  verifyTotp(accessToken: string, code: string): Promise<boolean>;
  /** Turns TOTP off (recovery code used, by the pool on the account's behalf). */
  disableTotp(email: string): Promise<void>;
  totpEnabled(email: string): Promise<boolean>;
  /**
   * Ends every session of the user (Cognito's AdminUserGlobalSignOut): its refresh tokens are revoked, its access
   * tokens refused by the provider's own calls. verifyAccessToken cannot know of it (a token is checked by its
   * signature), so this answers the time (ms, the provider's clock) from which tokens count: every token issued before
   * has an `authTime` before it, and the promise resolves only once a new sign-in's `authTime` is at or after it.
   */
  signOutEverywhere(email: string): Promise<number>;
  /** Checks an access token's signature, issuer, client and expiry; throws on any failure. */
  verifyAccessToken(accessToken: string): Promise<TokenSubject>;

  // Passkeys (WebAuthn), optional beside the password: Cognito's StartWebAuthnRegistration /
  // CompleteWebAuthnRegistration / ListWebAuthnCredentials / DeleteWebAuthnCredential and the USER_AUTH flow's
  // WEB_AUTHN challenge. Options and credentials are the WebAuthn JSON forms (PublicKeyCredentialCreationOptionsJSON,
  // RegistrationResponseJSON, PublicKeyCredentialRequestOptionsJSON, AuthenticationResponseJSON), passed as they are.

  /** The creation options for a new passkey of the signed-in user (its challenge is single use). */
  startPasskeyRegistration(accessToken: string): Promise<PasskeyJson>;
  /** Checks the authenticator's answer against the open registration and stores the passkey; throws on a refusal. */
  completePasskeyRegistration(accessToken: string, credential: PasskeyJson): Promise<void>;
  listPasskeys(accessToken: string): Promise<Passkey[]>;
  /** Removes one of the signed-in user's passkeys; core/errors NotFoundError if it has none with this id. */
  deletePasskey(accessToken: string, credentialId: string): Promise<void>;
  /**
   * A passkey sign-in's first step: the request options and the session. A user who cannot sign in with a passkey
   * (unknown, or without one) gets no options but still the provider's own session of that answer, which no assertion
   * passes: a decoy in the provider's format. SignInRefusedError when the provider answers with no session at all.
   */
  startPasskeySignIn(email: string): Promise<{ session: string; options?: PasskeyJson }>;
  /** The authenticator's assertion for that session; SignInRefusedError on any refusal (used session included). */
  answerPasskey(email: string, session: string, credential: PasskeyJson): Promise<AuthTokens>;
}

/** A WebAuthn JSON object (options or an authenticator's response), checked by the provider, not here. */
export type PasskeyJson = Record<string, unknown>;

/** One of a user's passkeys, as ListWebAuthnCredentials describes it. */
export interface Passkey {
  /** base64url, as the authenticator made it. */
  id: string;
  /** The name the authenticator gave (or the provider's). */
  name: string;
  relyingPartyId: string;
  /** 'platform' (this device) or 'cross-platform' (a security key, a phone), when known. */
  attachment?: string;
  transports: string[];
  createdAt: number;
}
