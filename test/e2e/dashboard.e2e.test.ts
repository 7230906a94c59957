import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../local/logger.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { coins } from '../../web/src/format.js';
import { ARTIFACTS, launchChromium } from '../helpers/browser.js';
import { withDevnet } from '../helpers/devnet.js';
import { testPoolConfig } from '../helpers/pool-config.js';
import { TestMiner } from '../helpers/test-miner.js';

// biome-ignore lint/suspicious/noExplicitAny: API answers are checked against what the page shows
type Json = Record<string, any>;

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
    // A second rig whose last share is 20 minutes old, through the same queue and ingest as every share.
    const ltc = pool.coins.get('LTC')!;
    await ltc.queue.enqueue({
      coin: 'LTC',
      miner,
      worker: 'rig-old',
      height: ltc.service.jobs.current()!.height,
      difficulty: 0.002,
      actualDifficulty: 0.002,
      timestamp: Date.now() - 20 * 60_000,
    });
    // Two of its shares were refused as stale: two refused of three sent, highlighted on the miner page.
    for (let i = 0; i < 2; i++) ltc.queue.refused('LTC', miner, 'rig-old', 'stale', Date.now() - 20 * 60_000);
    await pool.settle();
    await pool.coins.get('LTC')!.money!.confirm(); // blocks in the main chain: immature credits
    browser = await launchChromium();
  }, 120_000);

  const api = async (path: string): Promise<Json> => (await fetch(`${base}/api${path}`)).json() as Promise<Json>;
  const texts = async (page: Page, testid: string) => page.getByTestId(testid).allTextContents();

  afterAll(async () => {
    await browser?.close();
    await pool?.stop();
  });

  it('shows the pool hashrate, the stratum URL and the found blocks from the API', async () => {
    // The network as the daemon sees it; the job manager follows the tip within its poll interval.
    const devnet = net.get();
    const [tip, difficulty] = await Promise.all([
      devnet.minerWallet.call<number>('getblockcount'),
      devnet.minerWallet.call<number>('getdifficulty'),
    ]);
    await expect.poll(async () => (await api('/pools/LTC')).chain?.height, { timeout: 15_000 }).toBe(tip);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${base}/#/`);
    const rate = page.getByTestId('pool-hashrate');
    await rate.waitFor();
    const p = await api('/pools/LTC');
    const shown = (await rate.textContent())!;
    expect(shown).toMatch(/^[\d.]+ (H|kH|MH)\/s$/);
    expect(Number.parseFloat(shown)).toBeGreaterThan(0);
    expect(await page.getByTestId('blocks-found').textContent()).toBe(String(p.blocksFound));
    expect(p.blocksFound).toBeGreaterThan(0);
    // Online: the rig that mined through stratum within the window (rig-old's share is 20 minutes old).
    expect(p.online).toEqual({ miners: 1, workers: 1, windowSeconds: 600 });
    expect(await page.getByTestId('miners-online').textContent()).toBe('1');
    expect(await page.getByTestId('workers-online').textContent()).toBe('1');
    expect(p.chain.height).toBe(tip);
    expect(p.chain.difficulty).toBeCloseTo(difficulty, 12);
    expect(await page.getByTestId('network-height').textContent()).toBe(String(tip));
    expect(await page.getByTestId('network-difficulty').textContent()).toBe(String(Number(difficulty.toPrecision(4))));
    expect(await page.getByTestId('stratum-url').first().textContent()).toBe(
      `stratum+tcp://127.0.0.1:${pool.coins.get('LTC')!.service.ports[0]}`,
    );
    expect(await page.getByTestId('block-row').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-pool.png'), fullPage: true });
    // The chart's range: 3 h of minutes by default, then 24 h (10-minute points) and 7 days (hourly) from /history.
    const chart = page.locator('#pool-chart');
    expect(await chart.getAttribute('data-points')).toBe(String(p.hashrateHistory.length));
    for (const [label, hours] of [
      ['24 h', 24],
      ['7 days', 168],
    ] as const) {
      await page.getByRole('button', { name: label }).click();
      const history = await api(`/pools/LTC/history?hours=${hours}`);
      await expect.poll(() => chart.getAttribute('data-points')).toBe(String(history.points.length));
      expect(await page.getByRole('button', { name: label }).getAttribute('aria-pressed')).toBe('true');
      // the shares mined above are in the newest points
      expect(history.points.some((x: { hashrate: number }) => x.hashrate > 0)).toBe(true);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-pool-7d.png'), fullPage: true });
    await page.close();
  });

  it('finds a miner by address: its workers (a silent one highlighted offline), hashrate and immature balance', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } }); // a phone
    await page.goto(`${base}/#/`);
    await page.getByLabel('miner address').fill(miner);
    await page.getByRole('button', { name: 'Look up' }).click();
    const row = page.getByTestId('worker-row');
    await row.first().waitFor();
    expect(await row.count()).toBe(2);
    // Sorted by name: rig-old (silent 20 minutes, highlighted offline), then rig7.
    expect(await row.nth(0).textContent()).toContain('rig-old');
    expect(await row.nth(0).getAttribute('class')).toContain('offline');
    // Highlighted: the page's CSS paints an offline row's cells red (--bad).
    const color = await row
      .nth(0)
      .evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el.querySelector('td')!).color);
    expect(color).toBe('rgb(248, 81, 73)');
    expect(await row.nth(1).textContent()).toContain('rig7');
    expect(await row.nth(1).getAttribute('class')).not.toContain('offline');
    // Stale and invalid shares per worker; rig-old's refused share (2 of 3) is highlighted, rig7's (none) is not.
    expect(await texts(page, 'worker-stale')).toEqual(['2', '0']);
    expect(await texts(page, 'worker-invalid')).toEqual(['0', '0']);
    expect(await texts(page, 'worker-refused')).toEqual(['66.7%', '0%']);
    expect(await row.nth(0).getAttribute('class')).toContain('refusing');
    expect(await row.nth(1).getAttribute('class')).not.toContain('refusing');
    const refusedWeight = await row
      .nth(0)
      .evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el.querySelector('td.refused')!).fontWeight);
    expect(refusedWeight).toBe('700');
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

  it('lists the blocks and, once they matured and a payout went out, the payments with their transaction', async () => {
    const devnet = net.get();
    const money = pool.coins.get('LTC')!.money!;
    await devnet.mine(101); // past coinbase maturity
    await money.confirm();
    expect((await money.payouts()).status).toBe('progressed');
    await devnet.mine(1);
    const done = (await money.payouts()) as { payouts: { status: string; txid: string }[] };
    expect(done.payouts[0]).toMatchObject({ status: 'confirmed' });

    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${base}/#/blocks`);
    await page.getByTestId('block-row').first().waitFor();
    const blocks = (await api('/pools/LTC/blocks?limit=200')).blocks as Json[];
    const rows = await texts(page, 'block-row');
    expect(rows).toHaveLength(blocks.length);
    blocks.forEach((b, i) => {
      expect(rows[i]).toContain(String(b.height));
      expect(rows[i]).toContain('confirmed');
    });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-blocks.png'), fullPage: true });

    await page.goto(`${base}/#/payments`);
    await page.getByTestId('payment-row').first().waitFor();
    const payments = (await api('/pools/LTC/payments')).payments as Json[];
    const paymentRows = await texts(page, 'payment-row');
    expect(paymentRows).toHaveLength(payments.length);
    expect(paymentRows[0]).toContain(done.payouts[0]!.txid);
    expect(paymentRows[0]).toContain('confirmed');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-payments.png'), fullPage: true });
    await page.close();
  });

  it('downloads the miner export as CSV and XLSX with the same rows the API exports', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
    await page.goto(`${base}/#/miner/${miner}`);
    await page.getByTestId('miner-payment-row').first().waitFor();
    const m = await api(`/pools/LTC/miners/${miner}`);
    expect(await page.getByTestId('paid').textContent()).toBe(coins(m.balance.paid));
    expect(await page.getByTestId('miner-payment-row').count()).toBe(m.payments.length);

    const download = async (testid: string) => {
      const [d] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
      return { name: d.suggestedFilename(), body: await readFile((await d.path())!) };
    };
    const csv = await download('export-csv');
    expect(csv.name).toBe(`LTC-${miner}.csv`);
    const apiCsv = await (await fetch(`${base}/api/pools/LTC/miners/${miner}/export.csv`)).text();
    expect(csv.body.toString('utf8')).toBe(apiCsv);
    const lines = apiCsv.trim().split('\r\n');
    expect(lines.filter((l) => l.includes('"payment"'))).toHaveLength(m.payments.length);
    expect(lines.filter((l) => l.includes('"reward"'))).toHaveLength(m.rewards.length);

    const xlsx = await download('export-xlsx');
    expect(xlsx.name).toBe(`LTC-${miner}.xlsx`);
    const sheetRows = async (bytes: Buffer) => {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(bytes as unknown as ArrayBuffer);
      return wb.worksheets[0]!.getSheetValues().map((r) => (Array.isArray(r) ? r.slice(1).map(String) : []));
    };
    const apiXlsx = Buffer.from(await (await fetch(`${base}/api/pools/LTC/miners/${miner}/export.xlsx`)).arrayBuffer());
    const shownRows = await sheetRows(xlsx.body);
    expect(shownRows).toEqual(await sheetRows(apiXlsx));
    // The workbook holds the same cells as the CSV.
    const csvCells = lines.map((l) => l.slice(1, -1).split('","'));
    expect(shownRows.filter((r) => r.length > 0)).toEqual(csvCells);
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
