import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../local/logger.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { withDevnet } from '../helpers/devnet.js';
import { testPoolConfig } from '../helpers/pool-config.js';
import { TestMiner } from '../helpers/test-miner.js';

const ARTIFACTS = join(import.meta.dirname, '../../test-results');
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** `npm start`'s pool, a test miner on the devnet, and Debian Chromium reading the dashboard like a miner would. */
describe('dashboard in a real browser', () => {
  const net = withDevnet();
  let pool: LocalPool;
  let browser: Browser;
  let miner: string;
  let base: string;

  beforeAll(async () => {
    const devnet = net.get();
    const config = testPoolConfig(devnet, 0.002);
    pool = await startLocalPool({
      config,
      dataDir: net.dataDir(),
      log: createLogger('e2e-web', 'silent'),
      moneyTimers: false,
    });
    base = `http://127.0.0.1:${pool.httpPort}`;
    miner = await devnet.minerWallet.getNewAddress('web', 'bech32');
    const m = await TestMiner.connect(pool.coins.get('LTC')!.service.ports[0]!, `${miner}.rig7`);
    for (let i = 0; i < 3; i++) {
      await m.submitOne();
      await new Promise((r) => setTimeout(r, 100));
    }
    m.close();
    await pool.settle();
    await pool.coins.get('LTC')!.money!.confirm(); // blocks in the main chain: immature credits
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: CHROMIUM_FLAGS,
    });
    await mkdir(ARTIFACTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await pool?.stop();
  });

  it('shows the pool hashrate, the stratum URL and the found blocks from the API', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${base}/#/`);
    const rate = page.getByTestId('pool-hashrate');
    await rate.waitFor();
    const api = (await (await fetch(`${base}/api/pools/LTC`)).json()) as { blocksFound: number };
    const shown = (await rate.textContent())!;
    expect(shown).toMatch(/^[\d.]+ (H|kH|MH)\/s$/);
    expect(Number.parseFloat(shown)).toBeGreaterThan(0);
    expect(await page.getByTestId('blocks-found').textContent()).toBe(String(api.blocksFound));
    expect(api.blocksFound).toBeGreaterThan(0);
    expect(await page.getByTestId('stratum-url').first().textContent()).toBe(
      `stratum+tcp://127.0.0.1:${pool.coins.get('LTC')!.service.ports[0]}`,
    );
    expect(await page.getByTestId('block-row').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-pool.png'), fullPage: true });
    await page.close();
  });

  it('finds a miner by address and lists its worker, hashrate and immature balance', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } }); // a phone
    await page.goto(`${base}/#/`);
    await page.getByLabel('miner address').fill(miner);
    await page.getByRole('button', { name: 'Look up' }).click();
    const row = page.getByTestId('worker-row');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    expect(await row.first().textContent()).toContain('rig7');
    expect(await row.first().getAttribute('class')).not.toContain('offline');
    expect(Number.parseFloat((await page.getByTestId('miner-hashrate').textContent())!)).toBeGreaterThan(0);
    const api = (await (await fetch(`${base}/api/pools/LTC/miners/${miner}`)).json()) as {
      balance: { immature: string };
    };
    expect(BigInt(api.balance.immature)).toBeGreaterThan(0n);
    const shown = (await page.getByTestId('immature').textContent())!.replace('.', '');
    expect(BigInt(shown)).toBe(BigInt(api.balance.immature));
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-miner-phone.png'), fullPage: true });
    await page.close();
  });

  it('shows the API error for an address that is not one', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/#/miner/not-an-address`);
    await page.getByTestId('error').waitFor();
    expect(await page.getByTestId('error').textContent()).toMatch(/is not a LTC address/);
    await page.close();
  });
});
