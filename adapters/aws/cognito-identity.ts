import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  AdminUserGlobalSignOutCommand,
  AssociateSoftwareTokenCommand,
  type AuthenticationResultType,
  type CognitoIdentityProviderClient,
  CognitoIdentityProviderServiceException,
  CompleteWebAuthnRegistrationCommand,
  DeleteWebAuthnCredentialCommand,
  InitiateAuthCommand,
  type InitiateAuthCommandOutput,
  ListWebAuthnCredentialsCommand,
  RespondToAuthChallengeCommand,
  SetUserMFAPreferenceCommand,
  StartWebAuthnRegistrationCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
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

export interface CognitoIdentityOptions {
  client: CognitoIdentityProviderClient;
  userPoolId: string;
  /** The app client (no secret, USER_PASSWORD_AUTH and refresh allowed). */
  clientId: string;
  /** The pool's token issuer: `cognitoIssuer(region, userPoolId)` in AWS, LocalCognito.issuer locally. */
  issuer: string;
  /** The pool's public keys; `<issuer>/.well-known/jwks.json` when absent (as Cognito serves them). */
  jwksUrl?: string;
}

/** The `iss` of an Amazon Cognito user pool's tokens. */
export function cognitoIssuer(region: string, userPoolId: string): string {
  return `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
}

/**
 * Cognito failures that say nothing about the user (the service or the pool's configuration is at fault): they pass
 * through as they are. Every other refusal of a sign-in (unknown user, wrong password, unconfirmed user, wrong or
 * expired code, bad session, too many failures…) becomes SignInRefusedError, so no answer tells an email apart.
 */
const NOT_ABOUT_THE_USER = new Set([
  'InternalErrorException',
  'TooManyRequestsException',
  'ResourceNotFoundException',
  'InvalidUserPoolConfigurationException',
  'InvalidLambdaResponseException',
  'UnexpectedLambdaException',
  'UserLambdaValidationException',
]);

/** CompleteWebAuthnRegistration's refusals of the authenticator's answer (not of the service or the pool). */
const PASSKEY_REFUSALS = [
  'WebAuthnChallengeNotFoundException',
  'WebAuthnOriginNotAllowedException',
  'WebAuthnRelyingPartyMismatchException',
  'WebAuthnClientMismatchException',
  'WebAuthnCredentialNotSupportedException',
  'InvalidParameterException',
  'NotAuthorizedException',
];

/**
 * The IdentityProvider on an Amazon Cognito user pool (in AWS) or cognito-local (local mode and tests, see
 * local/cognito.ts): the same calls either way.
 *
 * The pool uses the email itself as the user name (case-insensitive), so the access token's `username` claim is the
 * email. Nobody signs up with Cognito directly (the pool allows only administrators to create users: the app client
 * id is public, and a direct SignUp would skip the account API's limits and squat an email): `signUp` creates the
 * user with the Admin calls, disabled, and `confirmUser` enables it and marks the email verified once the pool's own
 * mailed link is followed. A user is "unconfirmed" here as long as it is disabled; Cognito refuses a disabled user
 * every sign-in and refresh. Access tokens are verified here against the pool's JWKS (signature, issuer, `token_use`,
 * `client_id`, expiry), and also before every call that takes one: cognito-local only decodes them.
 */
export class CognitoIdentity implements IdentityProvider {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly opts: CognitoIdentityOptions) {
    this.jwks = createRemoteJWKSet(new URL(opts.jwksUrl ?? `${opts.issuer}/.well-known/jwks.json`));
  }

  /**
   * Creates the user so that it cannot sign in at any moment before `confirmUser`: created with a random temporary
   * password nobody learns (no message sent), disabled, and only then given the chosen password (permanent). If a
   * step after the creation fails, the user is deleted again, so the email can sign up once more.
   */
  async signUp(email: string, password: string): Promise<{ sub: string } | 'exists'> {
    const { client, userPoolId } = this.opts;
    let sub: string | undefined;
    try {
      const created = await client.send(
        new AdminCreateUserCommand({
          UserPoolId: userPoolId,
          Username: email,
          TemporaryPassword: unguessableTemporaryPassword(),
          MessageAction: 'SUPPRESS',
          UserAttributes: [{ Name: 'email', Value: email }],
        }),
      );
      sub = created.User?.Attributes?.find((a) => a.Name === 'sub')?.Value;
    } catch (err) {
      if (isCognitoError(err, 'UsernameExistsException')) return 'exists';
      throw err;
    }
    try {
      if (!sub) throw new Error('the identity provider answered a sign-up without the user id');
      await client.send(new AdminDisableUserCommand({ UserPoolId: userPoolId, Username: email }));
      await this.setPassword(email, password);
      return { sub };
    } catch (err) {
      await client.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: email }));
      throw err;
    }
  }

  /** AdminSetUserPassword, permanent: the user's status becomes CONFIRMED (enabled or not is confirmUser's). */
  async setPassword(email: string, password: string): Promise<void> {
    try {
      await this.opts.client.send(
        new AdminSetUserPasswordCommand({
          UserPoolId: this.opts.userPoolId,
          Username: email,
          Password: password,
          Permanent: true,
        }),
      );
    } catch (err) {
      if (isCognitoError(err, 'InvalidPasswordException'))
        throw new BadRequestError(`the identity provider refused the password: ${err.message}`);
      throw err;
    }
  }

  /** Confirmed here means enabled: signUp leaves users disabled, confirmUser enables them. */
  async isConfirmed(email: string): Promise<boolean> {
    try {
      const user = await this.opts.client.send(
        new AdminGetUserCommand({ UserPoolId: this.opts.userPoolId, Username: email }),
      );
      return user.Enabled === true;
    } catch (err) {
      if (isCognitoError(err, 'UserNotFoundException')) return false;
      throw err;
    }
  }

  /** Marks the email verified, then enables the user (so an enabled user always has a verified email). Idempotent. */
  async confirmUser(email: string): Promise<void> {
    const { client, userPoolId } = this.opts;
    await client.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: userPoolId,
        Username: email,
        // The email is written with its verified flag (cognito-local refuses the flag alone; Cognito takes both).
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
    await client.send(new AdminEnableUserCommand({ UserPoolId: userPoolId, Username: email }));
  }

  async signIn(email: string, password: string): Promise<SignInResult> {
    const out = await refusalsAsSignInRefused(() =>
      this.opts.client.send(
        new InitiateAuthCommand({
          ClientId: this.opts.clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: email, PASSWORD: password },
        }),
      ),
    );
    return this.signInStep(email, out);
  }

  async answerTotp(email: string, session: string, code: string): Promise<AuthTokens> {
    const out = await refusalsAsSignInRefused(() =>
      this.opts.client.send(
        new RespondToAuthChallengeCommand({
          ClientId: this.opts.clientId,
          ChallengeName: 'SOFTWARE_TOKEN_MFA',
          Session: session,
          ChallengeResponses: { USERNAME: email, SOFTWARE_TOKEN_MFA_CODE: code },
        }),
      ),
    );
    if (!out.AuthenticationResult) throw new SignInRefusedError();
    return tokensOf(out.AuthenticationResult);
  }

  async refresh(refreshToken: string): Promise<AuthTokens> {
    const out = await refusalsAsSignInRefused(() =>
      this.opts.client.send(
        new InitiateAuthCommand({
          ClientId: this.opts.clientId,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: refreshToken },
        }),
      ),
    );
    if (!out.AuthenticationResult) throw new SignInRefusedError();
    return tokensOf(out.AuthenticationResult);
  }

  async startTotp(accessToken: string): Promise<{ secret: string }> {
    await this.verifyAccessToken(accessToken);
    const out = await this.opts.client.send(new AssociateSoftwareTokenCommand({ AccessToken: accessToken }));
    if (!out.SecretCode) throw new Error('the identity provider answered a TOTP enrollment without a secret');
    return { secret: out.SecretCode };
  }

  async verifyTotp(accessToken: string, code: string): Promise<boolean> {
    await this.verifyAccessToken(accessToken);
    try {
      const out = await this.opts.client.send(
        new VerifySoftwareTokenCommand({ AccessToken: accessToken, UserCode: code }),
      );
      if (out.Status !== 'SUCCESS') return false;
    } catch (err) {
      if (isCognitoError(err, 'CodeMismatchException', 'EnableSoftwareTokenMFAException', 'InvalidParameterException'))
        return false;
      throw err;
    }
    await this.opts.client.send(
      new SetUserMFAPreferenceCommand({
        AccessToken: accessToken,
        SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
      }),
    );
    return true;
  }

  async disableTotp(email: string): Promise<void> {
    await this.opts.client.send(
      new AdminSetUserMFAPreferenceCommand({
        UserPoolId: this.opts.userPoolId,
        Username: email,
        SoftwareTokenMfaSettings: { Enabled: false, PreferredMfa: false },
      }),
    );
  }

  async totpEnabled(email: string): Promise<boolean> {
    const user = await this.opts.client.send(
      new AdminGetUserCommand({ UserPoolId: this.opts.userPoolId, Username: email }),
    );
    return user.UserMFASettingList?.includes('SOFTWARE_TOKEN_MFA') ?? false;
  }

  /**
   * AdminUserGlobalSignOut, then a wait for the next whole second: tokens carry their times in whole seconds, so the
   * tokens of a sign-in in the second of the sign-out could not be told from those it revoked. Every token issued
   * before the call has an auth_time before the answer; a sign-in after the wait has one at or after it.
   */
  async signOutEverywhere(email: string): Promise<number> {
    await this.opts.client.send(
      new AdminUserGlobalSignOutCommand({ UserPoolId: this.opts.userPoolId, Username: email }),
    );
    const validAfter = Math.ceil((Date.now() + 1) / 1000) * 1000;
    await sleep(validAfter - Date.now());
    return validAfter;
  }

  async verifyAccessToken(accessToken: string): Promise<TokenSubject> {
    const { payload } = await jwtVerify(accessToken, this.jwks, {
      issuer: this.opts.issuer,
      algorithms: ['RS256'],
      requiredClaims: ['exp', 'sub', 'iat'],
    });
    // An id token is signed by the same key: only an access token for this app client is one.
    if (payload.token_use !== 'access') throw new Error('not an access token');
    if (payload.client_id !== this.opts.clientId) throw new Error('an access token for another app client');
    if (typeof payload.sub !== 'string' || typeof payload.username !== 'string')
      throw new Error('an access token without a subject');
    // auth_time: when the user signed in (Cognito keeps it through refreshes); the token's own iat if absent.
    const authSeconds = typeof payload.auth_time === 'number' ? payload.auth_time : payload.iat;
    if (typeof authSeconds !== 'number') throw new Error('an access token without its time');
    return { sub: payload.sub, username: payload.username, authTime: authSeconds * 1000 };
  }

  async startPasskeyRegistration(accessToken: string): Promise<PasskeyJson> {
    await this.verifyAccessToken(accessToken);
    const out = await this.opts.client.send(new StartWebAuthnRegistrationCommand({ AccessToken: accessToken }));
    if (!isJsonObject(out.CredentialCreationOptions))
      throw new Error('the identity provider answered a passkey registration without creation options');
    return out.CredentialCreationOptions;
  }

  async completePasskeyRegistration(accessToken: string, credential: PasskeyJson): Promise<void> {
    await this.verifyAccessToken(accessToken);
    try {
      await this.opts.client.send(
        new CompleteWebAuthnRegistrationCommand({ AccessToken: accessToken, Credential: credential as never }),
      );
    } catch (err) {
      // A wrong origin or RP id, a challenge used or never issued, a bad signature: the user's answer is refused.
      if (isCognitoError(err, ...PASSKEY_REFUSALS)) throw new PasskeyRefusedError(err.name);
      throw err;
    }
  }

  async listPasskeys(accessToken: string): Promise<Passkey[]> {
    await this.verifyAccessToken(accessToken);
    const passkeys: Passkey[] = [];
    let next: string | undefined;
    do {
      const out = await this.opts.client.send(
        new ListWebAuthnCredentialsCommand({ AccessToken: accessToken, MaxResults: 20, NextToken: next }),
      );
      for (const c of out.Credentials ?? []) {
        passkeys.push({
          id: c.CredentialId ?? '',
          name: c.FriendlyCredentialName ?? '',
          relyingPartyId: c.RelyingPartyId ?? '',
          ...(c.AuthenticatorAttachment ? { attachment: c.AuthenticatorAttachment } : {}),
          transports: c.AuthenticatorTransports ?? [],
          createdAt: c.CreatedAt?.getTime() ?? 0,
        });
      }
      next = out.NextToken;
    } while (next);
    return passkeys;
  }

  async deletePasskey(accessToken: string, credentialId: string): Promise<void> {
    await this.verifyAccessToken(accessToken);
    try {
      await this.opts.client.send(
        new DeleteWebAuthnCredentialCommand({ AccessToken: accessToken, CredentialId: credentialId }),
      );
    } catch (err) {
      if (isCognitoError(err, 'ResourceNotFoundException')) throw new NotFoundError('no such passkey');
      throw err;
    }
  }

  async startPasskeySignIn(email: string): Promise<{ session: string; options?: PasskeyJson }> {
    const out = await refusalsAsSignInRefused(() =>
      this.opts.client.send(
        new InitiateAuthCommand({
          ClientId: this.opts.clientId,
          AuthFlow: 'USER_AUTH',
          AuthParameters: { USERNAME: email, PREFERRED_CHALLENGE: 'WEB_AUTHN' },
        }),
      ),
    );
    if (!out.Session) throw new SignInRefusedError();
    // A user without a passkey (or, with PreventUserExistenceErrors, an unknown one) gets another challenge or the
    // choice of them: no options, but the session stays, a decoy in Cognito's own format.
    const options =
      out.ChallengeName === 'WEB_AUTHN'
        ? parseJsonObject(out.ChallengeParameters?.CREDENTIAL_REQUEST_OPTIONS)
        : undefined;
    return { session: out.Session, ...(options ? { options } : {}) };
  }

  async answerPasskey(email: string, session: string, credential: PasskeyJson): Promise<AuthTokens> {
    const out = await refusalsAsSignInRefused(() =>
      this.opts.client.send(
        new RespondToAuthChallengeCommand({
          ClientId: this.opts.clientId,
          ChallengeName: 'WEB_AUTHN',
          Session: session,
          ChallengeResponses: { USERNAME: email, CREDENTIAL: JSON.stringify(credential) },
        }),
      ),
    );
    if (!out.AuthenticationResult) throw new SignInRefusedError();
    return tokensOf(out.AuthenticationResult);
  }

  private async signInStep(email: string, out: InitiateAuthCommandOutput): Promise<SignInResult> {
    if (out.AuthenticationResult) return { kind: 'tokens', tokens: tokensOf(out.AuthenticationResult) };
    if (out.ChallengeName === 'SOFTWARE_TOKEN_MFA' && out.Session) return { kind: 'totp', session: out.Session };
    if (out.ChallengeName === 'SELECT_MFA_TYPE' && out.Session) {
      // Only when SMS MFA is on too (the pool has none): choose the authenticator app.
      const next = await refusalsAsSignInRefused(() =>
        this.opts.client.send(
          new RespondToAuthChallengeCommand({
            ClientId: this.opts.clientId,
            ChallengeName: 'SELECT_MFA_TYPE',
            Session: out.Session,
            ChallengeResponses: { USERNAME: email, ANSWER: 'SOFTWARE_TOKEN_MFA' },
          }),
        ),
      );
      if (next.ChallengeName === 'SOFTWARE_TOKEN_MFA' && next.Session) return { kind: 'totp', session: next.Session };
    }
    // MFA_SETUP (MFA required), NEW_PASSWORD_REQUIRED (an admin-created user): the pool is not configured so.
    throw new Error(`the identity provider asked for an unexpected sign-in step ${out.ChallengeName ?? '(none)'}`);
  }
}

/**
 * A temporary password for the instant between AdminCreateUser and AdminDisableUser: 192 random bits nobody ever
 * sees (the creation mails nothing), plus one character of each class the pool's password policy asks for.
 */
function unguessableTemporaryPassword(): string {
  return `${randomBytes(24).toString('base64url')}aA1`;
}

/** The authenticator's answer to a passkey registration was refused (origin, RP id, challenge, signature). */
export class PasskeyRefusedError extends BadRequestError {
  constructor(reason: string) {
    super(`the passkey was refused (${reason}): start again`);
  }
}

function isJsonObject(value: unknown): value is PasskeyJson {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJsonObject(text: string | undefined): PasskeyJson | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isCognitoError(err: unknown, ...names: string[]): err is CognitoIdentityProviderServiceException {
  return err instanceof CognitoIdentityProviderServiceException && names.includes(err.name);
}

async function refusalsAsSignInRefused<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof CognitoIdentityProviderServiceException && !NOT_ABOUT_THE_USER.has(err.name))
      throw new SignInRefusedError();
    throw err;
  }
}

function tokensOf(result: AuthenticationResultType): AuthTokens {
  const { AccessToken: accessToken, IdToken: idToken, RefreshToken: refreshToken } = result;
  if (!accessToken || !idToken) throw new Error('the identity provider answered a sign-in without tokens');
  // cognito-local leaves ExpiresIn out: the access token's own expiry says the same.
  const expiresInSeconds =
    result.ExpiresIn ?? Math.max(0, (decodeJwt(accessToken).exp ?? 0) - Math.floor(Date.now() / 1000));
  return { accessToken, idToken, ...(refreshToken ? { refreshToken } : {}), expiresInSeconds };
}
