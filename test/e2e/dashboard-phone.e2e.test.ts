import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../local/logger.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { ARTIFACTS, expectFitsPhone, launchChromium, PHONE } from '../helpers/browser.js';
import { withDevnet } from '../helpers/devnet.js';
import { testPoolConfig } from '../helpers/pool-config.js';
import { TestMiner } from '../helpers/test-miner.js';

/**
 * Every dashboard page on a 360 px wide phone, with `npm start`'s pool on the regtest devnet holding real numbers (a
 * miner's workers, found blocks): the document never scrolls sideways; wide tables scroll inside their own box.
 */
describe('dashboard on a 360 px phone', () => {
  const net = withDevnet();
  let pool: LocalPool;
  let browser: Browser;
  let base: string;
  let miner: string;

  beforeAll(async () => {
    const devnet = net.get();
    pool = await startLocalPool({
      config: testPoolConfig(devnet, 0.002),
      dataDir: net.dataDir(),
      log: createLogger('e2e-phone', 'silent'),
      moneyTimers: false,
    });
    base = `http://127.0.0.1:${pool.httpPort}`;
    miner = await devnet.minerWallet.getNewAddress('phone', 'bech32');
    const m = await TestMiner.connect(pool.coins.get('LTC')!.service.ports[0]!, `${miner}.a-rig-with-a-long-name-01`);
    for (let i = 0; i < 3; i++) {
      await m.submitOne();
      await new Promise((r) => setTimeout(r, 100));
    }
    m.close();
    await pool.settle();
    await pool.coins.get('LTC')!.money!.confirm();
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await pool?.stop();
  });

  it('shows every page without sideways scrolling; tables scroll in their own box', async () => {
    const page = await browser.newPage({ viewport: PHONE });
    // Each route with what shows it has loaded (its heading at least).
    const routes: Array<[string, string | undefined]> = [
      ['#/', 'pool-hashrate'],
      ['#/blocks', 'block-row'],
      ['#/payments', undefined],
      ['#/switching', 'no-switching'],
      [`#/miner/${miner}`, 'worker-row'],
      ['#/signin', 'signin-form'],
      ['#/signup', 'signup-form'],
      ['#/account', 'no-accounts'], // this pool has no `accounts` section
      ['#/change/some-token', 'change-apply'],
      // The confirm page asks for the password before it sends anything (the mailbox's owner chooses it).
      ['#/confirm/not-a-token', 'confirm-form'],
      ['#/forgot', 'forgot-form'],
      ['#/reset/not-a-token', 'reset-form'],
    ];
    for (const [route, testid] of routes) {
      await page.goto(`${base}/${route}`);
      await page.locator('#view h1').waitFor();
      if (testid) await page.getByTestId(testid).first().waitFor();
      // A table wider than the phone scrolls inside its box, never the page.
      await expectFitsPhone(page, route);
      await page.screenshot({ path: join(ARTIFACTS, `phone-${route.split('/')[1] || 'pool'}.png`), fullPage: true });
    }
    // The miner page's workers table keeps all its columns on the phone (they scroll, none is hidden).
    await page.goto(`${base}/#/miner/${miner}`);
    await page.getByTestId('worker-row').first().waitFor();
    const hidden = await page.evaluate<number>(
      "[...document.querySelectorAll('[data-testid=worker-row] td')].filter((td) => getComputedStyle(td).display === 'none').length",
    );
    expect(hidden).toBe(0);
    // The lookup form's input fits too.
    const input = await page.getByLabel('miner address').boundingBox();
    expect(input!.x + input!.width).toBeLessThanOrEqual(PHONE.width);
    await page.close();
    // Every page of a devnet pool in Chromium: 5–10 s on a quiet machine, over 30 s on a loaded CI run.
  }, 90_000);
});
