import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoAccountStore } from '../../../adapters/aws/dynamo-account-store.js';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { ensureAccountsTable, ensureTables } from '../../../adapters/aws/tables.js';
import type { NotifyPassReport } from '../../../app/notify/pass.js';
import { newReferralCode } from '../../../core/accounts/tokens.js';
import { notifyLambda } from '../../../lambdas/notify/handler.js';
import { poolHandler } from '../../../lambdas/shared/pool-handler.js';
import { type Dynamo, startDynamo, useDynamoEnv } from '../../helpers/dynamo.js';
import { type FakeTelegram, startFakeTelegram } from '../../helpers/fake-telegram.js';
import { startWebhookReceiver } from '../../helpers/webhook-receiver.js';

const context = { awsRequestId: 'req-1' } as Context;
const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;
const MINUTE = 60_000;
const EMAIL = 'lambda-farm@example.com';
const CHAT = '424242';

/**
 * The notify Lambda built from its environment as the CDK app sets it: the accounts table and the coins' tables on
 * dynalite (AWS_ENDPOINT_URL_DYNAMODB), SES and Secrets Manager mocked at the SDK, Telegram against the fake Bot API.
 * The webhook channel runs in AWS mode: the account's receiver on http://127.0.0.1 (fine in local mode) is refused.
 */
describe('notify Lambda', () => {
  let dynamo: Dynamo;
  let telegram: FakeTelegram;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let invoke: () => Promise<NotifyPassReport>;
  let restoreEnv = () => {};
  const ses = mockClient(SESv2Client);
  const secrets = mockClient(SecretsManagerClient);

  beforeAll(async () => {
    dynamo = await startDynamo();
    telegram = await startFakeTelegram('555000:LAMBDA-notify-token-abcdefgh');
    hook = await startWebhookReceiver();
    restoreEnv = useDynamoEnv(dynamo);
    const accountsTable = await ensureAccountsTable(dynamo.client, 'nl');
    const ltc = await ensureTables(dynamo.client, 'nl', 'LTC');
    secrets.on(GetSecretValueCommand).resolves({ SecretString: telegram.token });
    const handler = poolHandler(notifyLambda, {
      env: {
        POOL_ACCOUNTS_TABLE: accountsTable,
        POOL_TABLES_JSON: JSON.stringify({ LTC: ltc }),
        POOL_NAME: 'edgepool lambda',
        MAIL_FROM: 'pool@example.com',
        TELEGRAM_BOT_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:bot',
        TELEGRAM_API_ROOT: telegram.apiRoot,
      },
      log: silent,
      emit: () => {},
    });
    invoke = () => handler({}, context) as Promise<NotifyPassReport>;

    const store = new DynamoAccountStore(createDocumentClient(dynamo.client), accountsTable);
    const now = Date.now();
    await store.createProfile({ id: 'acct-l', email: EMAIL, createdAt: now, referralCode: newReferralCode() });
    await store.addIdentity('acct-l', { coin: 'LTC', address: 'rltc1qlambda', label: 'farm', addedAt: now });
    await store.putNotificationSettings('acct-l', {
      events: { 'payout-address-changed': ['email', 'telegram', 'webhook'] },
      workerOfflineMinutes: 15,
      hashrateDropPercent: 50,
      telegramChatId: CHAT,
      // Refused in AWS mode (http, loopback): the failing channel of this test, and no request may reach it.
      webhook: { url: hook.url, secret: 'whsec-lambda-0123456789' },
    });
    // Two events: two payout address changes.
    for (const at of [now - 20 * MINUTE, now - 10 * MINUTE])
      await store.appendLog('acct-l', {
        at,
        ip: '203.0.113.7',
        kind: 'payout-address',
        detail: `LTC payout address changed (${at})`,
        source: 'account',
      });
  });
  afterAll(async () => {
    vi.useRealTimers();
    restoreEnv();
    ses.restore();
    secrets.restore();
    await telegram?.stop();
    await hook?.stop();
    await dynamo?.close();
  });

  it('sends one message per event and channel; a failing channel does not fail the others and is retried alone', async () => {
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('Throttling'), { name: 'ThrottlingException' }));
    const first = await invoke();
    expect(first).toMatchObject({ accounts: 1, events: 2, sent: { email: 0, telegram: 2, webhook: 0 }, errors: 0 });
    expect(first.failed).toBe(4); // two mails refused by SES (retryable), two webhooks refused for good
    expect(telegram.sent.map((m) => m.chatId)).toEqual([CHAT, CHAT]);
    expect(telegram.sent.every((m) => /payout address/i.test(m.text))).toBe(true);

    ses.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    // The handler's clock is Date.now: the next pass comes after the first retry's backoff (a minute).
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2 * MINUTE });
    const second = await invoke();
    expect(second.sent).toEqual({ email: 2, telegram: 0, webhook: 0 });
    const mails = ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
    expect(mails).toHaveLength(2);
    for (const m of mails) expect(m.Destination?.ToAddresses).toEqual([EMAIL]);

    vi.setSystemTime(Date.now() + 10 * MINUTE);
    const third = await invoke();
    expect(third).toMatchObject({ events: 2, sent: { email: 0, telegram: 0, webhook: 0 }, failed: 0 });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(2);
    expect(telegram.sent).toHaveLength(2);
    expect(hook.received).toHaveLength(0);
  });
});
