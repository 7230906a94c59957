import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EthHeaderJson, sealHash } from '../../core/chain/eth-header.js';
import { ETC_CHAINS } from '../../core/coins/ethash-chains.js';
import { parseConfig } from '../../core/config/load.js';
import { blockReward } from '../../core/rewards/ecip1017.js';
import { type EtcDevnet, startEtcDevnet } from '../../local/devnet/core-geth.js';
import { createLogger } from '../../local/logger.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { etcDevnetCoin } from '../../local/run.js';
import { coins } from '../../web/src/format.js';
import { launchChromium } from '../helpers/browser.js';
import {
  EPOCH0_SEED,
  type EtchashSearcher,
  EtcPoolMiner,
  epochZeroSearcher,
  mineNodeBlock,
  type SentShare,
} from '../helpers/etc-pool-miner.js';

/** Every share is 16 hashes (vardiff held still); the devnet's blocks take 256, so about one share in 16 is a block. */
const SHARE_DIFFICULTY = 16;
const FEE_BASIS_POINTS = 100n;

/**
 * Ethereum Classic end to end on core-geth: the pool's ETC port (npm start's devnet config) serves an EthProxy miner
 * and an EthereumStratum/1.0.0 miner in test code hashing the real etchash; each finds a block that the node takes
 * (paying the pool address, sealed with the nonce and mix they mined); once 16 blocks deep both are confirmed by
 * their seal hash and credited in wei to the miners and the fee wallet, exactly the era reward, and the ledger audits;
 * payouts signed by the pool key (through the devnet's PayoutBatch contract) pay each address its exact wei once.
 */
describe('ETC mined through the pool on the core-geth devnet', () => {
  let dir: string;
  let etc: EtcDevnet;
  let pool: LocalPool;
  let searcher: EtchashSearcher;
  let networkTarget: bigint;
  const proxyMiner = Wallet.createRandom().address;
  const es1Miner = Wallet.createRandom().address;
  const blocks = new Map<string, SentShare>();
  const shares: SentShare[] = [];
  /** Shares the EthProxy miner had accepted (all it sent, before the two it sent to be refused). */
  let proxyAccepted = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etc-e2e-'));
    const log = createLogger('etc-e2e', 'silent');
    [etc, searcher] = await Promise.all([
      startEtcDevnet({ dataDir: dir, log, payoutContract: true }),
      epochZeroSearcher(),
    ]);
    const coin = etcDevnetCoin(etc, 0);
    const fixed = { initial: SHARE_DIFFICULTY, min: SHARE_DIFFICULTY, max: SHARE_DIFFICULTY };
    const config = parseConfig({
      pool: { name: 'etc e2e' },
      http: { host: '127.0.0.1', port: 0 },
      coins: [{ ...coin, ports: coin.ports.map((p) => ({ ...p, difficulty: fixed })) }],
    });
    pool = await startLocalPool({ config, dataDir: dir, log, moneyTimers: false });
    networkTarget = BigInt((await etc.nodeA.client.getWork()).target);
  }, 120_000);

  afterAll(async () => {
    await pool?.stop();
    await etc?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  const rawBlock = (height: number) =>
    etc.nodeB.client.call<EthHeaderJson & { uncles: string[]; transactions: string[] }>('eth_getBlockByNumber', [
      `0x${height.toString(16)}`,
      false,
    ]);

  it('an EthProxy miner and an EthereumStratum/1.0.0 miner each find a block the node takes, sealed as they mined it; a stale and a malformed share are refused', async () => {
    expect(networkTarget).toBe((1n << 256n) / 256n);
    const port = pool.coins.get('ETC')!.service.ports[0]!;
    for (const [address, dialect] of [
      [proxyMiner, 'ethproxy'],
      [es1Miner, 'ethereumstratum'],
    ] as const) {
      const miner = await EtcPoolMiner.connect(port, `${address}.rig1`, dialect, searcher);
      expect(miner.current().seed).toBe(EPOCH0_SEED);
      const block = await miner.mineBlock(networkTarget);
      blocks.set(address, block);
      shares.push(...miner.sent);
      // Both dialects' shares are checked by the pool with the light cache: every one found at the boundary passes.
      expect(miner.sent.filter((s) => !s.accepted)).toEqual([]);
      if (dialect === 'ethproxy') {
        // A share on the block's own work, now a block ago (stale), and one with a malformed nonce (invalid): refused,
        // and counted against rig1 (the API test below reads them).
        const nonce = `0x${(block.nonce + 1n).toString(16).padStart(16, '0')}`;
        const submit = (n: string, header: string) =>
          miner.request('eth_submitWork', [n, `0x${header}`, `0x${block.mix}`], { jsonrpc: '2.0' });
        expect(await submit(nonce, block.header)).toMatchObject({ result: false, error: { code: 21 } });
        expect(await submit('0xnot-hex!', miner.current().header)).toMatchObject({
          result: false,
          error: { code: 20 },
        });
        proxyAccepted = miner.sent.length;
      }
      miner.close();
    }
    await etc.waitForSync();
    await pool.settle();

    const found = await pool.storage.shares.poolStats.listBlocks('ETC');
    expect(found.map((b) => b.miner).sort()).toEqual([proxyMiner, es1Miner].sort());
    for (const block of found) {
      const share = blocks.get(block.miner)!;
      expect(block.submitResult).toBe('accepted');
      // The pool knows its block by the seal hash of the work it was found on (64 hex digits, as batches carry it).
      expect(block.hash).toBe(share.header);
      // Node B has it from node A: the chain holds the block at its height, paying the pool, with our seal.
      const chain = await rawBlock(block.height);
      expect(chain.miner.toLowerCase()).toBe(etc.poolAddress.toLowerCase());
      expect(sealHash(chain)).toBe(`0x${block.hash}`);
      expect(BigInt(chain.nonce)).toBe(share.nonce);
      // EthProxy sent this mix; for ES/1 (no mix on the wire) the pool computed it: the same digest either way.
      expect(chain.mixHash).toBe(`0x${share.mix}`);
    }
  }, 120_000);

  it('confirms both blocks 16 deep by their seal hash, credits miners and fees the era reward in wei, and audits', async () => {
    const found = await pool.storage.shares.poolStats.listBlocks('ETC');
    expect(found).toHaveLength(2);
    const money = pool.coins.get('ETC')!.money!;
    const tip = Math.max(...found.map((b) => b.height));
    // The node cannot mine itself (zero miner threads): blocks come from eth_getWork / eth_submitWork only.
    while ((await etc.nodeA.client.blockNumber()) < tip + 15) await mineNodeBlock(etc.nodeA.client, searcher);
    await etc.waitForSync();

    expect(await money.confirm()).toMatchObject({ confirmed: 2 });
    expect(await money.confirm()).toMatchObject({ confirmed: 0 }); // credited once

    // What the chain paid: the era-0 reward (ECIP-1017) for each, with no uncles and no transactions to add.
    let reward = 0n;
    for (const block of found) {
      const chain = await rawBlock(block.height);
      expect([chain.uncles, chain.transactions]).toEqual([[], []]);
      reward += blockReward(block.height, ETC_CHAINS.devnet.eraRounds);
    }
    expect(reward).toBe(10n * 10n ** 18n);

    const balances = await money.balances();
    const confirmed = (a: string) => balances.get(a)?.confirmed ?? 0n;
    const fees = confirmed(etc.feeAddress);
    // miners + fees + dust = reward, to the wei; nothing else holds a balance
    expect([...balances.values()].reduce((s, b) => s + b.confirmed + b.immature, 0n)).toBe(reward);
    expect(confirmed(proxyMiner) + confirmed(es1Miner) + fees).toBe(reward);
    expect(confirmed(proxyMiner)).toBeGreaterThan(0n);
    expect(confirmed(es1Miner)).toBeGreaterThan(0n);
    // 1 % of each block, plus the rounding dust of the PPLNS split (a few wei per miner at most)
    const fee = (reward * FEE_BASIS_POINTS) / 10_000n;
    expect(fees - fee).toBeGreaterThanOrEqual(0n);
    expect(fees - fee).toBeLessThan(100n);
    expect(await money.audit()).toMatchObject({ ok: true });
  }, 180_000);

  it('pays every balance in one transaction signed by the pool key through PayoutBatch, exactly once, settled 3 blocks deep', async () => {
    const money = pool.coins.get('ETC')!.money!;
    const owed = new Map([...(await money.balances())].map(([a, b]) => [a, b.confirmed]));
    expect(owed.size).toBe(3); // two miners and the fee wallet
    const onChain = async (a: string) => BigInt(await etc.nodeA.client.call<string>('eth_getBalance', [a, 'latest']));
    for (const address of owed.keys()) expect(await onChain(address)).toBe(0n);

    expect(await money.payouts()).toMatchObject({ status: 'progressed', payouts: [{ status: 'sent' }] });
    // Nothing mines on its own: the payout waits in the node until a block includes it (core-geth puts a new
    // transaction into its work at the next head or its recommit, every few seconds).
    let blocksMined = 0;
    for (;;) {
      await mineNodeBlock(etc.nodeA.client, searcher);
      blocksMined++;
      const report = await money.payouts();
      expect(report).toMatchObject({ status: 'progressed', payouts: [{}] });
      if ((report as { payouts: { status: string }[] }).payouts[0]!.status === 'confirmed') break;
      expect(blocksMined).toBeLessThan(10);
    }
    // Settled 3 blocks deep (the devnet's payouts.confirmations), by a pass after each block: not at 1 or 2.
    const [payout] = await pool.storage.money.listPayouts('ETC');
    const receipt = await etc.nodeA.client.call<{ blockNumber: string }>('eth_getTransactionReceipt', [payout!.txid]);
    expect((await etc.nodeA.client.blockNumber()) - Number(receipt.blockNumber) + 1).toBe(3);

    for (const [address, amount] of owed) {
      expect(await onChain(address)).toBe(amount); // the exact wei the ledger owed
      expect((await money.balances()).get(address)).toMatchObject({ confirmed: 0n, pending: 0n, paid: amount });
    }
    expect(await money.payouts()).toEqual({ status: 'idle' }); // nothing left: never paid twice
    expect(await money.audit()).toMatchObject({ ok: true });
  }, 120_000);

  it("the API and the dashboard show ETC: etchash hashrate in H/s, a worker's accepted, stale and invalid shares, amounts with 18 decimals, a lolMiner command", async () => {
    const base = `http://127.0.0.1:${pool.httpPort}`;
    // biome-ignore lint/suspicious/noExplicitAny: API answers are compared with what the page shows
    const api = async (path: string): Promise<any> => (await fetch(`${base}/api${path}`)).json();
    const p = await api('/pools/ETC');
    expect(p).toMatchObject({ coin: 'ETC', network: 'devnet', algorithm: 'etchash', decimals: 18, blocksFound: 2 });
    // Every accepted share is 16 hashes: the 10-minute hashrate is their hashes over 600 s.
    const hashes = shares.filter((s) => s.accepted).length * SHARE_DIFFICULTY;
    expect(p.hashrate['10m']).toBeCloseTo(hashes / 600, 6);
    expect(p.chain).toMatchObject({ difficulty: 256 });

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(`${base}/#/`);
      await page.getByRole('heading', { name: 'ETC pool' }).waitFor();
      expect(await page.getByLabel('coin').locator('option').allTextContents()).toEqual(['ETC']);
      const port = pool.coins.get('ETC')!.service.ports[0];
      expect(await page.getByTestId('miner-command').first().textContent()).toBe(
        `lolMiner --algo ETCHASH --pool 127.0.0.1:${port} --user YOUR_ADDRESS.worker`,
      );
      await page.goto(`${base}/#/miner/${proxyMiner}`);
      await page.getByTestId('paid').waitFor();
      const m = await api(`/pools/ETC/miners/${proxyMiner}`);
      expect(m.workers).toEqual([
        expect.objectContaining({ name: 'rig1', accepted: proxyAccepted, stale: 1, invalid: 1, duplicate: 0 }),
      ]);
      expect(BigInt(m.balance.paid)).toBeGreaterThan(10n ** 18n); // several ETC, not 10^10 times that
      expect(await page.getByTestId('paid').textContent()).toBe(coins(m.balance.paid, 18));
      expect(await page.getByTestId('miner-payment-row').first().textContent()).toContain(coins(m.balance.paid, 18));
    } finally {
      await browser.close();
    }
  }, 60_000);
});
