import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAuxAddressStore } from '../../adapters/aws/dynamo-aux-address-store.js';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../adapters/aws/dynamo-money-store.js';
import { ingestBatch } from '../../core/shares/ingest-batch.js';
import { createLocalApi } from '../../local/api.js';
import { createStaticRoutes } from '../../local/static.js';
import { buildWeb } from '../../web/build.js';
import { coins } from '../../web/src/format.js';
import { seedAuxMoney } from '../app/stats/helpers.js';
import { mergedConfig } from '../helpers/aux-money.js';
import { ARTIFACTS, expectFitsPhone, launchChromium, PHONE } from '../helpers/browser.js';
import { type Dynamo, startDynamo } from '../helpers/dynamo.js';
import { testKey } from '../helpers/message-signer.js';

/**
 * The dashboard's merged mining in Debian Chromium: the built dashboard and the local API (local/api.ts) on dynalite
 * holding what ingest and the money passes leave (LTC shares, a DOGE block found in an LTC round, DOGE credit and
 * payout, a miner's DOGE address), read and changed as a miner would.
 */
describe('merged mining on the dashboard in a real browser', () => {
  let dynamo: Dynamo;
  let server: Server;
  let browser: Browser;
  let base: string;
  const miner = testKey('LTC', 'regtest');
  const account = miner.address.p2wpkh;
  const finder = testKey('LTC', 'regtest', 3).address.p2wpkh;
  const DOGE_HASH = 'cd'.repeat(32);
  const passwordDoge = testKey('DOGE', 'regtest', 21).address.p2pkh;
  const signedDoge = testKey('DOGE', 'regtest', 22).address.p2pkh;
  /** A stranger's "address" that is markup: the page must show it as text, never run it. */
  const HOSTILE = '<img src=x onerror="window.__pwned=1">';
  const stranger = testKey('LTC', 'regtest', 9).address.p2wpkh;
  let auxAddresses: DynamoAuxAddressStore;

  beforeAll(async () => {
    dynamo = await startDynamo();
    const doge = await dynamo.freshStore('DOGE');
    const dogeTables = dynamo.lastTables!;
    const ltc = await dynamo.freshStore('LTC');
    const ltcTables = dynamo.lastTables!;
    const doc = createDocumentClient(dynamo.client);
    const money = new DynamoMoneyStore(doc, (c) => (c === 'DOGE' ? dogeTables : ltcTables));
    const now = Date.now();
    await ingestBatch(
      ltc.ingest,
      {
        v: 1,
        batchId: 'b1',
        coin: 'LTC',
        shares: [account, finder].map((m) => ({
          coin: 'LTC',
          miner: m,
          worker: 'rig1',
          height: 10,
          difficulty: 64,
          actualDifficulty: 64,
          networkDifficulty: 65536,
          timestamp: now - 30_000,
        })),
      },
      { claim: 'c', now: () => now, leaseMs: 1000 },
    );
    auxAddresses = new DynamoAuxAddressStore({ doc, ledgerTable: () => dogeTables.ledger });
    await seedAuxMoney(doge.ingest, money, { hash: DOGE_HASH, finder, account, auxAddress: passwordDoge, now });
    await auxAddresses.offerAuxAddress('DOGE', account, passwordDoge, now - 3_600_000);
    // The store keeps what it is given (the stratum server checks a password's address): the page must not trust it.
    await auxAddresses.offerAuxAddress('DOGE', stranger, HOSTILE, now);
    const api = createLocalApi({
      config: mergedConfig(),
      shares: ltc,
      money,
      log: { error: () => {} },
      boundPorts: () => undefined,
      auxAddresses,
    });
    const web = createStaticRoutes(await buildWeb());
    server = createServer(async (req, res) => {
      if (!(await api(req, res)) && !(await web(req, res))) res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
    await dynamo?.close();
  });

  it('shows that LTC merges DOGE, and DOGE’s pool page, block and parent round without a stratum to connect to', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${base}/#/`);
    await page.getByTestId('merges').waitFor();
    expect(await page.getByTestId('merges').textContent()).toContain('Merges DOGE');
    expect(await page.getByTestId('stratum-url').count()).toBe(1);
    await page.locator('#coin').selectOption('DOGE');
    await page.getByTestId('merged-with').waitFor();
    expect(await page.getByTestId('merged-with').textContent()).toContain('Merge-mined with LTC');
    // No connect command for a coin without ports: miners connect to LTC.
    expect(await page.getByTestId('stratum-url').count()).toBe(0);
    expect(await page.getByTestId('miner-command').count()).toBe(0);
    expect(await page.getByTestId('connect-parent').textContent()).toContain('LTC pool');
    const row = page.getByTestId('block-row');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    const text = (await row.first().textContent())!;
    expect(text).toContain('77');
    expect(text).toContain(finder);
    expect(await page.getByTestId('block-round').first().textContent()).toBe('LTC 10');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-doge-pool.png'), fullPage: true });
    await page.goto(`${base}/#/payments`);
    await page.getByTestId('payment-row').first().waitFor();
    expect(await page.getByTestId('payment-row').first().textContent()).toContain(coins('500'));
    await page.close();
  });

  it('shows the LTC miner’s DOGE side and sets its DOGE address by a message its LTC key signs', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${base}/#/miner/${account}`);
    const side = page.getByTestId('merged-DOGE');
    await side.waitFor();
    expect(await side.getByTestId('aux-address').textContent()).toBe(passwordDoge);
    expect(await side.textContent()).toContain('from the mining password');
    expect(await page.getByTestId('aux-confirmed-DOGE').textContent()).toBe(coins('200'));
    expect(await page.getByTestId('aux-immature-DOGE').textContent()).toBe(coins('0'));
    expect(await page.getByTestId('aux-payment-row').count()).toBe(1);
    expect(await page.getByTestId('aux-payment-row').first().textContent()).toContain(coins('500'));

    await side.getByLabel('Your DOGE address').fill(signedDoge);
    await side.getByRole('button', { name: 'Prepare message' }).click();
    const message = (await side.getByTestId('aux-sign-message').textContent())!;
    expect(message).toContain(`account: ${account}`);
    expect(message).toContain(`to: ${signedDoge}`);
    // The miner signs it in their LTC wallet and pastes the signature.
    await side.getByLabel('Signature').fill(miner.signBip322(message));
    await side.getByRole('button', { name: 'Set DOGE address' }).click();
    await expect.poll(() => side.getByTestId('aux-result').textContent()).toContain(`paid to ${signedDoge}`);
    await expect
      .poll(async () => page.getByTestId('merged-DOGE').getByTestId('aux-address').textContent())
      .toBe(signedDoge);
    expect((await auxAddresses.getAuxAddress('DOGE', account))?.source).toBe('signed');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-merged-miner.png'), fullPage: true });

    // A wrong signature is refused with the API's reason, and nothing changes.
    const again = page.getByTestId('merged-DOGE');
    await again.getByLabel('Your DOGE address').fill(passwordDoge);
    await again.getByRole('button', { name: 'Prepare message' }).click();
    await again.getByLabel('Signature').fill(testKey('LTC', 'regtest', 7).signBip322('something else'));
    await again.getByRole('button', { name: 'Set DOGE address' }).click();
    await expect.poll(() => again.getByTestId('aux-result').textContent()).toMatch(/^Refused: the signature is not/);
    expect((await auxAddresses.getAuxAddress('DOGE', account))?.address).toBe(signedDoge);
    await page.close();
  });

  it('shows the DOGE page of an LTC mining address: DOGE balances, rewards and payouts, and its DOGE address', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${base}/#/`);
    await page.getByTestId('merges').waitFor();
    await page.locator('#coin').selectOption('DOGE');
    await page.getByTestId('merged-with').waitFor();
    await page.getByLabel('miner address').fill(account);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByTestId('merged-DOGE').waitFor();
    expect(await page.getByTestId('confirmed').textContent()).toBe(coins('200'));
    expect(await page.getByTestId('pending').textContent()).toBe(coins('500'));
    expect(await page.getByTestId('reward-row').count()).toBe(1);
    expect(await page.getByTestId('miner-payment-row').count()).toBe(1);
    // Its workers are the LTC shares'.
    expect(await page.getByTestId('worker-row').first().textContent()).toContain('rig1');
    expect(await page.getByTestId('merged-DOGE').getByTestId('aux-address').count()).toBe(1);
    await page.close();
  });

  it('shows a miner without a DOGE address that its rewards accrue, and an address as text, never markup', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/#/miner/${finder}`);
    await page.getByTestId('aux-address-unset').waitFor();
    expect(await page.getByTestId('aux-address-unset').textContent()).toBe(
      'Not set: rewards accrue until you set one.',
    );
    await page.goto(`${base}/#/miner/${stranger}`);
    await page.getByTestId('aux-address').waitFor();
    expect(await page.getByTestId('aux-address').textContent()).toBe(HOSTILE);
    expect(await page.locator('#view img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.close();
  });

  it('fits the LTC miner’s page with its DOGE side and address form on a 360 px phone', async () => {
    const page = await browser.newPage({ viewport: PHONE });
    await page.goto(`${base}/#/miner/${account}`);
    await page.getByTestId('merged-DOGE').waitFor();
    await page.getByTestId('merged-DOGE').getByRole('button', { name: 'Prepare message' }).click();
    await page.getByTestId('aux-sign-message').waitFor();
    await expectFitsPhone(page, 'LTC miner with DOGE');
    await page.close();
  });
});
