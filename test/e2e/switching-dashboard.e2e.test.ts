import { join } from 'node:path';
import { payments } from 'bitcoinjs-lib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../adapters/aws/dynamo-money-store.js';
import { createDynamoShareStores } from '../../adapters/aws/dynamo-share-store.js';
import { ensureTables, tableNames } from '../../adapters/aws/tables.js';
import { getCoin } from '../../core/coins/registry.js';
import { parseConfig } from '../../core/config/load.js';
import { entryId } from '../../core/ledger/entries.js';
import { blockEntries } from '../../core/ledger/ledger.js';
import { createLocalApi } from '../../local/api.js';
import { coins } from '../../web/src/format.js';
import { memorySwitchingStore } from '../app/stats/helpers.js';
import { ARTIFACTS, expectFitsPhone, PHONE } from '../helpers/browser.js';
import { serveDashboard } from '../helpers/dashboard-server.js';
import { type Dynamo, startDynamo } from '../helpers/dynamo.js';

const btcAddress = (fill: number) =>
  payments.p2wpkh({ hash: Buffer.alloc(20, fill), network: getCoin('BTC').networks.regtest![0]! }).address!;
const bchAddress = (fill: number) =>
  payments.p2pkh({ hash: Buffer.alloc(20, fill), network: getCoin('BTC').networks.regtest![0]! }).address!;
const difficulty = { initial: 0.01, min: 0.001, max: 1000 };
const daemons = [{ url: 'http://127.0.0.1:19443', user: 'u', password: 'p' }];
/** A switching miner: its BTC address, credited on BTC and on BCH. */
const MINER = btcAddress(7);

/**
 * The dashboard's auto-switching in Debian Chromium: the built dashboard and the local API on dynalite (the miner's
 * BTC and BCH credits, a BCH conversion) and the switching store (the table, three switches) as a port leaves them.
 */
describe('auto-switching on the dashboard in a real browser', () => {
  let dynamo: Dynamo;
  let close: () => Promise<void>;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    dynamo = await startDynamo();
    for (const c of ['BTC', 'BCH']) await ensureTables(dynamo.client, 'e2esw', c);
    const doc = createDocumentClient(dynamo.client);
    const shares = createDynamoShareStores({ doc, tables: (c) => tableNames('e2esw', c) });
    const money = new DynamoMoneyStore(doc, (c) => tableNames('e2esw', c));
    await money.putEntries(
      'BTC',
      blockEntries('immature', 'b1', [{ account: MINER, role: 'miner', amount: 1_200n }], 1),
    );
    const credit = [{ account: MINER, role: 'miner' as const, amount: 80_000_000n }];
    await money.putEntries('BCH', [
      ...blockEntries('immature', 'h1', credit, 1),
      ...blockEntries('mature', 'h1', credit, 2),
    ]);
    await money.putEntries('BCH', [
      {
        id: entryId('convert-out', 'conv-1', 'miner', MINER),
        account: MINER,
        kind: 'convert-out',
        role: 'miner',
        amount: 30_000_000n,
        ref: 'conv-1',
        time: 3,
      },
    ]);
    const now = Date.now();
    const switching = memorySwitchingStore();
    await switching.putState({
      port: 'sha256',
      algorithm: 'sha256d',
      quote: 'BTC',
      current: 'BCH',
      since: now - 20 * 60_000,
      table: [
        {
          coin: 'BTC',
          earningsPerTerahash: '0.0000121',
          reward: '312500000',
          networkDifficulty: 1,
          price: '1',
          priceAt: now - 5_000,
          healthy: true,
          eligible: true,
        },
        {
          coin: 'BCH',
          earningsPerTerahash: '0.0000135',
          reward: '625000000',
          networkDifficulty: 1,
          price: '0.0062',
          priceAt: now - 900_000,
          healthy: true,
          eligible: false,
          ineligibleBecause: 'price stale (900 s)',
        },
      ],
      at: now - 1_000,
    });
    for (const [ago, from, to] of [
      [120, 'BTC', 'BCH'],
      [60, 'BCH', 'BTC'],
      [20, 'BTC', 'BCH'],
    ] as const) {
      await switching.recordSwitch({
        port: 'sha256',
        at: now - ago * 60_000,
        from,
        to,
        reason: `${to} beat ${from} by 11% for 300 s`,
      });
    }
    const coin = (symbol: string, poolAddress: string, port: number, extra = {}) => ({
      symbol,
      network: 'regtest',
      poolAddress,
      daemons,
      ports: [{ port, difficulty }],
      ...extra,
    });
    const config = parseConfig({
      coins: [
        coin('BTC', btcAddress(1), 3334),
        coin('BCH', bchAddress(2), 3337, {
          conversion: {
            exchanges: [{ id: 'binance', takerFeeBps: 10, withdrawalFees: { BTC: '100' } }],
            targets: [{ currency: 'BTC', feeWallets: [{ address: btcAddress(3) }] }],
          },
        }),
      ],
      switching: [
        {
          name: 'sha256',
          algorithm: 'sha256d',
          coins: ['BTC', 'BCH'],
          payoutCurrency: 'BTC',
          ports: [{ port: 3340, difficulty }],
          prices: { exchanges: [{ id: 'binance' }] },
        },
      ],
    });
    const api = createLocalApi({
      config,
      shares,
      money,
      log: { error: () => {} },
      boundPorts: () => undefined,
      switching,
    });
    ({ base, browser, close } = await serveDashboard(api));
  }, 120_000);

  afterAll(async () => {
    await close?.();
    await dynamo?.close();
  });

  it('shows the port’s coin now, its profitability table, the coin over time and how to connect', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${base}/#/`);
    await page.getByRole('link', { name: 'Switching' }).click();
    const port = page.getByTestId('switching-port');
    await port.waitFor();
    expect(await port.getAttribute('data-port')).toBe('sha256');
    expect(await page.getByTestId('switching-current').textContent()).toBe('BCH');
    expect(await page.getByTestId('switching-payout').textContent()).toBe('BTC');
    const rows = page.getByTestId('profitability-row');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).getByTestId('earnings').textContent()).toBe('0.0000121');
    expect(await rows.nth(1).getByTestId('eligible').textContent()).toBe('no: price stale (900 s)');
    // 3 h range: all three switches, newest first, and the chart drawn from them.
    expect(await page.getByTestId('switch-row').count()).toBe(3);
    expect(await page.getByTestId('switch-row').first().textContent()).toContain('BCH beat BTC by 11%');
    await page.locator('#switch-chart-sha256 canvas').waitFor();
    expect(await page.getByTestId('switching-url').textContent()).toBe('stratum+tcp://127.0.0.1:3340');
    expect(await page.getByTestId('switching-command').textContent()).toContain('-u YOUR_BTC_ADDRESS.worker');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-switching.png'), fullPage: true });
    await page.goto(`${base}/#/switching/nope`);
    await page.getByTestId('error').waitFor();
    await page.close();
  });

  it('the switching miner’s BTC page lists its balance on each coin of the port, converted included', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${base}/#/miner/${MINER}`);
    const rows = page.getByTestId('switching-coin-row');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(2);
    const bch = (await rows.nth(1).textContent())!;
    expect(bch).toContain('BCH');
    expect(bch).toContain(coins('50000000'));
    expect(await rows.nth(1).getByTestId('switching-converted').textContent()).toBe(coins('30000000'));
    expect(await rows.nth(0).textContent()).toContain(coins('1200'));
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-switching-miner.png'), fullPage: true });
    await page.close();
  });

  it('fits the switching page and the switching miner’s page on a 360 px phone', async () => {
    const page = await browser.newPage({ viewport: PHONE });
    await page.goto(`${base}/#/switching`);
    await page.locator('#switch-chart-sha256 canvas').waitFor();
    await expectFitsPhone(page, '#/switching');
    await page.goto(`${base}/#/miner/${MINER}`);
    await page.getByTestId('switching-coin-row').first().waitFor();
    await expectFitsPhone(page, 'switching miner');
    await page.close();
  });
});
