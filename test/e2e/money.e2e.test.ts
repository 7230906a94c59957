import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from '../../adapters/rpc/daemon-client.js';
import { formatAmount, parseAmount } from '../../core/ledger/payouts.js';
import { createLogger } from '../../local/logger.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { withDevnet } from '../helpers/devnet.js';
import { testPoolConfig } from '../helpers/pool-config.js';
import { TestMiner } from '../helpers/test-miner.js';

/**
 * Money end to end on the devnet: two miners with different hashrates find blocks, the chain passes coinbase
 * maturity, confirmation credits the ledger, payouts send one transaction, and every address receives exactly
 * what the ledger says — then a second run sends nothing, and crashes around sendmany pay no one twice.
 */
describe('rewards and payouts on the devnet', () => {
  const net = withDevnet();
  let pool: LocalPool;
  let alice: string;
  let bob: string;
  let fee1: string;
  let fee2: string;
  let wallet: DaemonClient;
  const received = async (address: string) =>
    parseAmount(await wallet.call<number>('getreceivedbyaddress', [address, 1]));

  beforeAll(async () => {
    const devnet = net.get();
    wallet = devnet.minerWallet;
    alice = await wallet.getNewAddress('alice', 'bech32');
    bob = await wallet.getNewAddress('bob', 'bech32');
    fee1 = await wallet.getNewAddress('fee1', 'bech32');
    fee2 = await wallet.getNewAddress('fee2', 'bech32');
    // The pool wallet pays the network fee of payout transactions: give it a float for that.
    await devnet.minerWallet.sendToAddress(devnet.poolAddress, 5);
    await devnet.mine(1);
    // Every hash is a share at this difficulty, and about half of them are regtest blocks.
    const config = testPoolConfig(devnet, 0.00001, {
      rewards: {
        scheme: 'PPLNS',
        feeBasisPoints: 200,
        feeWallets: [
          { address: fee1, weight: 3 },
          { address: fee2, weight: 1 },
        ],
        pplnsWindowFactor: 100_000, // a window wider than every share of the test: credits follow all shares
      },
      payouts: { wallet: 'pool', minimum: '1000', maxRecipients: 10, intervalSeconds: 3600 },
    });
    pool = await startLocalPool({
      config,
      dataDir: net.dataDir(),
      log: createLogger('e2e-money', 'silent'),
      moneyTimers: false,
    });
  }, 120_000);

  afterAll(async () => {
    await pool?.stop();
  });

  it('credits found blocks by PPLNS, pays every address exactly its balance once, and the audit balances', async () => {
    const port = pool.coins.get('LTC')!.service.ports[0]!;
    const a = await TestMiner.connect(port, `${alice}.big`);
    const b = await TestMiner.connect(port, `${bob}.small`);
    // Alice has twice Bob's hashrate: two shares for each of his.
    for (let i = 0; i < 12; i++) {
      await a.submitOne();
      await new Promise((r) => setTimeout(r, 50)); // let a new job reach both after a block
      if (i % 2 === 0) {
        await b.submitOne();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    a.close();
    b.close();
    expect(a.accepted).toBeGreaterThan(b.accepted);
    await pool.settle();
    const blocks = await pool.storage.shares.poolStats.listBlocks('LTC');
    const ours = blocks.filter((x) => x.miner === alice || x.miner === bob);
    expect(ours.length).toBeGreaterThan(0);

    const money = pool.coins.get('LTC')!.money!;
    const first = await money.confirm();
    expect(first.immature).toBe(ours.length);
    expect(first.confirmed).toBe(0);
    let balances = await money.balances();
    expect(balances.get(alice)!.immature).toBeGreaterThan(0n);
    expect(balances.get(alice)?.confirmed ?? 0n).toBe(0n);

    await net.get().mine(101); // past coinbase maturity
    const second = await money.confirm();
    expect(second.confirmed).toBe(ours.length);
    expect((await money.confirm()).confirmed).toBe(0); // confirmed once

    balances = await money.balances();
    const totalReward = ours.reduce((s, x) => s + BigInt(x.reward), 0n);
    const credited = [...balances.values()].reduce((s, x) => s + x.confirmed, 0n);
    expect(credited).toBe(totalReward); // miners + fees + dust = reward, to the litoshi
    const aliceGot = balances.get(alice)!.confirmed;
    const bobGot = balances.get(bob)!.confirmed;
    expect(aliceGot).toBeGreaterThan(bobGot);
    const f1 = balances.get(fee1)!.confirmed;
    const f2 = balances.get(fee2)!.confirmed;
    expect(f1 + f2).toBeLessThanOrEqual((totalReward * 200n) / 10_000n + BigInt(ours.length) * 2n);
    expect(f1 - 3n * f2).toBeLessThanOrEqual(BigInt(ours.length) * 4n + 3n); // 3:1 within rounding (f1 also holds dust)
    expect(await money.audit()).toMatchObject({ ok: true });

    const dry = await money.payouts({ dryRun: true });
    expect(dry.status).toBe('dry-run');

    const sent = await money.payouts();
    expect(sent.status).toBe('progressed');
    await net.get().mine(1);
    const done = await money.payouts();
    expect(done).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });

    for (const [account, bal] of await money.balances()) {
      expect(bal.confirmed).toBe(0n);
      expect(bal.pending).toBe(0n);
      expect(await received(account)).toBe(bal.paid);
    }
    expect(await received(alice)).toBe(aliceGot);
    expect(await received(bob)).toBe(bobGot);
    expect(await money.audit()).toMatchObject({ ok: true });
    expect(await money.payouts()).toEqual({ status: 'idle' }); // nothing left to pay

    // The miner's exports list the payment with its transaction and the exact amount, in CSV and XLSX alike.
    const base = `http://127.0.0.1:${pool.httpPort}/api/pools/LTC/miners/${alice}`;
    const txid = (done as { payouts: { txid: string }[] }).payouts[0]!.txid;
    const csv = await (await fetch(`${base}/export.csv`)).text();
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('"time (UTC)","type","reference","amount","status","transaction"');
    const payment = lines.filter((l) => l.includes('"payment"'));
    expect(payment).toHaveLength(1);
    expect(payment[0]).toContain(`"${formatAmount(aliceGot)} LTC","confirmed","${txid}"`);
    const rewardsListed = lines.filter((l) => l.includes('"reward"')).length;
    expect(rewardsListed).toBeGreaterThan(0);
    const res = await fetch(`${base}/export.xlsx`);
    expect(res.headers.get('content-type')).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    expect(sheet.rowCount).toBe(lines.length);
    const cells = sheet.getSheetValues().flat().map(String);
    expect(cells).toContain(`${formatAmount(aliceGot)} LTC`);
    expect(cells).toContain(txid);
  });

  it('pays no one twice and no one zero when the payout process dies around sendmany', async () => {
    const port = pool.coins.get('LTC')!.service.ports[0]!;
    const money = pool.coins.get('LTC')!.money!;
    for (const step of ['after-sending', 'after-send', 'after-sent'] as const) {
      const m = await TestMiner.connect(port, `${alice}.again`);
      const blocksBefore = (await pool.storage.shares.poolStats.listBlocks('LTC', 1000)).length;
      // About half the shares are blocks on regtest: mine until the pool found at least one.
      for (let i = 0; i < 40; i++) {
        await m.submitOne();
        await new Promise((r) => setTimeout(r, 50));
        await pool.settle();
        if (i >= 3 && (await pool.storage.shares.poolStats.listBlocks('LTC', 1000)).length > blocksBefore) break;
      }
      m.close();
      await pool.settle();
      await money.confirm();
      await net.get().mine(101);
      await money.confirm();
      const before = await money.balances();
      const owed = [...before].filter(([, b]) => b.confirmed >= 1000n);
      expect(owed.length).toBeGreaterThan(0);
      const receivedBefore = new Map(
        await Promise.all(owed.map(async ([acct]) => [acct, await received(acct)] as const)),
      );

      await expect(
        money.payouts({
          crashAt: (s) => {
            if (s === step) throw new Error(`crash ${s}`);
          },
        }),
      ).rejects.toThrow(`crash ${step}`);
      const recovered = await money.payouts(); // the next scheduled run
      expect(recovered.status).toBe('progressed');
      await net.get().mine(1);
      await money.payouts();
      expect(await money.payouts()).toEqual({ status: 'idle' });

      for (const [acct, bal] of owed) {
        expect(await received(acct)).toBe(receivedBefore.get(acct)! + bal.confirmed); // exactly once
      }
      expect(await money.audit()).toMatchObject({ ok: true });
    }
  });
});
