import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleAccountApi } from '../../app/accounts/api.js';
import type { AccountRouteRequest } from '../../app/accounts/route.js';
import { newReferralCode } from '../../core/accounts/tokens.js';
import { accountsSchema, type PoolConfig } from '../../core/config/schema.js';
import { zeroBalance } from '../../core/ledger/entries.js';
import { TELEGRAM_SECRET_HEADER, telegramWebhookSecret } from '../../core/notify/signature.js';
import type { Logger } from '../../core/ports/logger.js';
import { type LocalAccounts, startLocalAccounts } from '../../local/accounts.js';
import { TELEGRAM_API_ROOT_ENV, TELEGRAM_TOKEN_ENV } from '../../local/notify.js';
import { type Dynamo, startDynamo } from '../helpers/dynamo.js';
import { type FakeTelegram, startFakeTelegram } from '../helpers/fake-telegram.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import { workersReader } from '../helpers/worker-stats.js';

const MINUTE = 60_000;
const NOW = Date.UTC(2026, 4, 1, 12, 0, 0);
const ADDRESS = 'rltc1qnotifiedminer000000000000000000000';
const EMAIL = 'telegram-farm@example.com';
const CHAT = 918_273_645;
const SECRET = 'whsec-local-0123456789abcdef';

/**
 * Local mode's notifications with a Telegram bot (POOL_TELEGRAM_BOT_TOKEN, the Bot API root pointed at a fake):
 * the bot polls for updates (no public webhook locally), links a chat with the one-time code from the link route,
 * answers /stats, and the pass sends on all three channels; every line logged on the way is free of the miner's
 * email, chat id, webhook URL and secret, the link code and the bot token.
 */
describe('local notifications with Telegram, email and a webhook', () => {
  let dir: string;
  let dynamo: Dynamo;
  let telegram: FakeTelegram;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let local: LocalAccounts;
  let account: string;
  let code: string;
  let workers: Record<string, number> = {};
  const lines: string[] = [];
  const capture = (level: string) => (obj: object, msg: string) =>
    lines.push(
      JSON.stringify({ level, msg, ...obj }, (_k, v) =>
        v instanceof Error ? { ...v, message: v.message, stack: v.stack } : v,
      ),
    );
  const log: Logger = {
    debug: capture('debug'),
    info: capture('info'),
    warn: capture('warn'),
    error: capture('error'),
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'notify-'));
    dynamo = await startDynamo();
    telegram = await startFakeTelegram('123456:LOCAL-notify-token-abcdefgh');
    hook = await startWebhookReceiver();
    const config = {
      pool: { name: 'devpool' },
      coins: [{ symbol: 'LTC', network: 'regtest', payouts: { minimum: '100000' } }],
      accounts: accountsSchema.parse({ notifications: { telegramBot: 'edgepool_test_bot' } }),
    } as unknown as PoolConfig;
    local = (await startLocalAccounts({
      config,
      dataDir: dir,
      client: dynamo.client,
      money: { listAccountEntries: async () => [] },
      watch: {
        shares: {
          miners: workersReader(() => workers),
          poolStats: { listBlocks: async () => [] },
        },
        money: { listRecentEntries: async () => [], getBalance: async () => zeroBalance(), getPayouts: async () => [] },
        options: {
          timers: false,
          env: { [TELEGRAM_TOKEN_ENV]: telegram.token, [TELEGRAM_API_ROOT_ENV]: telegram.apiRoot },
        },
      },
      log,
    }))!;
    account = 'acct-tg';
    const store = local.deps.store;
    await store.createProfile({ id: account, email: EMAIL, createdAt: NOW, referralCode: newReferralCode() });
    await store.addIdentity(account, { coin: 'LTC', address: ADDRESS, label: 'farm', addedAt: NOW });
    await store.putNotificationSettings(account, {
      events: { 'worker-offline': ['email', 'telegram', 'webhook'] },
      workerOfflineMinutes: 15,
      hashrateDropPercent: 50,
      webhook: { url: hook.url, secret: SECRET },
    });
  }, 60_000);
  afterAll(async () => {
    await local?.stop();
    await hook?.stop();
    await telegram?.stop();
    await dynamo?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const route = (method: string, pattern: string) => {
    const r = local.deps.extraRoutes?.find((x) => x.method === method && x.pattern === pattern);
    if (!r) throw new Error(`no route ${method} ${pattern}`);
    const req: AccountRouteRequest = {
      method,
      path: `/api${pattern}`,
      query: new URLSearchParams(),
      headers: {},
      sourceIp: '127.0.0.1',
      params: {},
      subject: { sub: account, username: EMAIL, authTime: Date.now() },
    };
    return r.handler(req, undefined);
  };

  it('links a chat by /start with the link route’s code, through long polling, and answers /stats', async () => {
    const res = await route('POST', '/account/telegram/link');
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    code = body.code;
    expect(body.link).toBe(`https://t.me/edgepool_test_bot?start=${code}`);
    telegram.pushMessage(CHAT, `/start ${code}`);
    await telegram.waitForSent((m) => m.chatId === String(CHAT) && /^Linked to your devpool account/.test(m.text));
    expect((await local.deps.store.getNotificationSettings(account))?.telegramChatId).toBe(String(CHAT));
    // The code works once.
    telegram.pushMessage(CHAT, `/start ${code}`);
    await telegram.waitForSent((m) => /unknown, used or expired/.test(m.text));
    telegram.pushMessage(CHAT, '/stats');
    await telegram.waitForSent((m) => /devpool, your figures:\nLTC: .*workers online 0\/0/.test(m.text));
    expect(telegram.calls).toContain('getUpdates');
    // Locally updates come only by polling: the webhook route takes none, even with the secret derived from the token.
    const hooked = await handleAccountApi(
      {
        method: 'POST',
        path: '/api/telegram/webhook',
        query: new URLSearchParams(),
        headers: { [TELEGRAM_SECRET_HEADER]: telegramWebhookSecret(telegram.token) },
        body: JSON.stringify(telegram.update(CHAT, '/stats')),
        sourceIp: '127.0.0.1',
      },
      local.deps,
    );
    expect(hooked.status).toBe(404);
  });

  it('sends one message per channel; a failing channel is retried without holding up the others', async () => {
    const notify = local.notify!;
    workers = { rig1: NOW - 20 * MINUTE };
    hook.answer(503);
    telegram.failSends(500);
    const first = await notify.run(NOW);
    expect(first.sent).toEqual({ email: 1, telegram: 0, webhook: 0 });
    expect(first.failed).toBe(2);
    await local.mailSink.waitFor(EMAIL, (m) => /worker rig1 offline/.test(m.subject));

    hook.answer(200);
    expect((await notify.run(NOW + 2 * MINUTE)).sent).toEqual({ email: 0, telegram: 1, webhook: 1 });
    expect((await notify.run(NOW + 10 * MINUTE)).sent).toEqual({ email: 0, telegram: 0, webhook: 0 });
    expect(telegram.sent.filter((m) => /worker rig1 offline/.test(m.text))).toEqual([
      { chatId: String(CHAT), text: expect.any(String) },
    ]);
    expect(hook.received).toHaveLength(2); // the 503, then the delivery
    expect(local.mailSink.mails().filter((m) => /worker rig1 offline/.test(m.subject))).toHaveLength(1);

    // The mail relay goes away: email fails, Telegram and the webhook still get the next outage.
    await local.mailSink.stop();
    workers = { rig1: NOW + 11 * MINUTE }; // back, then silent again: a new outage
    const down = await notify.run(NOW + 30 * MINUTE);
    expect(down.sent).toEqual({ email: 0, telegram: 1, webhook: 1 });
    expect(down.failed).toBe(1);
  }, 60_000);

  it('logs no email address, chat id, webhook URL or secret, link code or bot token', () => {
    const all = lines.join('\n');
    expect(lines.some((l) => l.includes('notification not delivered'))).toBe(true);
    for (const secret of [EMAIL, String(CHAT), hook.url, new URL(hook.url).host, SECRET, code, telegram.token])
      expect(all).not.toContain(secret);
  });
});
