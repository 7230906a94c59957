import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Update } from 'grammy/types';
import { z } from 'zod';
import { CognitoIdentity, cognitoIssuer } from '../../adapters/aws/cognito-identity.js';
import { DynamoAccountStore } from '../../adapters/aws/dynamo-account-store.js';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { DynamoNotificationStore } from '../../adapters/aws/dynamo-notification-store.js';
import { SesMailer } from '../../adapters/aws/ses-mailer.js';
import { WebhookSender } from '../../adapters/notify/webhook.js';
import { handleAccountApi } from '../../app/accounts/api.js';
import { accountCoinsSchema } from '../../app/accounts/coins.js';
import { type AccountApiDeps, bindRoutes } from '../../app/accounts/deps.js';
import { notificationRoutes } from '../../app/notify/routes.js';
import { botCommands } from '../../app/notify/telegram.js';
import { parseJsonVar } from '../../core/config/env.js';
import { accountsSchema } from '../../core/config/schema.js';
import { ConfigError } from '../../core/errors.js';
import { telegramBotOf, telegramEnvSchema } from '../notify/handler.js';
import { poolHandler, poolLambda } from '../shared/pool-handler.js';
import { statsDeps, statsEnvSchema } from '../stats/handler.js';
import { clientAddress, ORIGIN_SECRET_HEADER } from './origin.js';

/**
 * Set by infra/stacks/accounts-stack.ts: the accounts table, the `accounts` config section, the Cognito user pool and
 * its app client, and what the stats Lambda gets (the watcher view and referral earnings read the coins' tables).
 */
export const accountsLambdaEnvSchema = statsEnvSchema.extend(telegramEnvSchema.shape).extend({
  POOL_ACCOUNTS_TABLE: z.string().min(1),
  POOL_ACCOUNTS_JSON: z.string().min(2),
  COGNITO_USER_POOL_ID: z.string().min(1),
  COGNITO_CLIENT_ID: z.string().min(1),
  /**
   * app/accounts/coins.ts accountCoins(<config>): each paying coin's network, payout bounds (payouts.minimum,
   * maximumThreshold) and conversion targets. Absent: from POOL_PUBLIC_JSON's payoutMinimum, bounds by default.
   */
  POOL_ACCOUNT_COINS_JSON: z.string().optional(),
  /**
   * The secret CloudFront sends in x-edgepool-origin (lambdas/accounts/origin.ts): requests without it are refused,
   * and the client's address is CloudFront's viewer header. Absent: no distribution in front.
   */
  POOL_ORIGIN_SECRET_ARN: z.string().min(1).optional(),
});

type Env = z.output<typeof accountsLambdaEnvSchema>;

async function accountsDeps(e: Env): Promise<AccountApiDeps> {
  const accounts = parseJsonVar(accountsSchema, 'POOL_ACCOUNTS_JSON', e.POOL_ACCOUNTS_JSON);
  const stats = statsDeps(e);
  const coins =
    e.POOL_ACCOUNT_COINS_JSON === undefined
      ? stats.pool.coins
          .filter((c) => c.payoutMinimum !== null)
          .map((c) => ({ symbol: c.symbol, network: c.network, payouts: { minimum: c.payoutMinimum! } }))
      : parseJsonVar(accountCoinsSchema, 'POOL_ACCOUNT_COINS_JSON', e.POOL_ACCOUNT_COINS_JSON);
  const cognito = new CognitoIdentityProviderClient({});
  // The user pool's region (the tokens' issuer) is the function's: the SDK reads it from AWS_REGION.
  const region = await cognito.config.region();
  const doc = createDocumentClient(new DynamoDBClient({}));
  const store = new DynamoAccountStore(doc, e.POOL_ACCOUNTS_TABLE);
  const mailer = new SesMailer(new SESv2Client({}), accounts.mailFrom);
  // The bot (TELEGRAM_BOT_TOKEN_SECRET_ARN): link codes and test messages, and its webhook's /start and /stats.
  const telegram = await telegramBotOf(
    e,
    botCommands({
      accounts: store,
      links: new DynamoNotificationStore(doc, e.POOL_ACCOUNTS_TABLE),
      miners: stats.miners,
      balances: stats.money,
      coins: stats.pool.coins.map((c) => c.symbol),
      // A merge-mined coin has no shares of its own (as in the notify Lambda).
      sharesCoinOf: (coin) => (stats.pool.coins.find((c) => c.symbol === coin)?.mergedWith ? undefined : coin),
      poolName: stats.pool.name,
      now: Date.now,
    }),
  );
  const log = { info() {}, warn() {} };
  return {
    pool: { name: stats.pool.name },
    accounts,
    coins: new Map(coins.map((c) => [c.symbol, c])),
    store,
    identity: new CognitoIdentity({
      client: cognito,
      userPoolId: e.COGNITO_USER_POOL_ID,
      clientId: e.COGNITO_CLIENT_ID,
      issuer: cognitoIssuer(region, e.COGNITO_USER_POOL_ID),
    }),
    mailer,
    ...(stats.conversion ? { conversion: stats.conversion.store as AccountApiDeps['conversion'] } : {}),
    money: stats.money,
    stats,
    now: Date.now,
    log,
    // The notification routes (settings, test button, link codes, the bot's webhook): webhooks with AWS rules.
    extraRoutes: bindRoutes(notificationRoutes, {
      accounts: store,
      poolName: stats.pool.name,
      mailer,
      webhooks: new WebhookSender({ mode: 'aws' }),
      ...(accounts.notifications.telegramBot ? { telegramBot: accounts.notifications.telegramBot } : {}),
      ...(telegram
        ? {
            telegram: telegram.bot,
            telegramUpdates: {
              secret: telegram.webhookSecret,
              handle: (update: unknown) => telegram.bot.handleUpdate(update as Update),
            },
          }
        : {}),
      now: Date.now,
      log,
    }),
  };
}

type AccountsLambdaDeps = AccountApiDeps & { originSecret?: string };

async function accountsLambdaDeps(e: Env): Promise<AccountsLambdaDeps> {
  const deps = await accountsDeps(e);
  if (e.POOL_ORIGIN_SECRET_ARN === undefined) return deps;
  const secret = await new SecretsManagerClient({}).send(
    new GetSecretValueCommand({ SecretId: e.POOL_ORIGIN_SECRET_ARN }),
  );
  if (!secret.SecretString) throw new ConfigError('the secret POOL_ORIGIN_SECRET_ARN names is empty');
  return { ...deps, originSecret: secret.SecretString };
}

function headersOf(event: APIGatewayProxyEventV2): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) headers[k.toLowerCase()] = v;
  return headers;
}

/**
 * An API Gateway HTTP API (payload 2.0) event as the account API's request, without CloudFront's origin secret (never
 * passed on or logged); `sourceIp` is the client's address (origin.ts clientAddress), by default API Gateway's.
 */
export function accountRequestOf(event: APIGatewayProxyEventV2, sourceIp = event.requestContext.http.sourceIp) {
  const { [ORIGIN_SECRET_HEADER]: _secret, ...headers } = headersOf(event);
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    query: new URLSearchParams(event.rawQueryString ?? ''),
    headers,
    ...(event.body === undefined
      ? {}
      : { body: event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body }),
    // The log's and the per-IP limit's: never a header the client could write (CloudFront writes the viewer's).
    sourceIp,
  };
}

/**
 * API Gateway HTTP API → handleAccountApi. The JWT authorizer has checked the token on signed-in routes; the router
 * verifies it again through the identity provider (the same path as local mode, where there is no authorizer).
 */
export const accountsLambda = poolLambda({
  name: 'accounts',
  env: accountsLambdaEnvSchema,
  build: accountsLambdaDeps,
  run: async (
    event: APIGatewayProxyEventV2,
    { originSecret, ...deps }: AccountsLambdaDeps,
    inv,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    const client = clientAddress(headersOf(event), event.requestContext.http.sourceIp, originSecret);
    // Straight to the HTTP API's own endpoint, around CloudFront: its viewer header cannot be trusted there.
    if (client === undefined)
      return {
        statusCode: 403,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        body: JSON.stringify({ error: 'use the pool dashboard address' }),
      };
    const res = await handleAccountApi(accountRequestOf(event, client), { ...deps, log: inv.log });
    return { statusCode: res.status, headers: res.headers, body: res.body };
  },
});

export const handler = poolHandler(accountsLambda);
