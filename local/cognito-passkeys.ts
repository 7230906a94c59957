import { randomBytes } from 'node:crypto';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { Route } from 'cognito-local/lib/server/Router.js';
import type { Services } from 'cognito-local/lib/services/index.js';
import type { User } from 'cognito-local/lib/services/userPoolService.js';
import { decodeJwt } from 'jose';

/**
 * Amazon Cognito's passkey calls, emulated for cognito-local (which has none of them), with @simplewebauthn/server:
 * StartWebAuthnRegistration / CompleteWebAuthnRegistration / ListWebAuthnCredentials / DeleteWebAuthnCredential (by
 * access token) and the USER_AUTH flow's WEB_AUTHN challenge (InitiateAuth with PREFERRED_CHALLENGE=WEB_AUTHN, then
 * RespondToAuthChallenge with CREDENTIAL), in Cognito's request and answer shapes, so that the Cognito adapter runs
 * the same calls locally as in AWS.
 *
 * As the pool in AWS is set up (infra/stacks/accounts-stack.ts): the relying party is the dashboard's host, user
 * verification is required, and a passkey with user verification is a sign-in of its own (no TOTP step after it).
 * Every challenge is single use: a registration's is dropped when it is completed (or replaced), a sign-in's session
 * when it is answered, right or wrong, and both expire. The passkeys are kept with the emulated user
 * (`WebAuthnCredentials`), their signature counters too.
 */

export interface LocalPasskeyOptions {
  /** The WebAuthn relying party id: the dashboard's host name (a browser refuses an IP address). */
  relyingPartyId: string;
  /** The only origin whose answers are taken: the dashboard's (accounts.publicUrl). */
  origin: string;
}

/** A passkey as the emulated user keeps it. */
interface StoredPasskey {
  id: string;
  /** COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports: string[];
  attachment?: string;
  name: string;
  createdAt: number;
}

type PasskeyUser = User & { WebAuthnCredentials?: StoredPasskey[] };

/** Cognito's lifetime of a registration challenge and of a sign-in session (3 minutes, as for the TOTP step). */
const CHALLENGE_MS = 3 * 60_000;
const TIMEOUT_MS = 3 * 60_000;
const MAX_PASSKEYS = 20;
/** ES256 and RS256, as Cognito offers (and no experimental algorithm of the running Node). */
const ALGORITHMS = [-7, -257];

type CognitoErrorClass = new (code: string, message: string) => Error;

export function localPasskeys(
  services: Services,
  opts: LocalPasskeyOptions | undefined,
  CognitoError: CognitoErrorClass,
) {
  const refuse = (code: string, message: string) => new CognitoError(code, message);
  const registrations = new Map<string, { challenge: string; expires: number }>();
  const sessions = new Map<string, { username: string; challenge: string; expires: number }>();
  const sweep = (now: number) => {
    for (const [k, v] of registrations) if (v.expires <= now) registrations.delete(k);
    for (const [k, v] of sessions) if (v.expires <= now) sessions.delete(k);
  };

  const config = (): LocalPasskeyOptions => {
    if (!opts) throw refuse('WebAuthnConfigurationMissingException', 'The user pool has no passkey relying party.');
    return opts;
  };

  /** The user an access token names (cognito-local decodes tokens only; the adapter verifies them before a call). */
  const tokenUser = async (ctx: Ctx, accessToken: unknown) => {
    const claims = decodeClaims(accessToken);
    if (claims?.token_use !== 'access' || typeof claims.client_id !== 'string' || typeof claims.sub !== 'string')
      throw refuse('NotAuthorizedException', 'Invalid Access Token');
    const pool = await services.cognito.getUserPoolForClientId(ctx, claims.client_id);
    const user = (await pool.getUserByUsername(ctx, claims.sub)) as PasskeyUser | null;
    if (!user) throw refuse('NotAuthorizedException', 'Invalid Access Token');
    return { pool, user };
  };

  const startRegistration: Route = async (ctx, req: { AccessToken?: string }) => {
    const rp = config();
    const { user } = await tokenUser(ctx, req.AccessToken);
    const owned = user.WebAuthnCredentials ?? [];
    if (owned.length >= MAX_PASSKEYS) throw refuse('LimitExceededException', 'Too many passkeys.');
    const options = await generateRegistrationOptions({
      rpName: rp.relyingPartyId,
      rpID: rp.relyingPartyId,
      userName: user.Username,
      userID: new TextEncoder().encode(subOf(user)),
      timeout: TIMEOUT_MS,
      attestationType: 'none',
      supportedAlgorithmIDs: ALGORITHMS,
      excludeCredentials: owned.map((c) => ({ id: c.id, transports: c.transports })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    const now = Date.now();
    sweep(now);
    registrations.set(user.Username, { challenge: options.challenge, expires: now + CHALLENGE_MS });
    return { CredentialCreationOptions: options };
  };

  const completeRegistration: Route = async (ctx, req: { AccessToken?: string; Credential?: unknown }) => {
    const rp = config();
    const { pool, user } = await tokenUser(ctx, req.AccessToken);
    const open = registrations.get(user.Username);
    registrations.delete(user.Username);
    if (!open || open.expires <= Date.now())
      throw refuse('WebAuthnChallengeNotFoundException', 'No open passkey registration.');
    const response = req.Credential as RegistrationResponseJSON;
    let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verified = await verifyRegistrationResponse({
        response,
        expectedChallenge: open.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.relyingPartyId,
        requireUserVerification: true,
        supportedAlgorithmIDs: ALGORITHMS,
      });
    } catch (err) {
      throw refuse('WebAuthnClientMismatchException', `The passkey was refused: ${(err as Error).message}`);
    }
    if (!verified.verified) throw refuse('WebAuthnClientMismatchException', 'The passkey was refused.');
    const { credential } = verified.registrationInfo;
    const owned = user.WebAuthnCredentials ?? [];
    if (owned.some((c) => c.id === credential.id))
      throw refuse('WebAuthnCredentialNotSupportedException', 'This passkey is registered already.');
    const attachment = response.authenticatorAttachment;
    const stored: StoredPasskey = {
      id: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: credential.transports ?? [],
      ...(attachment ? { attachment } : {}),
      name: `passkey ${owned.length + 1}`,
      createdAt: Date.now(),
    };
    await pool.saveUser(ctx, { ...user, WebAuthnCredentials: [...owned, stored] } as PasskeyUser);
    return {};
  };

  const list: Route = async (ctx, req: { AccessToken?: string }) => {
    const rp = config();
    const { user } = await tokenUser(ctx, req.AccessToken);
    return {
      Credentials: (user.WebAuthnCredentials ?? []).map((c) => ({
        CredentialId: c.id,
        FriendlyCredentialName: c.name,
        RelyingPartyId: rp.relyingPartyId,
        ...(c.attachment ? { AuthenticatorAttachment: c.attachment } : {}),
        AuthenticatorTransports: c.transports,
        CreatedAt: new Date(c.createdAt),
      })),
    };
  };

  const remove: Route = async (ctx, req: { AccessToken?: string; CredentialId?: string }) => {
    const { pool, user } = await tokenUser(ctx, req.AccessToken);
    const owned = user.WebAuthnCredentials ?? [];
    const kept = owned.filter((c) => c.id !== req.CredentialId);
    if (kept.length === owned.length) throw refuse('ResourceNotFoundException', 'No such passkey.');
    await pool.saveUser(ctx, { ...user, WebAuthnCredentials: kept } as PasskeyUser);
    return {};
  };

  /** InitiateAuth with AuthFlow USER_AUTH: the WEB_AUTHN challenge for a confirmed user with a passkey. */
  const initiate = async (ctx: Ctx, req: InitiateRequest) => {
    const rp = config();
    const pool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId);
    const client = await services.cognito.getAppClient(ctx, req.ClientId);
    if (!client?.ExplicitAuthFlows?.includes('ALLOW_USER_AUTH'))
      throw refuse('InvalidParameterException', 'USER_AUTH flow not enabled for this client');
    if (req.AuthParameters?.PREFERRED_CHALLENGE !== 'WEB_AUTHN')
      throw refuse('InvalidParameterException', 'Only PREFERRED_CHALLENGE=WEB_AUTHN is emulated.');
    const user = (await pool.getUserByUsername(ctx, req.AuthParameters.USERNAME ?? '')) as PasskeyUser | null;
    const owned = user?.WebAuthnCredentials ?? [];
    if (user && (!user.Enabled || user.UserStatus !== 'CONFIRMED'))
      throw refuse('NotAuthorizedException', 'User is disabled.');
    // No passkey, or (PreventUserExistenceErrors) no such user: the choice of the other challenges, as Cognito
    // answers, with a session no WEB_AUTHN answer passes.
    if (!user || owned.length === 0)
      return { ChallengeName: 'SELECT_CHALLENGE', AvailableChallenges: ['PASSWORD'], Session: newSession() };
    const options = await generateAuthenticationOptions({
      rpID: rp.relyingPartyId,
      allowCredentials: owned.map((c) => ({ id: c.id, transports: c.transports as never })),
      userVerification: 'required',
      timeout: TIMEOUT_MS,
    });
    const now = Date.now();
    sweep(now);
    const session = newSession();
    sessions.set(session, { username: user.Username, challenge: options.challenge, expires: now + CHALLENGE_MS });
    return {
      ChallengeName: 'WEB_AUTHN',
      ChallengeParameters: { CREDENTIAL_REQUEST_OPTIONS: JSON.stringify(options) },
      Session: session,
    };
  };

  /** RespondToAuthChallenge with WEB_AUTHN: the assertion checked against the session's challenge, tokens minted. */
  const answer = async (ctx: Ctx, req: AnswerRequest) => {
    const rp = config();
    const held = req.Session === undefined ? undefined : sessions.get(req.Session);
    if (req.Session !== undefined) sessions.delete(req.Session);
    const pool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId);
    const client = await services.cognito.getAppClient(ctx, req.ClientId);
    const user = (await pool.getUserByUsername(ctx, req.ChallengeResponses?.USERNAME ?? '')) as PasskeyUser | null;
    if (!held || held.expires <= Date.now() || !user || !client || held.username !== user.Username)
      throw refuse('NotAuthorizedException', 'Invalid session for the user.');
    let response: AuthenticationResponseJSON;
    try {
      response = JSON.parse(req.ChallengeResponses?.CREDENTIAL ?? '');
    } catch {
      throw refuse('InvalidParameterException', 'CREDENTIAL is not JSON.');
    }
    const owned = user.WebAuthnCredentials ?? [];
    const stored = owned.find((c) => c.id === response?.id);
    if (!stored) throw refuse('NotAuthorizedException', 'Incorrect username or password.');
    let newCounter: number;
    try {
      const verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: held.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.relyingPartyId,
        credential: {
          id: stored.id,
          publicKey: Buffer.from(stored.publicKey, 'base64url'),
          counter: stored.counter,
          transports: stored.transports as never,
        },
        requireUserVerification: true,
      });
      if (!verified.verified) throw new Error('not verified');
      newCounter = verified.authenticationInfo.newCounter;
    } catch {
      throw refuse('NotAuthorizedException', 'Incorrect username or password.');
    }
    const updated: PasskeyUser = {
      ...user,
      WebAuthnCredentials: owned.map((c) => (c.id === stored.id ? { ...c, counter: newCounter } : c)),
    };
    await pool.saveUser(ctx, updated);
    // Minted as cognito-local mints a password sign-in's tokens (its InitiateAuth), the refresh token kept.
    const groups = await pool.listUserGroupMembership(ctx, updated);
    const tokens = await services.tokenGenerator.generate(ctx, updated, groups, client, undefined, 'Authentication');
    await pool.storeRefreshToken(ctx, tokens.RefreshToken, updated);
    return { ChallengeParameters: {}, AuthenticationResult: tokens };
  };

  return {
    /** The emulated calls by target, or undefined for the ones cognito-local answers itself. */
    route(target: string): Route | undefined {
      if (target === 'StartWebAuthnRegistration') return startRegistration;
      if (target === 'CompleteWebAuthnRegistration') return completeRegistration;
      if (target === 'ListWebAuthnCredentials') return list;
      if (target === 'DeleteWebAuthnCredential') return remove;
      return undefined;
    },
    /** InitiateAuth: USER_AUTH here, the rest to cognito-local's own (`other`). */
    initiateAuth:
      (other: Route): Route =>
      (ctx, req: InitiateRequest) =>
        req.AuthFlow === 'USER_AUTH' ? initiate(ctx, req) : other(ctx, req),
    /** RespondToAuthChallenge: WEB_AUTHN here, the rest to `other`. */
    respondToAuthChallenge:
      (other: Route): Route =>
      (ctx, req: AnswerRequest) =>
        req.ChallengeName === 'WEB_AUTHN' ? answer(ctx, req) : other(ctx, req),
  };
}

type Ctx = Parameters<Route>[0];

interface InitiateRequest {
  ClientId: string;
  AuthFlow?: string;
  AuthParameters?: Record<string, string>;
}

interface AnswerRequest {
  ClientId: string;
  ChallengeName?: string;
  Session?: string;
  ChallengeResponses?: Record<string, string>;
}

/** A sign-in session: 64 random characters. */
const newSession = () => randomBytes(48).toString('base64url');

function subOf(user: User): string {
  return user.Attributes.find((a) => a.Name === 'sub')?.Value ?? user.Username;
}

function decodeClaims(token: unknown): Record<string, unknown> | undefined {
  if (typeof token !== 'string') return undefined;
  try {
    return decodeJwt(token);
  } catch {
    return undefined;
  }
}
