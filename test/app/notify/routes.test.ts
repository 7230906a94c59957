import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoNotificationStore } from '../../../adapters/aws/dynamo-notification-store.js';
import { TelegramBot } from '../../../adapters/notify/telegram.js';
import { WebhookSender } from '../../../adapters/notify/webhook.js';
import { bindRoutes } from '../../../app/accounts/deps.js';
import { type NotifyRouteDeps, notificationRoutes } from '../../../app/notify/routes.js';
import { startCommand, statsCommand } from '../../../app/notify/telegram.js';
import { telegramWebhookSecret, verifySignature } from '../../../core/notify/signature.js';
import type { MinerStats } from '../../../core/ports/share-store.js';
import { type AccountApiHarness, signedUpAccount, startAccountApi, T0 } from '../../helpers/account-api.js';
import { type Dynamo, silentLog, startDynamo } from '../../helpers/dynamo.js';
import { FakeIdentity } from '../../helpers/fake-identity.js';
import { FAKE_BOT, type FakeTelegram, startFakeTelegram } from '../../helpers/fake-telegram.js';
import { startWebhookReceiver } from '../../helpers/webhook-receiver.js';

const ADDR = 'rltc1qroutes000';
let dynamo: Dynamo;
let telegram: FakeTelegram;
let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
let h: AccountApiHarness;
let seq = 0;

beforeAll(async () => {
  dynamo = await startDynamo();
  telegram = await startFakeTelegram();
  hook = await startWebhookReceiver();
});
afterAll(async () => {
  await h?.close();
  await hook?.stop();
  await telegram?.stop();
  await dynamo?.close();
});

const secret = () => telegramWebhookSecret(telegram.token);

beforeEach(async () => {
  await h?.close();
  h = await startAccountApi(dynamo, new FakeIdentity());
  telegram.sent.length = 0;
  hook.received.length = 0;
  const table = (h.store as unknown as { table: string }).table;
  const notifications = new DynamoNotificationStore(createDocumentClient(dynamo.client), table);
  const now = () => h.clock.now;
  const bot = new TelegramBot({
    token: telegram.token,
    apiRoot: telegram.apiRoot,
    log: silentLog,
    commands: {
      start: (chat, code) => startCommand(commandDeps, chat, code),
      stats: (chat) => statsCommand(commandDeps, chat),
    },
  });
  const commandDeps = {
    accounts: h.store,
    links: notifications,
    miners: {
      getMinerStats: async (coin: string, miner: string): Promise<MinerStats> => ({
        coin,
        miner,
        total: { shares: 0, difficulty: 0 },
        // 10 minutes at difficulty 6 a minute: 0.1/s × 2^32/65536 (scrypt) = 6553.6 H/s
        minutes: Array.from({ length: 10 }, (_, k) => ({
          minute: Math.floor(now() / 60_000) - 1 - k,
          shares: 1,
          difficulty: 6,
        })),
        workers: [
          { worker: 'rig1', lastShareAt: now() - 60_000, minutes: [], refused: {} as never },
          { worker: 'rig2', lastShareAt: now() - 3_600_000, minutes: [], refused: {} as never },
        ],
      }),
    },
    balances: {
      getBalance: async () => ({ immature: 50_000_000n, confirmed: 125_000_000n, pending: 0n, paid: 0n }),
    },
    coins: ['LTC'],
    poolName: 'testpool',
    now,
  };
  const deps: NotifyRouteDeps = {
    accounts: h.store,
    mailer: h.deps.mailer,
    telegram: bot,
    webhooks: new WebhookSender({ mode: 'local' }),
    poolName: 'testpool',
    telegramBot: FAKE_BOT.username,
    telegramUpdates: { secret: secret(), handle: (u) => bot.handleUpdate(u as never) },
    now,
    log: silentLog,
  };
  h.deps.extraRoutes = bindRoutes(notificationRoutes, deps);
});

async function account() {
  const email = `routes${seq++}@example.com`;
  const token = await signedUpAccount(h, email);
  return { email, token };
}

const telegramPost = (body: unknown, header?: string) =>
  h.deps
    .extraRoutes!.find((r) => r.pattern === '/telegram/webhook')!
    .handler(
      {
        method: 'POST',
        path: '/api/telegram/webhook',
        query: new URLSearchParams(),
        headers: header === undefined ? {} : { 'x-telegram-bot-api-secret-token': header },
        body: JSON.stringify(body),
        sourceIp: '149.154.167.1',
        params: {},
      },
      undefined,
    );

describe('notification settings', () => {
  it('answers the defaults, saves settings, and shows a new webhook secret once', async () => {
    const { token } = await account();
    const get = await h.call('GET', '/api/account/notifications', { token });
    expect(get.status).toBe(200);
    expect(get.headers['cache-control']).toBe('no-store');
    expect(get.json).toMatchObject({ workerOfflineMinutes: 15, telegram: { linked: false }, webhook: null });

    const body = {
      events: { 'worker-offline': ['email', 'webhook'] },
      workerOfflineMinutes: 20,
      hashrateDropPercent: 40,
      quietHours: { from: 22, to: 6 },
      webhook: { url: hook.url },
    };
    const put = await h.call('PUT', '/api/account/notifications', { token, body });
    expect(put.status).toBe(200);
    const webhookSecret = put.json.webhookSecret as string;
    expect(webhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const again = await h.call('GET', '/api/account/notifications', { token });
    expect(again.json).toMatchObject({
      workerOfflineMinutes: 20,
      quietHours: { from: 22, to: 6 },
      webhook: { url: hook.url },
    });
    expect(again.body).not.toContain(webhookSecret);
    // The same URL keeps its secret (no new one shown); rotateSecret makes a new one.
    expect((await h.call('PUT', '/api/account/notifications', { token, body })).json.webhookSecret).toBeUndefined();
    const rotated = await h.call('PUT', '/api/account/notifications', {
      token,
      body: { ...body, webhook: { url: hook.url, rotateSecret: true } },
    });
    expect(rotated.json.webhookSecret).not.toBe(webhookSecret);
  });

  it('refuses a webhook to a private address, an unknown event, and answers 405 with Allow to a wrong method', async () => {
    const { token } = await account();
    const base = { events: {}, workerOfflineMinutes: 15, hashrateDropPercent: 50 };
    const priv = await h.call('PUT', '/api/account/notifications', {
      token,
      body: { ...base, webhook: { url: 'http://10.0.0.5/hook' } },
    });
    expect(priv.status).toBe(400);
    expect(priv.json.error).toContain('webhook.url');
    const meta = await h.call('PUT', '/api/account/notifications', {
      token,
      body: { ...base, webhook: { url: 'https://169.254.169.254/latest' } },
    });
    expect(meta.status).toBe(400);
    const unknown = await h.call('PUT', '/api/account/notifications', {
      token,
      body: { ...base, events: { 'moon-landing': ['email'] } },
    });
    expect(unknown.status).toBe(400);
    const wrong = await h.call('DELETE', '/api/account/notifications', { token });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET, PUT');
    expect((await h.call('GET', '/api/account/notifications')).status).toBe(401);
  });
});

describe('Telegram', () => {
  it('links a chat with /start <code> once, then /stats answers the account’s figures', async () => {
    const { token } = await account();
    const me = await h.call('GET', '/api/account/me', { token });
    const accountId = (me.json.profile as { id: string } | undefined)?.id ?? (me.json.id as string);
    await h.store.addIdentity(accountId, { coin: 'LTC', address: ADDR, label: 'farm', addedAt: T0 });
    const link = await h.call('POST', '/api/account/telegram/link', { token });
    expect(link.status).toBe(200);
    const code = link.json.code as string;
    expect(link.json.link).toBe(`https://t.me/${FAKE_BOT.username}?start=${code}`);

    expect((await telegramPost(telegram.update(555, `/start ${code}`), secret())).status).toBe(200);
    expect(telegram.sent.at(-1)).toEqual({ chatId: '555', text: expect.stringContaining('Linked') });
    const settings = await h.call('GET', '/api/account/notifications', { token });
    expect(settings.json.telegram).toMatchObject({ linked: true });
    expect(settings.body).not.toContain('555');

    // The code worked once.
    await telegramPost(telegram.update(666, `/start ${code}`), secret());
    expect(telegram.sent.at(-1)).toEqual({ chatId: '666', text: expect.stringContaining('unknown, used or expired') });

    await telegramPost(telegram.update(555, '/stats'), secret());
    const stats = telegram.sent.at(-1)!;
    expect(stats.chatId).toBe('555');
    expect(stats.text).toContain('LTC: 6.55 kH/s, workers online 1/2, balance 1.25 (immature 0.5)');
    await telegramPost(telegram.update(666, '/stats'), secret());
    expect(telegram.sent.at(-1)!.text).toContain('not linked');
  });

  it('refuses webhook updates without Telegram’s secret token', async () => {
    const before = telegram.sent.length;
    expect((await telegramPost(telegram.update(555, '/stats'))).status).toBe(401);
    expect((await telegramPost(telegram.update(555, '/stats'), 'guess')).status).toBe(401);
    expect(telegram.sent.length).toBe(before);
  });

  it('refuses an expired link code', async () => {
    const { token } = await account();
    const code = (await h.call('POST', '/api/account/telegram/link', { token })).json.code as string;
    h.clock.now += 16 * 60_000;
    await telegramPost(telegram.update(777, `/start ${code}`), secret());
    expect(telegram.sent.at(-1)!.text).toContain('expired');
  });
});

describe('test button', () => {
  it('sends a test message on each configured channel and says which arrived', async () => {
    const { token, email } = await account();
    const put = await h.call('PUT', '/api/account/notifications', {
      token,
      body: { events: {}, workerOfflineMinutes: 15, hashrateDropPercent: 50, webhook: { url: hook.url } },
    });
    const code = (await h.call('POST', '/api/account/telegram/link', { token })).json.code as string;
    await telegramPost(telegram.update(888, `/start ${code}`), secret());
    const res = await h.call('POST', '/api/account/notifications/test', { token });
    expect(res.json.results).toEqual([
      { channel: 'email', ok: true },
      { channel: 'telegram', ok: true },
      { channel: 'webhook', ok: true },
    ]);
    await h.sink.waitFor(email, (m) => m.subject === 'testpool: test notification');
    expect(telegram.sent.at(-1)).toEqual({ chatId: '888', text: expect.stringContaining('test message') });
    const [r] = hook.received;
    expect(
      verifySignature(put.json.webhookSecret as string, r!.body, r!.headers['x-edgepool-signature'] as string),
    ).toBe(true);
  });
});
