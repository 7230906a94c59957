import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config/load.js';
import { createLogger } from '../../local/logger.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { devnetConfig } from '../../local/run.js';
import { ARTIFACTS, launchChromium } from '../helpers/browser.js';
import { withDevnet } from '../helpers/devnet.js';
import { withDogeStandin } from '../helpers/doge-standin.js';
import { TestMiner } from '../helpers/test-miner.js';

// biome-ignore lint/suspicious/noExplicitAny: API answers are checked against what the page shows
type Json = Record<string, any>;

/**
 * `npm start`'s pool merging LTC (regtest litecoind) with DOGE (the stand-in node), a test miner giving its DOGE
 * address in the password, and Debian Chromium: the DOGE blocks its LTC shares found, with their LTC round, and the
 * miner's DOGE side on its LTC page.
 */
describe('merged mining on the dashboard of the running pool', () => {
  const net = withDevnet();
  const dogeNode = withDogeStandin();
  let pool: LocalPool;
  let browser: Browser;
  let miner: string;
  let dogeAddress: string;
  let base: string;
  const api = async (path: string): Promise<Json> => (await fetch(`${base}/api${path}`)).json() as Promise<Json>;

  beforeAll(async () => {
    const devnet = net.get();
    const doge = dogeNode.get();
    const defaults = devnetConfig(devnet, { stratum: 0, http: 0 }, undefined, undefined, doge);
    // A fixed share difficulty (vardiff must not move it mid-test); every such share meets the stand-in's target.
    const config = parseConfig({
      ...defaults,
      coins: defaults.coins.map((c) => ({
        ...c,
        ports: c.ports.map((p) => ({ ...p, difficulty: { initial: 0.002, min: 0.002, max: 0.002 } })),
      })),
    });
    pool = await startLocalPool({
      config,
      dataDir: net.dataDir(),
      log: createLogger('e2e-merged', 'silent'),
      moneyTimers: false,
    });
    base = `http://127.0.0.1:${pool.httpPort}`;
    miner = await devnet.minerWallet.getNewAddress('merged', 'bech32');
    dogeAddress = doge.minerAddress;
    const m = await TestMiner.connect(
      pool.coins.get('LTC')!.service.ports[0]!,
      `${miner}.rig1`,
      'scrypt',
      `doge=${dogeAddress}`,
    );
    for (let i = 0; i < 3; i++) {
      await m.submitOne();
      await new Promise((r) => setTimeout(r, 100));
    }
    m.close();
    await pool.settle();
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await pool?.stop();
  });

  it('lists the DOGE blocks the LTC shares found, with their LTC round, and says DOGE is merged with LTC', async () => {
    const blocks = (await api('/pools/DOGE/blocks')).blocks as Json[];
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.every((b) => b.finder === miner && b.round?.coin === 'LTC')).toBe(true);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${base}/#/`);
    await page.getByTestId('merges').waitFor();
    await page.locator('#coin').selectOption('DOGE');
    await page.getByTestId('merged-with').waitFor();
    const rows = page.getByTestId('block-row');
    await rows.first().waitFor();
    expect(await page.getByTestId('block-round').first().textContent()).toBe(`LTC ${blocks[0]!.round.height}`);
    expect(await rows.first().textContent()).toContain(miner);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-merged-pool-doge.png'), fullPage: true });
    await page.close();
  });

  it('shows the miner’s DOGE address from its password in the Merged mining section of its LTC page', async () => {
    const m = await api(`/pools/LTC/miners/${miner}`);
    expect(m.merged).toEqual([
      expect.objectContaining({ coin: 'DOGE', address: expect.objectContaining({ address: dogeAddress }) }),
    ]);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${base}/#/miner/${miner}`);
    const side = page.getByTestId('merged-DOGE');
    await side.waitFor();
    expect(await side.getByTestId('aux-address').textContent()).toBe(dogeAddress);
    expect(await side.textContent()).toContain('from the mining password');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-merged-pool-miner.png'), fullPage: true });
    await page.close();
  });
});
