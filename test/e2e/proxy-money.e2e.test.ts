import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from '../../adapters/rpc/daemon-client.js';
import type { PayoutReport } from '../../app/payouts/payouts.js';
import { balancesFromEntries } from '../../core/ledger/ledger.js';
import { parseAmount } from '../../core/ledger/payouts.js';
import { COIN, ensureWallet } from '../../local/devnet/chain.js';
import { createLogger } from '../../local/logger.js';
import type { MoneyRunner } from '../../local/money.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { withDevnet } from '../helpers/devnet.js';
import { minerTotal } from '../helpers/dynamo.js';
import { testPoolConfig } from '../helpers/pool-config.js';
import { TestMiner } from '../helpers/test-miner.js';

/**
 * Proxy mining's money end to end on the LTC devnet, two pools: the upstream (a second instance of this pool, paying
 * from the `pool` wallet) and the proxy, whose pool address is in a wallet of its own (`proxy`), so what the upstream
 * pays it is income, not a wallet paying itself. Two miners mine through the proxy; the upstream credits the proxy's
 * account, matures its block and pays it; the proxy records that payment, waits for its confirmations, splits it by
 * its miners' shares with its 1 % fee and pays them from its wallet. Every unit is followed from one ledger to the
 * other and onto the chain. PROP takes every share since the previous payment; PPLNS the last 2 × the network
 * difficulty of shares (about 6 of these on regtest), all in the one round of the upstream's block and cut pro rata:
 * both split 7:2.
 */
describe.each(['PROP', 'PPLNS'] as const)(
  "proxy mining's money (%s): the upstream pays the proxy, the proxy pays its miners",
  (distribution) => {
    const net = withDevnet();
    const log = createLogger('proxy-money-e2e', 'silent');
    const UPSTREAM_DIFFICULTY = 0.00001;
    let upstream: LocalPool;
    let proxy: LocalPool;
    let proxyWallet: DaemonClient;
    let proxyAddress: string;
    let alice: string;
    let bob: string;
    const miners: TestMiner[] = [];

    const moneyOf = (pool: LocalPool): MoneyRunner => pool.coins.get('LTC')!.money!;
    /** Runs a pool's payouts until its payout went out, then until it is confirmed (one block later). */
    async function payAll(pool: LocalPool): Promise<Array<{ id: string; status: string; txid?: string }>> {
      const sent = (await moneyOf(pool).payouts()) as Extract<PayoutReport, { status: 'progressed' }>;
      expect(sent.status).toBe('progressed');
      await net.get().mine(1);
      const confirmed = (await moneyOf(pool).payouts()) as Extract<PayoutReport, { status: 'progressed' }>;
      expect(confirmed.payouts.map((p) => p.status)).toEqual(sent.payouts.map(() => 'confirmed'));
      return confirmed.payouts;
    }

    beforeAll(async () => {
      const devnet = net.get();
      proxyWallet = await ensureWallet(devnet.clientA, 'proxy');
      proxyAddress = (await proxyWallet.getNewAddress('pool', 'bech32')) as string;
      alice = (await devnet.minerWallet.getNewAddress('alice', 'bech32')) as string;
      bob = (await devnet.minerWallet.getNewAddress('bob', 'bech32')) as string;
      // The proxy wallet's float for payout fees, at another of its addresses: never taken for upstream income.
      await devnet.minerWallet.sendToAddress((await proxyWallet.getNewAddress('float', 'bech32')) as string, COIN);
      await devnet.mine(1);

      const upstreamDir = join(net.dataDir(), 'upstream');
      await mkdir(upstreamDir, { recursive: true });
      upstream = await startLocalPool({
        config: testPoolConfig(devnet, UPSTREAM_DIFFICULTY, { jobs: { extranonce2Size: 8 } }),
        dataDir: upstreamDir,
        log,
        moneyTimers: false,
      });
      const port = upstream.coins.get('LTC')!.service.ports[0]!;
      const proxyDir = join(net.dataDir(), 'proxy');
      await mkdir(proxyDir, { recursive: true });
      proxy = await startLocalPool({
        config: testPoolConfig(devnet, UPSTREAM_DIFFICULTY / 2, {
          poolAddress: proxyAddress,
          payouts: { wallet: 'proxy', intervalSeconds: 60, minimum: '100000', maxRecipients: 100 },
          proxy: {
            upstreams: [{ url: `stratum+tcp://127.0.0.1:${port}`, user: `${proxyAddress}.edge`, password: 'x' }],
            distribution,
            confirmations: 2,
            requestTimeoutSeconds: 5,
          },
        }),
        dataDir: proxyDir,
        log,
        moneyTimers: false,
      });
      // The proxy's first pass: what its wallet holds now (the float) is not upstream income.
      expect((await moneyOf(proxy).confirm()).upstream).toMatchObject({ recorded: 0 });
    });

    afterAll(async () => {
      for (const m of miners) m.close();
      await proxy?.stop();
      await upstream?.stop();
    });

    it('splits what the upstream paid among the proxy miners by their shares, pays them, and both ledgers audit', async () => {
      const devnet = net.get();
      const port = proxy.coins.get('LTC')!.service.ports[0]!;
      const a = await TestMiner.connect(port, `${alice}.rig`);
      const b = await TestMiner.connect(port, `${bob}.rig`);
      miners.push(a, b);
      // Alice hashes more than twice as fast as bob: 7 shares to his 2 at the same difficulty (the upstream's).
      for (let i = 0; i < 6; i++) expect(await a.submitOne('share')).toBe(true);
      for (let i = 0; i < 2; i++) expect(await b.submitOne('share')).toBe(true);
      expect(await a.submitOne('block')).toBe(true); // the upstream's block, found through the proxy
      await upstream.settle();
      await proxy.settle();
      expect((await minerTotal(upstream.storage.shares.miners, 'LTC', proxyAddress)).shares).toBe(9);
      expect((await minerTotal(proxy.storage.shares.miners, 'LTC', alice)).shares).toBe(7);
      expect((await minerTotal(proxy.storage.shares.miners, 'LTC', bob)).shares).toBe(2);

      // The upstream's block matures; its payouts pay the proxy's pool address (and its own fee wallet).
      await devnet.mine(101);
      await moneyOf(upstream).confirm();
      const upstreamOwes = (await upstream.storage.money.getBalance('LTC', proxyAddress)).confirmed;
      expect(upstreamOwes).toBeGreaterThan(0n);
      const sent = (await moneyOf(upstream).payouts()) as Extract<PayoutReport, { status: 'progressed' }>;
      expect(sent.status).toBe('progressed');
      const upstreamPayouts = await upstream.storage.money.listPayouts('LTC');
      const toProxy = upstreamPayouts.flatMap((p) => p.recipients.filter((r) => r.account === proxyAddress));
      expect(toProxy.map((r) => r.amount)).toEqual([upstreamOwes]);
      const txid = upstreamPayouts.find((p) => p.recipients.some((r) => r.account === proxyAddress))!.txid!;

      // The proxy sees it at once, and waits for its 2 confirmations.
      expect((await moneyOf(proxy).confirm()).upstream).toMatchObject({ recorded: 1, waiting: 1, credited: 0 });
      await devnet.mine(1);
      expect((await moneyOf(proxy).confirm()).upstream).toMatchObject({ recorded: 0, waiting: 1, credited: 0 });
      await devnet.mine(1);
      expect((await moneyOf(proxy).confirm()).upstream).toMatchObject({ credited: 1, creditedAmount: upstreamOwes });
      expect((await moneyOf(upstream).payouts()).status).toBe('progressed'); // the upstream's payout is confirmed

      // On the chain: one output of the upstream's transaction pays the proxy's pool address that much.
      const received = (await proxyWallet.getTransaction(txid)).details.filter((d) => d.category === 'receive');
      expect(received.map((d) => d.address)).toEqual([proxyAddress]);
      const [recorded] = await proxy.storage.money.listUpstreamPayouts('LTC');
      expect(recorded).toMatchObject({ id: `${txid}:${received[0]!.vout}`, amount: upstreamOwes, status: 'credited' });

      // 7:2, after the proxy's 1 % fee; the fee wallet also takes the rounding dust. Nothing more, nothing less.
      const entries = (await proxy.storage.money.listEntries('LTC')).filter((e) => e.kind === 'upstream');
      const credited = balancesFromEntries(entries);
      const fee = upstreamOwes / 100n;
      const aliceGets = ((upstreamOwes - fee) * 7n) / 9n;
      const bobGets = ((upstreamOwes - fee) * 2n) / 9n;
      expect(credited.get(alice)!.confirmed).toBe(aliceGets);
      expect(credited.get(bob)!.confirmed).toBe(bobGets);
      expect(credited.get(devnet.feeAddress)!.confirmed).toBe(upstreamOwes - aliceGets - bobGets);
      expect(entries.reduce((s, e) => s + e.amount, 0n)).toBe(upstreamOwes);
      expect(new Set(entries.map((e) => e.ref))).toEqual(new Set([recorded!.id]));

      // The proxy pays its miners (and its fee wallet) from the proxy wallet.
      const before = { alice: await receivedBy(alice), bob: await receivedBy(bob) };
      const paid = await payAll(proxy);
      expect(paid).toHaveLength(1);
      const payout = (await proxy.storage.money.getPayouts('LTC', [paid[0]!.id]))[0]!;
      const paidTo = new Map(payout.recipients.map((r) => [r.account, r.amount]));
      expect(paidTo.get(alice)).toBe(aliceGets);
      expect(paidTo.get(bob)).toBe(bobGets);
      expect(await receivedBy(alice)).toBe(before.alice + aliceGets);
      expect(await receivedBy(bob)).toBe(before.bob + bobGets);
      // From the proxy wallet: its send, not the upstream's wallet.
      const spent = await proxyWallet.getTransaction(paid[0]!.txid!);
      expect(spent.details.some((d) => d.category === 'send' && d.address === alice)).toBe(true);
      expect((await proxy.storage.money.getBalance('LTC', alice)).confirmed).toBe(0n);

      expect(await moneyOf(upstream).audit()).toMatchObject({ ok: true });
      expect(await moneyOf(proxy).audit()).toMatchObject({ ok: true });
      // A pass more: the payment is not counted again.
      expect((await moneyOf(proxy).confirm()).upstream).toMatchObject({ recorded: 0, credited: 0 });
    });

    /** What a miner's address has received on the chain (the miner wallet holds it), base units. */
    async function receivedBy(address: string): Promise<bigint> {
      return parseAmount(await net.get().minerWallet.call<number>('getreceivedbyaddress', [address, 0]));
    }
  },
);
