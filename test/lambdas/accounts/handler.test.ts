import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAccountStore } from '../../../adapters/aws/dynamo-account-store.js';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { ensureAccountsTable, ensureTables } from '../../../adapters/aws/tables.js';
import { publicPool } from '../../../app/stats/public.js';
import { newReferralCode, newToken, tokenHash } from '../../../core/accounts/tokens.js';
import { accountsSchema } from '../../../core/config/schema.js';
import { TELEGRAM_SECRET_HEADER, telegramWebhookSecret } from '../../../core/notify/signature.js';
import { accountsLambda } from '../../../lambdas/accounts/handler.js';
import { lambdaDeps, poolHandler } from '../../../lambdas/shared/pool-handler.js';
import { type AccountApiHarness, PASSWORD, startAccountApi } from '../../helpers/account-api.js';
import { mergedConfig } from '../../helpers/aux-money.js';
import { type Dynamo, startDynamo, useDynamoEnv } from '../../helpers/dynamo.js';
import { FakeIdentity } from '../../helpers/fake-identity.js';
import { type FakeTelegram, startFakeTelegram } from '../../helpers/fake-telegram.js';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;
const ctx = { awsRequestId: 'r' } as Context;

const event = (
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string>; sourceIp?: string } = {},
) =>
  ({
    rawPath: path,
    rawQueryString: '',
    headers: opts.headers ?? {},
    requestContext: { http: { method, sourceIp: opts.sourceIp ?? '203.0.113.50' } },
    // API Gateway hands JSON bodies base64-encoded when the client sent them as binary.
    ...(opts.body === undefined
      ? {}
      : { body: Buffer.from(JSON.stringify(opts.body)).toString('base64'), isBase64Encoded: true }),
  }) as unknown as APIGatewayProxyEventV2;

describe('accounts Lambda (API Gateway v2)', () => {
  let dynamo: Dynamo;
  let h: AccountApiHarness;
  let invoke: (e: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

  beforeAll(async () => {
    dynamo = await startDynamo();
    h = await startAccountApi(dynamo, new FakeIdentity());
    const handler = poolHandler(accountsLambda, { deps: () => h.deps, log: silent, emit: () => {} });
    invoke = (e) => handler(e, ctx) as Promise<APIGatewayProxyStructuredResultV2>;
  });
  afterAll(async () => {
    await h.close();
    await dynamo.close();
  });

  it('routes an HTTP API event: base64 body, the Authorization header, the source IP from requestContext', async () => {
    const up = await invoke(event('POST', '/api/account/signup', { body: { email: 'l@x.io', password: PASSWORD } }));
    expect(up.statusCode).toBe(202);
    expect(up.headers?.['cache-control']).toBe('no-store');
    const link = await h.linkToken('l@x.io', 'confirm', /confirm your account/);
    expect(
      (
        await invoke(
          event('POST', '/api/account/confirm', {
            body: { token: link, password: PASSWORD },
            sourceIp: '203.0.113.60',
          }),
        )
      ).statusCode,
    ).toBe(200);
    const signIn = await invoke(
      event('POST', '/api/account/signin', { body: { email: 'l@x.io', password: PASSWORD } }),
    );
    const token = JSON.parse(signIn.body!).tokens.accessToken as string;
    const log = await invoke(event('GET', '/api/account/log', { headers: { Authorization: `Bearer ${token}` } }));
    expect(log.statusCode).toBe(200);
    expect(JSON.parse(log.body!).entries[0]).toMatchObject({ kind: 'email-confirmed', ip: '203.0.113.60' });
    // No token: 401.
    expect((await invoke(event('GET', '/api/account/me'))).statusCode).toBe(401);
  });

  it('fails to start without its environment, naming what is missing', async () => {
    await expect(lambdaDeps(accountsLambda, {})).rejects.toThrow(/POOL_ACCOUNTS_TABLE/);
  });
});

/**
 * The accounts Lambda built from its environment as the CDK app sets it, with the bot token's secret: it serves the
 * notification routes (app/notify/routes.ts) on the account router, the bot's webhook among them, checked by the
 * secret derived from the token and answered through the fake Bot API.
 */
describe('accounts Lambda: the notification routes', () => {
  let dynamo: Dynamo;
  let telegram: FakeTelegram;
  let store: DynamoAccountStore;
  let invoke: (e: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  let restoreEnv = () => {};
  const secrets = mockClient(SecretsManagerClient);
  const CHAT = 31_415_926;

  beforeAll(async () => {
    dynamo = await startDynamo();
    telegram = await startFakeTelegram('777000:ACCOUNTS-lambda-token-abcdef');
    restoreEnv = useDynamoEnv(dynamo);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: telegram.token });
    const table = await ensureAccountsTable(dynamo.client, 'al');
    const config = mergedConfig();
    const tables = {
      LTC: await ensureTables(dynamo.client, 'al', 'LTC'),
      DOGE: await ensureTables(dynamo.client, 'al', 'DOGE'),
    };
    const handler = poolHandler(accountsLambda, {
      env: {
        POOL_TABLES_JSON: JSON.stringify(tables),
        POOL_PUBLIC_JSON: JSON.stringify(publicPool(config)),
        POOL_ACCOUNTS_TABLE: table,
        POOL_ACCOUNTS_JSON: JSON.stringify(
          accountsSchema.parse({ mailFrom: 'pool@example.com', notifications: { telegramBot: 'edgepool_test_bot' } }),
        ),
        COGNITO_USER_POOL_ID: 'us-east-1_test',
        COGNITO_CLIENT_ID: 'client',
        TELEGRAM_BOT_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:bot',
        TELEGRAM_API_ROOT: telegram.apiRoot,
      },
      log: silent,
      emit: () => {},
    });
    invoke = (e) => handler(e, ctx) as Promise<APIGatewayProxyStructuredResultV2>;
    store = new DynamoAccountStore(createDocumentClient(dynamo.client), table);
    await store.createProfile({
      id: 'acct-t',
      email: 't@example.com',
      createdAt: Date.now(),
      referralCode: newReferralCode(),
    });
    await store.addIdentity('acct-t', { coin: 'LTC', address: 'rltc1qtelegram', label: 'farm', addedAt: Date.now() });
  });
  afterAll(async () => {
    restoreEnv();
    secrets.restore();
    await telegram?.stop();
    await dynamo?.close();
  });

  const webhook = (text: string, secret: string | undefined) =>
    invoke(
      event('POST', '/api/telegram/webhook', {
        body: telegram.update(CHAT, text),
        headers: secret === undefined ? {} : { [TELEGRAM_SECRET_HEADER]: secret },
      }),
    );

  it('serves the signed-in notification routes behind the token check (401, not 404)', async () => {
    for (const [method, path] of [
      ['GET', '/api/account/notifications'],
      ['PUT', '/api/account/notifications'],
      ['POST', '/api/account/notifications/test'],
      ['POST', '/api/account/telegram/link'],
    ] as const)
      expect((await invoke(event(method, path))).statusCode, `${method} ${path}`).toBe(401);
    expect((await invoke(event('GET', '/api/account/no-such-route'))).statusCode).toBe(404);
  });

  it('links a chat from the bot’s webhook with a one-time code, only with Telegram’s secret header', async () => {
    const code = newToken();
    await store.putToken({
      kind: 'telegram-link',
      hash: tokenHash(code),
      account: 'acct-t',
      expiresAt: Date.now() + 60_000,
    });
    expect((await webhook(`/start ${code}`, undefined)).statusCode).toBe(401);
    expect((await webhook(`/start ${code}`, 'not-the-secret')).statusCode).toBe(401);
    expect(telegram.sent).toHaveLength(0);
    expect(await store.getNotificationSettings('acct-t')).toBeUndefined();

    const res = await webhook(`/start ${code}`, telegramWebhookSecret(telegram.token));
    expect(res.statusCode).toBe(200);
    expect(telegram.sent).toEqual([{ chatId: String(CHAT), text: expect.stringMatching(/^Linked to your /) }]);
    expect((await store.getNotificationSettings('acct-t'))?.telegramChatId).toBe(String(CHAT));

    await webhook('/stats', telegramWebhookSecret(telegram.token));
    expect(telegram.sent.at(-1)?.text).toMatch(/your figures:\nLTC: .*workers online 0\/0/);
  });
});
