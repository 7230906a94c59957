import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config/load.js';
import type { PoolConfig } from '../../core/config/schema.js';
import { type BtcDevnet, startBtcDevnet } from '../../local/devnet/btcd.js';
import { type Devnet, startDevnet } from '../../local/devnet/index.js';
import { createLogger } from '../../local/logger.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { devnetConfig } from '../../local/run.js';
import { coins } from '../../web/src/format.js';
import { launchChromium } from '../helpers/browser.js';
import type { MinerAlgorithm } from '../helpers/scrypt-miner.js';
import { TestMiner } from '../helpers/test-miner.js';

/** Share difficulties that a miner in test code reaches in a few milliseconds; on both devnets every share is a block. */
const DIFFICULTY: Record<string, number> = { LTC: 0.002, BTC: 0.000001 };

/** `npm start`'s two-coin config on ephemeral ports, each coin's share difficulty fixed (vardiff must not move it). */
function twoCoinConfig(ltc: Devnet, btc: BtcDevnet): Readonly<PoolConfig> {
  const defaults = devnetConfig(ltc, { stratum: 0, btcStratum: 0, http: 0 }, btc);
  return parseConfig({
    ...defaults,
    coins: defaults.coins.map((c) => {
      const d = DIFFICULTY[c.symbol]!;
      return {
        ...c,
        ports: c.ports.map((p) => ({ ...p, difficulty: { ...p.difficulty, initial: d, min: d, max: d } })),
      };
    }),
  });
}

/**
 * One local pool mining two coins on two real nodes at once: a sha256d miner on BTC's port (btcd simnet) while a
 * scrypt miner works LTC's (litecoind regtest). Blocks are accepted by both nodes, mature, are paid out on chain, and
 * both ledgers audit.
 */
describe('LTC and BTC mined side by side in one pool', () => {
  let dir: string;
  let ltc: Devnet;
  let btc: BtcDevnet;
  let pool: LocalPool;
  const miners = new Map<string, string>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'two-coins-'));
    const log = createLogger('two-coins', 'silent');
    [ltc, btc] = await Promise.all([startDevnet({ dataDir: dir, log }), startBtcDevnet({ dataDir: dir, log })]);
    pool = await startLocalPool({ config: twoCoinConfig(ltc, btc), dataDir: dir, log, moneyTimers: false });
    miners.set('LTC', await ltc.minerWallet.getNewAddress('two-coins', 'bech32'));
    miners.set('BTC', await btc.walletClient.call<string>('getnewaddress', ['default', 'bech32']));
  }, 180_000);

  afterAll(async () => {
    await pool?.stop();
    await Promise.all([ltc?.stop(), btc?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  const heights = async () => ({ LTC: await ltc.clientA.getBlockCount(), BTC: await btc.node.getBlockCount() });
  const chainOf = (symbol: string) => (symbol === 'LTC' ? ltc.clientA : btc.node);
  /** What an address of the miners' wallets received, unconfirmed included (a second payment would show at once). */
  const received = async (symbol: string, address: string) => {
    const wallet = symbol === 'LTC' ? ltc.minerWallet : btc.walletClient;
    return BigInt(Math.round((await wallet.call<number>('getreceivedbyaddress', [address, 0])) * 1e8));
  };

  it('accepts both miners’ shares at once and both nodes take the blocks they found', async () => {
    const before = await heights();
    const mine = async (symbol: string, algorithm: MinerAlgorithm) => {
      const port = pool.coins.get(symbol)!.service.ports[0]!;
      const m = await TestMiner.connect(port, `${miners.get(symbol)}.rig1`, algorithm);
      for (let i = 0; i < 3; i++) {
        const seen = m.client.count('mining.notify');
        expect(await m.submitOne('block')).toBe(true);
        await m.client.nextNotification('mining.notify', seen); // the pool moved to the new tip
      }
      m.close();
      return m;
    };
    const [l, b] = await Promise.all([mine('LTC', 'scrypt'), mine('BTC', 'sha256d')]);
    expect([l.accepted, b.accepted]).toEqual([3, 3]);
    const after = await heights();
    expect(after.LTC - before.LTC).toBe(3);
    expect(after.BTC - before.BTC).toBe(3);

    await pool.settle();
    for (const symbol of ['LTC', 'BTC']) {
      const found = (await pool.storage.shares.poolStats.listBlocks(symbol)).filter(
        (x) => x.miner === miners.get(symbol),
      );
      expect(found, symbol).toHaveLength(3);
      for (const block of found) {
        expect(block.submitResult).toBe('accepted');
        // In the node's chain at its height: the node validated it (sha256d / scrypt PoW, coinbase, witness data).
        expect(await chainOf(symbol).getBlockHash(block.height)).toBe(block.hash);
      }
    }
  }, 60_000);

  it('matures both coins’ blocks and pays their miners on chain, and both ledgers audit', async () => {
    await Promise.all([ltc.mine(101), btc.mine(101)]);
    for (const symbol of ['LTC', 'BTC']) {
      const money = pool.coins.get(symbol)!.money!;
      await money.confirm();
      const balance = (await money.balances()).get(miners.get(symbol)!);
      expect(balance?.confirmed, symbol).toBeGreaterThan(0n);
    }

    // LTC through litecoind's wallet; BTC through btcwallet, once coins[].payouts is set for the BTC devnet.
    const paying = pool.config.coins.filter((c) => c.payouts).map((c) => c.symbol);
    expect(paying).toContain('LTC');
    for (const symbol of paying) {
      const money = pool.coins.get(symbol)!.money!;
      const owed = (await money.balances()).get(miners.get(symbol)!)!.confirmed;
      expect(await money.payouts()).toMatchObject({ status: 'progressed', payouts: [{ status: 'sent' }] });
      await (symbol === 'LTC' ? ltc.mine(1) : btc.mine(1));
      expect(await money.payouts()).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });
      // The miner's wallet received exactly what the ledger owed, once.
      expect(await received(symbol, miners.get(symbol)!), symbol).toBe(owed);
      expect((await money.balances()).get(miners.get(symbol)!)).toMatchObject({ confirmed: 0n, paid: owed });
    }
    for (const symbol of ['LTC', 'BTC']) {
      expect(await pool.coins.get(symbol)!.money!.audit(), symbol).toMatchObject({ ok: true });
    }
  }, 120_000);

  it('the dashboard’s coin selector shows each coin’s pool, blocks and miner pages', async () => {
    const base = `http://127.0.0.1:${pool.httpPort}`;
    // biome-ignore lint/suspicious/noExplicitAny: API answers are compared with what the page shows
    const api = async (path: string): Promise<any> => (await fetch(`${base}/api${path}`)).json();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const select = async (p: Page, symbol: string, route: string, ready: string) => {
        await p.goto(`${base}/#${route}`);
        await p.getByLabel('coin').selectOption(symbol);
        await p.getByRole('heading', { name: ready.replace('%', symbol) }).waitFor();
      };
      await page.goto(`${base}/#/`);
      await page.getByTestId('pool-hashrate').waitFor();
      expect(await page.getByLabel('coin').locator('option').allTextContents()).toEqual(['LTC', 'BTC']);
      for (const symbol of ['BTC', 'LTC']) {
        const p = await api(`/pools/${symbol}`);
        await select(page, symbol, '/', '% pool');
        const port = pool.coins.get(symbol)!.service.ports[0];
        expect(await page.getByTestId('stratum-url').first().textContent()).toBe(`stratum+tcp://127.0.0.1:${port}`);
        // The algorithm comes from the API (the coin registry), not from the coin's name.
        expect(p.algorithm).toBe(symbol === 'BTC' ? 'sha256d' : 'scrypt');
        expect(await page.getByTestId('miner-command').first().textContent()).toBe(
          `minerd -a ${p.algorithm} -o stratum+tcp://127.0.0.1:${port} -u YOUR_ADDRESS.worker -p x`,
        );
        expect(await page.getByTestId('blocks-found').textContent()).toBe(String(p.blocksFound));

        await select(page, symbol, '/blocks', '% blocks');
        const blocks = (await api(`/pools/${symbol}/blocks?limit=200`)).blocks as { height: number }[];
        expect(blocks.length).toBeGreaterThanOrEqual(3);
        const rows = await page.getByTestId('block-row').allTextContents();
        expect(rows).toHaveLength(blocks.length);
        expect(rows.map((r, i) => r.includes(String(blocks[i]!.height)))).not.toContain(false);

        const address = miners.get(symbol)!;
        await page.getByLabel('coin').selectOption(symbol);
        await page.goto(`${base}/#/miner/${address}`);
        await page.getByTestId('confirmed').waitFor();
        const m = await api(`/pools/${symbol}/miners/${address}`);
        expect(await page.getByTestId('confirmed').textContent()).toBe(coins(m.balance.confirmed));
        expect(await page.getByTestId('paid').textContent()).toBe(coins(m.balance.paid));
        expect(BigInt(m.balance.paid) + BigInt(m.balance.confirmed)).toBeGreaterThan(0n);
      }
      // A miner page of one coin is not the other's: an LTC address under BTC is refused with the API's reason.
      await page.goto(`${base}/#/`);
      await page.getByLabel('coin').selectOption('BTC');
      await page.goto(`${base}/#/miner/${miners.get('LTC')}`);
      await page.getByTestId('error').waitFor();
      expect(await page.getByTestId('error').textContent()).toMatch(/is not a valid BTC simnet address/);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
