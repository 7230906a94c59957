import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolCommand,
  type ExplicitAuthFlowsType,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  UpdateUserPoolClientCommand,
  UpdateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Route } from 'cognito-local/lib/server/Router.js';
import type { Services } from 'cognito-local/lib/services/index.js';
import { pino } from 'pino';
import { type LocalPasskeyOptions, localPasskeys } from './cognito-passkeys.js';

/** Where and how to reach the local user pool: what the Cognito adapter (adapters/aws/cognito-identity.ts) needs. */
export interface LocalCognito {
  /** cognito-local's HTTP endpoint (`endpoint` of the Cognito SDK client). */
  endpoint: string;
  region: string;
  userPoolId: string;
  clientId: string;
  /** The `iss` claim of the pool's tokens. */
  issuer: string;
  /** The pool's public keys (tokens are checked against them). */
  jwksUrl: string;
  /** An SDK client on the endpoint (dummy credentials; cognito-local does not check them). */
  client: CognitoIdentityProviderClient;
  stop(): Promise<void>;
}

/** The pool and the app client local mode creates once and finds again on the next start (by these names). */
export const LOCAL_USER_POOL_NAME = 'edgepool-local';
export const LOCAL_APP_CLIENT_NAME = 'edgepool-dashboard';
const REGION = 'local';

/**
 * Starts cognito-local (the Amazon Cognito user-pool emulator from npm) inside this process on 127.0.0.1 (`port`, or a
 * free one), its users kept under `<dataDir>/cognito`, and makes sure the pool exists: email as the user name (the
 * access token's `username` claim is then the email), TOTP MFA optional, no SMS, users created by the pool only
 * (AllowAdminCreateUserOnly, as in AWS), an app client with USER_PASSWORD_AUTH and refresh tokens and no secret.
 * Called again on the same dataDir it finds the same pool and client.
 *
 * Composed from cognito-local's own parts rather than its `start` script so that the data directory is ours (the
 * script uses `./.cognito` of the working directory), nothing is printed (its console "code delivery" is replaced by
 * a sink: the pool mails its own links), the Admin calls the adapter needs that cognito-local lacks
 * (AdminSetUserMFAPreference, to turn TOTP off after a recovery code; AdminUserGlobalSignOut, to end the sessions at a
 * password reset: refresh tokens only, see adminUserGlobalSignOut) are answered as Cognito does, and a sign-in's
 * challenge session is checked as Cognito checks it (cognito-local accepts any string, so a TOTP code alone would
 * sign in without the password step). Cognito's passkey calls, which cognito-local lacks too, are emulated with
 * `passkeys` as the pool's relying party (local/cognito-passkeys.ts); without it they answer as a pool without one.
 * Cognito's refusals cognito-local lacks are added too: SignUp on a pool that allows only administrators to create
 * users, any sign-in or refresh of a disabled user (the pool's unconfirmed users), and a sign-in of a user awaiting
 * its first password with any password but its temporary one.
 */
export async function startLocalCognito(opts: {
  dataDir: string;
  port?: number;
  passkeys?: LocalPasskeyOptions;
}): Promise<LocalCognito> {
  const cl = await loadCognitoLocal();
  const dbDir = join(opts.dataDir, 'cognito', 'db');
  await mkdir(dbDir, { recursive: true });
  const logger = pino({ level: 'silent' });
  const clock = new cl.DateClock();
  const dataStores = new cl.StormDBDataStoreFactory(dbDir);
  const cognito = await new cl.CognitoServiceFactoryImpl(
    dbDir,
    dataStores,
    new cl.UserPoolServiceFactoryImpl(clock, dataStores),
  ).create({ logger }, {});
  // No Lambda trigger is configured, so neither the Lambda client nor KMS is ever reached.
  const triggers = new cl.TriggersService(
    clock,
    cognito,
    new cl.LambdaService({}, {} as never),
    new cl.CryptoService(),
  );
  // The token generator reads IssuerDomain when it signs: set once the port is known.
  const tokenConfig = { IssuerDomain: '' };
  const services: Services = {
    clock,
    cognito,
    config: {} as Services['config'],
    messages: new cl.MessagesService(triggers, new cl.MessageDeliveryService(silentSender)),
    otp: cl.otp,
    tokenGenerator: new cl.JwtTokenGenerator(clock, triggers, tokenConfig),
    triggers,
  };
  const base = cl.Router(services);
  const sessions = challengeSessions(cl.NotAuthorizedError);
  const passkeys = localPasskeys(services, opts.passkeys, cl.CognitoError);
  const enabledOnly = enabledUsersOnly(services, cl.NotAuthorizedError);
  const router = (target: string): Route => {
    if (target === 'AdminSetUserMFAPreference') return adminSetUserMfaPreference(services, cl.UserNotFoundError);
    if (target === 'AdminUserGlobalSignOut') return adminUserGlobalSignOut(services, cl.UserNotFoundError);
    if (target === 'SignUp') return adminCreatedUsersOnly(services, cl.NotAuthorizedError)(base(target));
    if (target === 'InitiateAuth') return enabledOnly(passkeys.initiateAuth(sessions.issuing(base(target))));
    if (target === 'RespondToAuthChallenge')
      return enabledOnly(passkeys.respondToAuthChallenge(sessions.checking(base(target))));
    return passkeys.route(target) ?? base(target);
  };
  const server = (await cl
    .createServer(router, logger as never, { port: opts.port ?? 0, hostname: '127.0.0.1' }, services)
    .start()) as Server;
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  tokenConfig.IssuerDomain = endpoint;
  const client = new CognitoIdentityProviderClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const stop = async () => {
    client.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  try {
    const { userPoolId, clientId } = await ensurePool(client);
    const issuer = `${endpoint}/${userPoolId}`;
    return {
      endpoint,
      region: REGION,
      userPoolId,
      clientId,
      issuer,
      jwksUrl: `${issuer}/.well-known/jwks.json`,
      client,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The app client's flows, as in AWS: the password, refresh tokens, and USER_AUTH for passkey sign-in. */
const AUTH_FLOWS: ExplicitAuthFlowsType[] = ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_AUTH'];

/**
 * The local pool's settings. Only the pool creates users (AdminCreateUser from the account API, as in AWS): the app
 * client id is public, and a SignUp with it would skip the API's limits.
 */
const POOL_SETTINGS = {
  MfaConfiguration: 'OPTIONAL',
  AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
  Policies: {
    PasswordPolicy: {
      MinimumLength: 10,
      RequireLowercase: false,
      RequireUppercase: false,
      RequireNumbers: false,
      RequireSymbols: false,
    },
  },
} as const;

/**
 * Finds the local pool and its app client by name, or creates them (the first start on a data directory). A pool
 * made before self sign-up was turned off gets the current settings.
 */
async function ensurePool(client: CognitoIdentityProviderClient): Promise<{ userPoolId: string; clientId: string }> {
  const pools = await client.send(new ListUserPoolsCommand({ MaxResults: 60 }));
  let userPoolId = pools.UserPools?.find((p) => p.Name === LOCAL_USER_POOL_NAME)?.Id;
  if (!userPoolId) {
    const created = await client.send(
      new CreateUserPoolCommand({
        PoolName: LOCAL_USER_POOL_NAME,
        UsernameConfiguration: { CaseSensitive: false },
        ...POOL_SETTINGS,
      }),
    );
    userPoolId = created.UserPool?.Id;
    if (!userPoolId) throw new Error('cognito-local created a user pool without an id');
  } else {
    const pool = await client.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }));
    // cognito-local's UpdateUserPool replaces every setting: all of them are given.
    if (pool.UserPool?.AdminCreateUserConfig?.AllowAdminCreateUserOnly !== true)
      await client.send(new UpdateUserPoolCommand({ UserPoolId: userPoolId, ...POOL_SETTINGS }));
  }
  const clients = await client.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }));
  let clientId = clients.UserPoolClients?.find((c) => c.ClientName === LOCAL_APP_CLIENT_NAME)?.ClientId;
  if (clientId) {
    // A data directory from before passkeys: its client gets the USER_AUTH flow (the rest stays as it is).
    await client.send(
      new UpdateUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId, ExplicitAuthFlows: AUTH_FLOWS }),
    );
  } else {
    const created = await client.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: LOCAL_APP_CLIENT_NAME,
        ExplicitAuthFlows: AUTH_FLOWS,
        PreventUserExistenceErrors: 'ENABLED',
        GenerateSecret: false,
        AccessTokenValidity: 1,
        IdTokenValidity: 1,
        RefreshTokenValidity: 30,
        TokenValidityUnits: { AccessToken: 'hours', IdToken: 'hours', RefreshToken: 'days' },
      }),
    );
    clientId = created.UserPoolClient?.ClientId;
    if (!clientId) throw new Error('cognito-local created an app client without an id');
  }
  return { userPoolId, clientId };
}

/**
 * cognito-local's parts, loaded only when local mode has accounts. They sit on the AWS SDK v2, whose end-of-support
 * notice (printed once when it loads) is about the emulator's internals, not the pool: it is silenced.
 */
async function loadCognitoLocal() {
  process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';
  const [errors, server, router, cognitoService, crypto, stormDb, services, delivery, otp, tokens, userPools] =
    await Promise.all([
      import('cognito-local/lib/errors.js'),
      import('cognito-local/lib/server/server.js'),
      import('cognito-local/lib/server/Router.js'),
      import('cognito-local/lib/services/cognitoService.js'),
      import('cognito-local/lib/services/crypto.js'),
      import('cognito-local/lib/services/dataStore/stormDb.js'),
      import('cognito-local/lib/services/index.js'),
      import('cognito-local/lib/services/messageDelivery/messageDelivery.js'),
      import('cognito-local/lib/services/otp.js'),
      import('cognito-local/lib/services/tokenGenerator.js'),
      import('cognito-local/lib/services/userPoolService.js'),
    ]);
  return {
    CognitoError: errors.CognitoError,
    UserNotFoundError: errors.UserNotFoundError,
    NotAuthorizedError: errors.NotAuthorizedError,
    createServer: server.createServer,
    Router: router.Router,
    CognitoServiceFactoryImpl: cognitoService.CognitoServiceFactoryImpl,
    CryptoService: crypto.CryptoService,
    StormDBDataStoreFactory: stormDb.StormDBDataStoreFactory,
    DateClock: services.DateClock,
    LambdaService: services.LambdaService,
    MessagesService: services.MessagesService,
    TriggersService: services.TriggersService,
    MessageDeliveryService: delivery.MessageDeliveryService,
    otp: otp.otp,
    JwtTokenGenerator: tokens.JwtTokenGenerator,
    UserPoolServiceFactoryImpl: userPools.UserPoolServiceFactoryImpl,
  };
}

/** cognito-local would print confirmation codes to the console; the pool never asks Cognito to send any. */
const silentSender = {
  sendEmail: async () => {},
  sendSms: async () => {},
};

interface MfaSettings {
  Enabled?: boolean;
  PreferredMfa?: boolean;
}

/**
 * AdminSetUserMFAPreference as Cognito answers it (cognito-local has only the user's own SetUserMFAPreference): turns
 * a user's SMS / software-token MFA on or off by user name.
 */
function adminSetUserMfaPreference(services: Services, UserNotFoundError: new (message: string) => Error): Route {
  return async (
    ctx,
    req: { UserPoolId: string; Username: string; SMSMfaSettings?: MfaSettings; SoftwareTokenMfaSettings?: MfaSettings },
  ) => {
    const pool = await services.cognito.getUserPool(ctx, req.UserPoolId);
    const user = await pool.getUserByUsername(ctx, req.Username);
    if (!user) throw new UserNotFoundError('User does not exist.');
    const methods = new Set(user.UserMFASettingList ?? []);
    const apply = (name: string, settings: MfaSettings | undefined) => {
      if (settings?.Enabled === true) methods.add(name);
      if (settings?.Enabled === false) methods.delete(name);
    };
    apply('SMS_MFA', req.SMSMfaSettings);
    apply('SOFTWARE_TOKEN_MFA', req.SoftwareTokenMfaSettings);
    const preferred = req.SMSMfaSettings?.PreferredMfa
      ? 'SMS_MFA'
      : req.SoftwareTokenMfaSettings?.PreferredMfa
        ? 'SOFTWARE_TOKEN_MFA'
        : undefined;
    await pool.saveUser(ctx, {
      ...user,
      UserMFASettingList: [...methods],
      PreferredMfaSetting: preferred && methods.has(preferred) ? preferred : undefined,
      UserLastModifiedDate: services.clock.get(),
    });
    return {};
  };
}

/**
 * AdminUserGlobalSignOut (cognito-local lacks it): the user's refresh tokens issued so far are revoked (cognito-local
 * keeps them on the user; a refresh with one no longer kept is refused). Cognito also refuses the user's earlier access
 * tokens at its token-authorized calls; not emulated: the account API refuses them itself (tokensValidAfter), before
 * any such call.
 */
function adminUserGlobalSignOut(services: Services, UserNotFoundError: new (message: string) => Error): Route {
  return async (ctx, req: { UserPoolId: string; Username: string }) => {
    const pool = await services.cognito.getUserPool(ctx, req.UserPoolId);
    const user = await pool.getUserByUsername(ctx, req.Username);
    if (!user) throw new UserNotFoundError('User does not exist.');
    await pool.saveUser(ctx, { ...user, RefreshTokens: [], UserLastModifiedDate: services.clock.get() });
    return {};
  };
}

/** SignUp as Cognito answers it on a pool with AllowAdminCreateUserOnly: refused (cognito-local signs anyone up). */
function adminCreatedUsersOnly(services: Services, NotAuthorizedError: new (message: string) => Error) {
  return (route: Route): Route =>
    async (ctx, req: { ClientId: string }) => {
      const pool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId);
      if (pool.options.AdminCreateUserConfig?.AllowAdminCreateUserOnly)
        throw new NotAuthorizedError('SignUp is not permitted for this user pool');
      return route(ctx, req);
    };
}

interface AuthRequest {
  ClientId: string;
  AuthFlow?: string;
  AuthParameters?: Record<string, string>;
  ChallengeResponses?: Record<string, string>;
}

/**
 * Cognito refuses every sign-in step and refresh of a disabled user ("User is disabled."); cognito-local looks only at
 * the password. It also answers a user awaiting its first password (FORCE_CHANGE_PASSWORD) with the new-password
 * challenge whatever password was given; Cognito asks for the temporary one first.
 */
function enabledUsersOnly(services: Services, NotAuthorizedError: new (message: string) => Error) {
  return (route: Route): Route =>
    async (ctx, req: AuthRequest) => {
      const pool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId);
      const params = req.AuthParameters ?? {};
      const username = params.USERNAME ?? req.ChallengeResponses?.USERNAME;
      const user =
        req.AuthFlow === 'REFRESH_TOKEN_AUTH' || req.AuthFlow === 'REFRESH_TOKEN'
          ? await pool.getUserByRefreshToken(ctx, params.REFRESH_TOKEN ?? '')
          : username === undefined
            ? null
            : await pool.getUserByUsername(ctx, username);
      if (user?.Enabled === false) throw new NotAuthorizedError('User is disabled.');
      if (req.AuthFlow === 'USER_PASSWORD_AUTH' && user?.UserStatus === 'FORCE_CHANGE_PASSWORD')
        if (params.PASSWORD !== user.Password) throw new NotAuthorizedError('Incorrect username or password.');
      return route(ctx, req);
    };
}

/** How long the session of a sign-in challenge (the TOTP step) stays valid: Cognito's default, 3 minutes. */
const CHALLENGE_SESSION_MS = 3 * 60_000;

interface ChallengeRequest {
  Session?: string;
  AuthParameters?: Record<string, string>;
  ChallengeResponses?: Record<string, string>;
}

/**
 * Cognito binds a challenge's `Session` to the user who passed the password step, for a few minutes, and a challenge
 * answered replaces it. cognito-local hands out random sessions and never looks at them again: this keeps them.
 */
function challengeSessions(NotAuthorizedError: new (message: string) => Error) {
  const open = new Map<string, { username: string; expires: number }>();
  const remember = (session: unknown, username: string) => {
    const now = Date.now();
    for (const [key, s] of open) if (s.expires <= now) open.delete(key);
    if (typeof session === 'string') open.set(session, { username, expires: now + CHALLENGE_SESSION_MS });
  };
  return {
    issuing:
      (route: Route): Route =>
      async (ctx, req: ChallengeRequest) => {
        const res = await route(ctx, req);
        remember(res?.Session, (req.AuthParameters?.USERNAME ?? '').toLowerCase());
        return res;
      },
    checking:
      (route: Route): Route =>
      async (ctx, req: ChallengeRequest) => {
        const username = (req.ChallengeResponses?.USERNAME ?? '').toLowerCase();
        const held = req.Session === undefined ? undefined : open.get(req.Session);
        if (!held || held.expires <= Date.now() || held.username !== username)
          throw new NotAuthorizedError('Invalid session for the user.');
        const res = await route(ctx, req);
        open.delete(req.Session as string);
        remember(res?.Session, username);
        return res;
      },
  };
}
