import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoAccountStore } from '../../../adapters/aws/dynamo-account-store.js';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoNotificationStore } from '../../../adapters/aws/dynamo-notification-store.js';
import { ensureAccountsTable } from '../../../adapters/aws/tables.js';
import { TelegramBot } from '../../../adapters/notify/telegram.js';
import { WebhookSender } from '../../../adapters/notify/webhook.js';
import { type NotifyPassDeps, runNotifyPass, SimulatedCrash } from '../../../app/notify/pass.js';
import type { NotificationSettings } from '../../../core/accounts/types.js';
import { CLAIM_LEASE_MS } from '../../../core/notify/delivery.js';
import { verifySignature } from '../../../core/notify/signature.js';
import { type Dynamo, silentLog, startDynamo } from '../../helpers/dynamo.js';
import { type FakeTelegram, startFakeTelegram } from '../../helpers/fake-telegram.js';
import { type MailSink, startSinkAndMailer } from '../../helpers/mail-sink.js';
import { startWebhookReceiver } from '../../helpers/webhook-receiver.js';
import { workersReader } from '../../helpers/worker-stats.js';

const MINUTE = 60_000;
const NOW = Date.UTC(2026, 4, 1, 12, 0, 0);
const ADDR = 'rltc1qminer0000';
const SECRET = 'whsec-test-0123456789';

let dynamo: Dynamo;
let mail: Awaited<ReturnType<typeof startSinkAndMailer>>;
let sink: MailSink;
let telegram: FakeTelegram;
let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
let seq = 0;

beforeAll(async () => {
  dynamo = await startDynamo();
  mail = await startSinkAndMailer();
  sink = mail.sink;
  telegram = await startFakeTelegram();
  hook = await startWebhookReceiver();
});
afterAll(async () => {
  await hook?.stop();
  await telegram?.stop();
  await mail?.stop();
  await dynamo?.close();
});

/** Workers of the miner, by name → last share time; what the pass's miner reader answers. */
let workers: Record<string, number>;
let email: string;

beforeEach(() => {
  workers = {};
  telegram.sent.length = 0;
  hook.received.length = 0;
  hook.answer(200);
});

async function setup(over: Partial<NotificationSettings> = {}, opts: { webhookMaxAttempts?: number } = {}) {
  const table = await ensureAccountsTable(dynamo.client, `notify${seq++}`);
  const doc = createDocumentClient(dynamo.client);
  const accounts = new DynamoAccountStore(doc, table);
  const store = new DynamoNotificationStore(doc, table);
  const account = `acc-${seq}`;
  email = `miner${seq}@example.com`;
  await accounts.createProfile({ id: account, email, createdAt: 0, referralCode: `REF0000${seq % 10}`.slice(0, 8) });
  await accounts.addIdentity(account, { coin: 'LTC', address: ADDR, label: 'farm', addedAt: 0 });
  await accounts.putNotificationSettings(account, {
    events: { 'worker-offline': ['email', 'telegram', 'webhook'] },
    workerOfflineMinutes: 15,
    hashrateDropPercent: 50,
    telegramChatId: '777',
    webhook: { url: hook.url, secret: SECRET },
    ...over,
  });
  const bot = new TelegramBot({ token: telegram.token, apiRoot: telegram.apiRoot, log: silentLog });
  const deps: NotifyPassDeps = {
    targets: store,
    accounts,
    deliveries: store,
    miners: workersReader(() => workers),
    pool: { listBlocks: async () => [] },
    money: { listRecentEntries: async () => [], getPayouts: async () => [] },
    coins: ['LTC'],
    mailer: mail.mailer,
    telegram: bot,
    webhooks: new WebhookSender({ mode: 'local' }),
    poolName: 'edgepool test',
    digestAfter: 3,
    webhookMaxAttempts: opts.webhookMaxAttempts ?? 6,
    log: { ...silentLog, debug() {} },
  };
  return { deps, store, account };
}

const mailsTo = () => sink.mails().filter((m) => m.to.includes(email));

describe('one message per event and channel', () => {
  it('sends a worker-offline event once on each channel, and nothing on the next pass', async () => {
    const { deps } = await setup();
    workers = { rig1: NOW - 20 * MINUTE };
    const first = await runNotifyPass(deps, NOW);
    expect(first.sent).toEqual({ email: 1, telegram: 1, webhook: 1 });
    await sink.waitFor(email, (m) => m.subject.includes('worker rig1 offline'));
    expect(telegram.sent).toEqual([{ chatId: '777', text: expect.stringContaining('worker rig1 offline') }]);
    expect(hook.received).toHaveLength(1);

    const second = await runNotifyPass(deps, NOW + 5 * MINUTE);
    expect(second.sent).toEqual({ email: 0, telegram: 0, webhook: 0 });
    expect(mailsTo()).toHaveLength(1);
    expect(telegram.sent).toHaveLength(1);
    expect(hook.received).toHaveLength(1);
  });

  it('sends once when two passes run at the same time', async () => {
    const { deps } = await setup();
    workers = { rig1: NOW - 20 * MINUTE };
    const [a, b] = await Promise.all([runNotifyPass(deps, NOW), runNotifyPass(deps, NOW)]);
    expect(a.sent.telegram + b.sent.telegram).toBe(1);
    expect(a.sent.webhook + b.sent.webhook).toBe(1);
    expect(a.sent.email + b.sent.email).toBe(1);
    expect(telegram.sent).toHaveLength(1);
    expect(hook.received).toHaveLength(1);
  });

  it('sends a new message when the worker comes back and goes offline again', async () => {
    const { deps } = await setup({ events: { 'worker-offline': ['telegram'] } });
    workers = { rig1: NOW - 20 * MINUTE };
    await runNotifyPass(deps, NOW);
    workers = { rig1: NOW + 10 * MINUTE };
    await runNotifyPass(deps, NOW + 30 * MINUTE);
    expect(telegram.sent).toHaveLength(2);
  });

  it('after a crash between the claim and the send, the next pass past the lease sends exactly once', async () => {
    const { deps } = await setup({ events: { 'worker-offline': ['telegram', 'webhook'] } });
    workers = { rig1: NOW - 20 * MINUTE };
    const crashing = {
      ...deps,
      crashAt: (step: string) => {
        if (step === 'after-claim') throw new SimulatedCrash(step);
      },
    };
    await expect(runNotifyPass(crashing, NOW)).rejects.toBeInstanceOf(SimulatedCrash);
    expect(telegram.sent).toHaveLength(0);
    // Telegram's claim is still live: a pass now leaves it to its (presumed running) owner. The crash came before
    // the webhook's turn, so that one was never claimed and goes now.
    expect((await runNotifyPass(deps, NOW + MINUTE)).sent).toMatchObject({ telegram: 0, webhook: 1 });
    const after = await runNotifyPass(deps, NOW + CLAIM_LEASE_MS + MINUTE);
    expect(after.sent).toMatchObject({ telegram: 1, webhook: 0 });
    await runNotifyPass(deps, NOW + 2 * CLAIM_LEASE_MS + MINUTE);
    expect(telegram.sent).toHaveLength(1);
    expect(hook.received).toHaveLength(1);
  });

  it('after a crash between the send and its record, Telegram is not sent again; the webhook is, with the same event id', async () => {
    const { deps, store } = await setup({ events: { 'worker-offline': ['telegram', 'webhook'] } });
    workers = { rig1: NOW - 20 * MINUTE };
    const crashing = {
      ...deps,
      crashAt: (step: string) => {
        if (step === 'after-send') throw new SimulatedCrash(step);
      },
    };
    await expect(runNotifyPass(crashing, NOW)).rejects.toBeInstanceOf(SimulatedCrash);
    expect(telegram.sent).toHaveLength(1);
    // The pass died before the webhook's turn (Telegram's channel comes first): that one goes later, once.
    await runNotifyPass(deps, NOW + CLAIM_LEASE_MS + MINUTE);
    await runNotifyPass(deps, NOW + 2 * CLAIM_LEASE_MS + MINUTE);
    expect(telegram.sent).toHaveLength(1);
    const eventId = `worker-offline:LTC:${ADDR}:rig1:${NOW - 20 * MINUTE}`;
    const [tg] = await store.getDeliveries([{ eventId, channel: 'telegram' }]);
    expect(tg?.state).toBe('unknown');

    // Now the same crash on the webhook: it is retried, and the receiver sees the same event id twice.
    hook.received.length = 0;
    const { deps: deps2 } = await setup({ events: { 'worker-offline': ['webhook'] } });
    const crashing2 = {
      ...deps2,
      crashAt: (step: string) => {
        if (step === 'after-send') throw new SimulatedCrash(step);
      },
    };
    await expect(runNotifyPass(crashing2, NOW)).rejects.toBeInstanceOf(SimulatedCrash);
    await runNotifyPass(deps2, NOW + CLAIM_LEASE_MS + MINUTE);
    await runNotifyPass(deps2, NOW + 2 * CLAIM_LEASE_MS + MINUTE);
    expect(hook.received).toHaveLength(2);
    const ids = hook.received.map((r) => JSON.parse(r.body).events[0].id);
    expect(ids).toEqual([eventId, eventId]);
  });

  it('sends more than digestAfter offline workers as one digest on each channel', async () => {
    const { deps } = await setup({ events: { 'worker-offline': ['email', 'telegram'] } });
    workers = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((w) => [w, NOW - 20 * MINUTE]));
    const r = await runNotifyPass(deps, NOW);
    expect(r.sent).toMatchObject({ email: 1, telegram: 1 });
    const m = await sink.waitFor(email, (x) => x.subject.includes('5 workers offline'));
    for (const w of ['a', 'b', 'c', 'd', 'e']) expect(m.text).toContain(`"${w}"`);
    expect((await runNotifyPass(deps, NOW + MINUTE)).sent).toMatchObject({ email: 0, telegram: 0 });
  });

  it('holds events in quiet hours and delivers them as one digest when they end', async () => {
    const hourOfNow = new Date(NOW).getUTCHours();
    const { deps } = await setup({
      events: { 'worker-offline': ['telegram'] },
      quietHours: { from: hourOfNow, to: (hourOfNow + 2) % 24 },
    });
    workers = { a: NOW - 20 * MINUTE, b: NOW - 16 * MINUTE };
    const quiet = await runNotifyPass(deps, NOW + MINUTE);
    expect(quiet.held).toBe(2);
    expect(telegram.sent).toHaveLength(0);
    await runNotifyPass(deps, NOW + 2 * 3_600_000 + MINUTE);
    expect(telegram.sent).toHaveLength(1);
    expect(telegram.sent[0]!.text).toContain('quiet hours');
    expect(telegram.sent[0]!.text).toContain('"a"');
    expect(telegram.sent[0]!.text).toContain('"b"');
  });
});

describe('webhooks', () => {
  it('signs the body so the receiver can verify it, with the timestamp in a header and the body', async () => {
    const { deps } = await setup({ events: { 'worker-offline': ['webhook'] } });
    workers = { rig1: NOW - 20 * MINUTE };
    await runNotifyPass(deps, NOW);
    const [r] = hook.received;
    expect(r!.headers['content-type']).toBe('application/json');
    expect(verifySignature(SECRET, r!.body, r!.headers['x-edgepool-signature'] as string)).toBe(true);
    expect(verifySignature('another secret', r!.body, r!.headers['x-edgepool-signature'] as string)).toBe(false);
    const body = JSON.parse(r!.body);
    expect(String(body.timestamp)).toBe(r!.headers['x-edgepool-timestamp']);
    expect(body.events[0]).toMatchObject({ type: 'worker-offline', worker: 'rig1', coin: 'LTC' });
    expect(r!.body).not.toContain(SECRET);
    expect(r!.body).not.toContain(email);
  });

  it('retries a failing receiver with exponential backoff across passes, then gives up', async () => {
    const { deps } = await setup({ events: { 'worker-offline': ['webhook'] } }, { webhookMaxAttempts: 3 });
    workers = { rig1: NOW - 20 * MINUTE };
    hook.answer(503);
    await runNotifyPass(deps, NOW); // attempt 1 → next in 1 min
    await runNotifyPass(deps, NOW + 30_000); // backing off: no request
    expect(hook.received).toHaveLength(1);
    await runNotifyPass(deps, NOW + MINUTE); // attempt 2 → next in 2 min
    await runNotifyPass(deps, NOW + 2 * MINUTE);
    expect(hook.received).toHaveLength(2);
    await runNotifyPass(deps, NOW + 3 * MINUTE); // attempt 3: the last
    hook.answer(200);
    await runNotifyPass(deps, NOW + 60 * MINUTE);
    expect(hook.received).toHaveLength(3);
  });

  it('retries a 429 but stops at once on another 4xx', async () => {
    const { deps } = await setup({ events: { 'worker-offline': ['webhook'] } });
    workers = { rig1: NOW - 20 * MINUTE };
    hook.answer(429);
    await runNotifyPass(deps, NOW);
    hook.answer(200);
    await runNotifyPass(deps, NOW + MINUTE);
    expect(hook.received).toHaveLength(2);

    const { deps: d2 } = await setup({ events: { 'worker-offline': ['webhook'] } });
    hook.received.length = 0;
    hook.answer(404);
    await runNotifyPass(d2, NOW);
    hook.answer(200);
    await runNotifyPass(d2, NOW + 10 * MINUTE);
    expect(hook.received).toHaveLength(1);
  });
});

describe('Telegram failures', () => {
  it('gives up on a chat that blocked the bot (403) and retries a 500', async () => {
    const { deps } = await setup({ events: { 'worker-offline': ['telegram'] } });
    workers = { rig1: NOW - 20 * MINUTE };
    telegram.failSends(403);
    expect((await runNotifyPass(deps, NOW)).failed).toBe(1);
    await runNotifyPass(deps, NOW + 10 * MINUTE);
    expect(telegram.sent).toHaveLength(0);

    const { deps: d2 } = await setup({ events: { 'worker-offline': ['telegram'] } });
    telegram.failSends(500);
    await runNotifyPass(d2, NOW);
    await runNotifyPass(d2, NOW + MINUTE);
    expect(telegram.sent).toHaveLength(1);
  });
});
