import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAccountStore } from '../../adapters/aws/dynamo-account-store.js';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { ensureAccountsTable } from '../../adapters/aws/tables.js';
import { newReferralCode } from '../../core/accounts/tokens.js';
import { parseConfig } from '../../core/config/load.js';
import { verifySignature } from '../../core/notify/signature.js';
import { createLogger } from '../../local/logger.js';
import type { MoneyRunner } from '../../local/money.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { LOCAL_TABLE_PREFIX } from '../../local/storage.js';
import { withDevnet } from '../helpers/devnet.js';
import { testPoolConfig } from '../helpers/pool-config.js';
import { TestMiner } from '../helpers/test-miner.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

const MINUTE = 60_000;
const OFFLINE_MINUTES = 5;
const EMAIL = 'farm@example.com';
const SECRET = 'whsec-e2e-0123456789abcdef';
/** The local pool's notification timer in this test (the config's evaluateSeconds is at least 10 s). */
const PASS_EVERY_MS = 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Notifications in local mode (issue 19): `npm start`'s pool with accounts runs the notification pass on its timer,
 * the same pass as the notify Lambda, mailing the SMTP sink and posting to a webhook on 127.0.0.1. The pass's clock
 * is the pool's knob (LocalNotifyOptions.now): the test moves it past the offline threshold instead of waiting.
 */
describe('local mode notifications on the devnet', () => {
  const net = withDevnet();
  let pool: LocalPool;
  let money: MoneyRunner;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let address: string;
  let skew = 0;
  const hooksOf = (type: string) =>
    hook.received.filter((r) => (JSON.parse(r.body).events as Array<{ type: string }>).some((e) => e.type === type));
  const mailsAbout = (subject: RegExp) =>
    pool.accounts!.mailSink.mails().filter((m) => m.to.includes(EMAIL) && subject.test(m.subject));
  /** Waits for `check` to hold, a few passes at most. */
  const until = async (check: () => boolean, what: string, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  };

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    const devnet = net.get();
    address = await devnet.minerWallet.getNewAddress('notified', 'bech32');
    const config = parseConfig({
      ...testPoolConfig(devnet, 0.00001, {
        payouts: { wallet: 'pool', minimum: '1000', maxRecipients: 10, intervalSeconds: 3600 },
      }),
      accounts: {},
    });
    pool = await startLocalPool({
      config,
      dataDir: net.dataDir(),
      log: createLogger('e2e-notifications', 'silent'),
      moneyTimers: false,
      notify: { everyMs: PASS_EVERY_MS, now: () => Date.now() + skew, env: {} },
    });
    money = pool.coins.get('LTC')!.money!;
    const store = new DynamoAccountStore(
      createDocumentClient(pool.storage.client),
      await ensureAccountsTable(pool.storage.client, LOCAL_TABLE_PREFIX),
    );
    const now = Date.now();
    await store.createProfile({ id: 'acct-n', email: EMAIL, createdAt: now, referralCode: newReferralCode() });
    await store.addIdentity('acct-n', { coin: 'LTC', address, label: 'farm', addedAt: now });
    await store.putNotificationSettings('acct-n', {
      events: { 'worker-offline': ['email', 'webhook'], 'payout-sent': ['email', 'webhook'] },
      workerOfflineMinutes: OFFLINE_MINUTES,
      hashrateDropPercent: 50,
      webhook: { url: hook.url, secret: SECRET },
    });
  }, 120_000);

  afterAll(async () => {
    await pool?.stop();
    await hook?.stop();
  });

  it(`sends exactly one worker-offline message per channel once a worker has sent nothing for ${OFFLINE_MINUTES} minutes`, async () => {
    const port = pool.coins.get('LTC')!.service.ports[0]!;
    const miner = await TestMiner.connect(port, `${address}.rig1`);
    for (let i = 0; i < 30 && (await pool.storage.shares.poolStats.listBlocks('LTC', 10)).length < 1; i++) {
      await miner.submitOne('block');
      await sleep(100);
      await pool.settle();
    }
    await miner.submitOne('share');
    miner.close();
    await pool.settle();
    expect((await pool.storage.shares.poolStats.listBlocks('LTC', 10)).length).toBeGreaterThanOrEqual(1);

    // Passes run while the worker's last share is recent: nothing to say.
    await sleep(10 * PASS_EVERY_MS);
    expect(hooksOf('worker-offline')).toHaveLength(0);

    skew = (OFFLINE_MINUTES + 1) * MINUTE;
    await until(() => hooksOf('worker-offline').length > 0, 'the worker-offline webhook');
    await pool.accounts!.mailSink.waitFor(EMAIL, (m) => /worker rig1 offline/.test(m.subject));
    // Many more passes see the same outage: still one message per channel.
    await sleep(10 * PASS_EVERY_MS);
    const [offline, ...more] = hooksOf('worker-offline');
    expect(more).toHaveLength(0);
    expect(mailsAbout(/worker rig1 offline/)).toHaveLength(1);
    expect(verifySignature(SECRET, offline!.body, offline!.headers['x-edgepool-signature'] as string)).toBe(true);
    expect(JSON.parse(offline!.body).events).toEqual([
      expect.objectContaining({ type: 'worker-offline', coin: 'LTC', address, worker: 'rig1' }),
    ]);
  }, 120_000);

  it('sends one payout-sent message per channel with the amount and the transaction', async () => {
    expect((await money.confirm()).immature).toBeGreaterThanOrEqual(1);
    await net.get().mine(101); // past coinbase maturity
    expect((await money.confirm()).confirmed).toBeGreaterThanOrEqual(1);
    const owed = (await money.balances()).get(address)!.confirmed;
    expect(owed).toBeGreaterThan(0n);
    expect(hooksOf('payout-sent')).toHaveLength(0);

    const sent = await money.payouts();
    expect(sent.status).toBe('progressed');
    await until(() => hooksOf('payout-sent').length > 0, 'the payout-sent webhook');
    await pool.accounts!.mailSink.waitFor(EMAIL, (m) => /payout/i.test(m.subject));
    // The payout confirms: the same event, not a second message.
    await net.get().mine(1);
    expect(await money.payouts()).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });
    await sleep(10 * PASS_EVERY_MS);
    const [paid, ...more] = hooksOf('payout-sent');
    expect(more).toHaveLength(0);
    expect(mailsAbout(/payout/i)).toHaveLength(1);
    const txid = (sent as { payouts: Array<{ txid: string }> }).payouts[0]!.txid;
    expect(txid).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(paid!.body).events).toEqual([
      expect.objectContaining({ type: 'payout-sent', coin: 'LTC', address, amount: owed.toString(), txid }),
    ]);
    expect((await money.balances()).get(address)).toMatchObject({ confirmed: 0n, paid: owed });
    expect(hooksOf('worker-offline')).toHaveLength(1); // the outage is still the one it was
  }, 180_000);
});
