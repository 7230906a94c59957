import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockRecord } from '../../core/blocks/block.js';
import { parseConfig } from '../../core/config/load.js';
import { auxAddressMessage } from '../../core/ledger/aux-address-message.js';
import { createLogger } from '../../local/logger.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { dogeDevnetCoin } from '../../local/run.js';
import { dogeAddress } from '../helpers/aux-money.js';
import { withDevnet } from '../helpers/devnet.js';
import { standinPaidTo, withDogeStandin } from '../helpers/doge-standin.js';
import { testKey } from '../helpers/message-signer.js';
import { testPoolConfig } from '../helpers/pool-config.js';
import { TestMiner } from '../helpers/test-miner.js';

/**
 * Merged mining end to end: LTC on the real regtest litecoind, DOGE merged with it on the stand-in DOGE node (no real
 * dogecoind installs here). Test miners mine LTC shares through the pool's stratum; some shares meet only the DOGE
 * target, some both (the stand-in's bits are easier than regtest Litecoin's, so every share is a DOGE block and about
 * half are LTC blocks too). Each chain's node accepts its blocks, ingest records them in each coin's tables,
 * confirmation credits each ledger from the same LTC shares, both audits balance, and payouts land in both coins: DOGE
 * at the addresses the miners gave (in the password, or signed on the API), nothing for a miner who gave none until
 * he signs one.
 */
describe('merged mining LTC + DOGE on the devnet, miner to payout', () => {
  const net = withDevnet();
  // 0x2100ffff: a target above regtest Litecoin's 0x207fffff (the stand-in checks parents against whatever bits it
  // runs with, as dogecoind checks its own).
  const doge = withDogeStandin({ bits: 0x2100ffff });
  let pool: LocalPool;
  const alice = testKey('LTC', 'regtest', 11);
  const bob = testKey('LTC', 'regtest', 12);
  // DOGE addresses of keys nobody holds: what reaches them is read from the chain.
  const aliceDoge = dogeAddress(21);
  const bobDoge = dogeAddress(22);

  beforeAll(async () => {
    const devnet = net.get();
    // The LTC pool wallet pays payout fees: a float.
    await devnet.minerWallet.sendToAddress(devnet.poolAddress, 5);
    await devnet.mine(1);
    const ltc = testPoolConfig(devnet, 0.00001, {
      rewards: {
        scheme: 'PPLNS',
        feeBasisPoints: 100,
        feeWallets: [{ address: devnet.feeAddress }],
        pplnsWindowFactor: 100_000,
      },
      payouts: { wallet: 'pool', minimum: '1000', maxRecipients: 10, intervalSeconds: 3600 },
    });
    const dogeCoin = dogeDevnetCoin(doge.get());
    const config = parseConfig({
      ...ltc,
      coins: [
        ...ltc.coins,
        {
          ...dogeCoin,
          rewards: { ...dogeCoin.rewards, pplnsWindowFactor: 100_000 },
          payouts: { ...dogeCoin.payouts, intervalSeconds: 3600 },
        },
      ],
    });
    pool = await startLocalPool({
      config,
      dataDir: net.dataDir(),
      log: createLogger('e2e-merged', 'silent'),
      moneyTimers: false,
    });
  }, 120_000);

  afterAll(async () => {
    await pool?.stop();
  });

  it('submits DOGE blocks from LTC shares, credits both ledgers from the same shares and pays both coins', async () => {
    const port = pool.coins.get('LTC')!.service.ports[0]!;
    const a = await TestMiner.connect(port, `${alice.address.p2wpkh}.rig`, 'scrypt', `x,doge=${aliceDoge}`);
    const b = await TestMiner.connect(port, `${bob.address.p2wpkh}.rig`, 'scrypt', 'x');
    for (let i = 0; i < 16; i++) {
      await a.submitOne();
      await new Promise((r) => setTimeout(r, 50)); // a found block makes new work: let it reach both miners
      if (i % 2 === 0) {
        await b.submitOne();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    a.close();
    b.close();
    await pool.settle();

    // Found blocks, in each coin's own blocks table.
    const ltcBlocks = await pool.storage.shares.poolStats.listBlocks('LTC', 1000);
    const dogeBlocks = await pool.storage.shares.poolStats.listBlocks('DOGE', 1000);
    expect(ltcBlocks.length).toBeGreaterThan(0);
    expect(dogeBlocks.length).toBeGreaterThan(ltcBlocks.length);
    const sameShare = (x: BlockRecord) => (y: BlockRecord) =>
      x.miner === y.miner && x.worker === y.worker && x.time === y.time;
    const both = dogeBlocks.filter((d) => ltcBlocks.some(sameShare(d)));
    const dogeOnly = dogeBlocks.filter((d) => !ltcBlocks.some(sameShare(d)));
    expect(both.length).toBeGreaterThan(0);
    expect(dogeOnly.length).toBeGreaterThan(0);
    for (const d of dogeBlocks) {
      expect(d.submitResult).toBe('accepted');
      expect(d.round?.coin).toBe('LTC');
      expect([alice.address.p2wpkh, bob.address.p2wpkh]).toContain(d.miner);
    }
    // Each chain's node has its blocks: litecoind its LTC blocks, the stand-in its DOGE blocks, each with an AuxPoW.
    for (const l of ltcBlocks) {
      const info = await net.get().clientA.call<{ confirmations: number }>('getblockheader', [l.hash]);
      expect(info.confirmations).toBeGreaterThan(0);
    }
    for (const d of dogeBlocks) {
      const info = await doge.get().client.call<{ confirmations: number; version: number }>('getblockheader', [d.hash]);
      expect(info.confirmations).toBeGreaterThan(0);
      expect(info.version & 0x100).toBe(0x100); // an AuxPoW block
    }
    // The password's address is kept for alice; bob gave none.
    const aliceAux = await fetchJson(`/api/pools/DOGE/miners/${alice.address.p2wpkh}/payout-address`);
    expect(aliceAux.address).toMatchObject({ address: aliceDoge, source: 'password' });
    expect((await fetchJson(`/api/pools/DOGE/miners/${bob.address.p2wpkh}/payout-address`)).address).toBeNull();

    // Confirmation: immature first, then mature past each chain's maturity (LTC 100, DOGE 240).
    const ltcMoney = pool.coins.get('LTC')!.money!;
    const dogeMoney = pool.auxMoney.get('DOGE')!;
    expect((await ltcMoney.confirm()).immature).toBe(ltcBlocks.length);
    expect((await dogeMoney.confirm()).immature).toBe(dogeBlocks.length);
    await net.get().mine(101);
    await doge.get().mine(240);
    expect((await ltcMoney.confirm()).confirmed).toBe(ltcBlocks.length);
    expect((await dogeMoney.confirm()).confirmed).toBe(dogeBlocks.length);

    // Every unit of every DOGE reward is credited: miners + fee wallet + dust = rewards, and both ledgers audit.
    const dogeBalances = await dogeMoney.balances();
    const dogeRewards = dogeBlocks.reduce((s, x) => s + BigInt(x.reward), 0n);
    const dogeCredited = [...dogeBalances.values()].reduce((s, x) => s + x.confirmed, 0n);
    expect(dogeCredited).toBe(dogeRewards);
    const aliceDogeCredit = dogeBalances.get(alice.address.p2wpkh)!.confirmed;
    const bobDogeCredit = dogeBalances.get(bob.address.p2wpkh)!.confirmed;
    expect(aliceDogeCredit).toBeGreaterThan(bobDogeCredit); // twice the shares
    expect(bobDogeCredit).toBeGreaterThan(0n);
    expect(await ltcMoney.audit()).toMatchObject({ ok: true });
    expect(await dogeMoney.audit()).toMatchObject({ ok: true });

    // DOGE payouts: alice at her password address and the fee wallet; bob's credit waits for an address.
    const sent = await dogeMoney.payouts();
    expect(sent.status).toBe('progressed');
    const txid = (sent as { payouts: { txid: string }[] }).payouts[0]!.txid;
    await doge.get().mine(1);
    expect(await dogeMoney.payouts()).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });
    expect(await paidTo(txid, aliceDoge)).toBe(aliceDogeCredit);
    expect(await paidTo(txid, bobDoge)).toBe(0n);
    let after = await dogeMoney.balances();
    expect(after.get(alice.address.p2wpkh)).toMatchObject({ confirmed: 0n, paid: aliceDogeCredit });
    expect(after.get(bob.address.p2wpkh)).toMatchObject({ confirmed: bobDogeCredit, paid: 0n });

    // Bob signs his DOGE address with his LTC key on the API; the next payout pays him there.
    const signedAt = new Date().toISOString();
    const message = auxAddressMessage({
      pool: pool.config.pool.name,
      coin: 'DOGE',
      account: bob.address.p2wpkh,
      address: bobDoge,
      time: signedAt,
    });
    const res = await fetch(`${api()}/api/pools/DOGE/miners/${bob.address.p2wpkh}/payout-address`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ address: bobDoge, signedAt, signature: bob.signBip322(message) }),
    });
    expect(res.status).toBe(200);
    const second = await dogeMoney.payouts();
    const bobTx = (second as { payouts: { txid: string }[] }).payouts[0]!.txid;
    await doge.get().mine(1);
    await dogeMoney.payouts();
    expect(await paidTo(bobTx, bobDoge)).toBe(bobDogeCredit);
    after = await dogeMoney.balances();
    expect(after.get(bob.address.p2wpkh)).toMatchObject({ confirmed: 0n, paid: bobDogeCredit });
    expect(await dogeMoney.payouts()).toEqual({ status: 'idle' }); // paid once

    // LTC pays its own miners from its own ledger, as it always has.
    const ltcBalances = await ltcMoney.balances();
    expect(ltcBalances.get(alice.address.p2wpkh)!.confirmed).toBeGreaterThan(0n);
    expect((await ltcMoney.payouts()).status).toBe('progressed');
    await net.get().mine(1);
    expect(await ltcMoney.payouts()).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });
    for (const [, bal] of await ltcMoney.balances()) expect(bal.confirmed).toBe(0n);

    expect(await ltcMoney.audit()).toMatchObject({ ok: true });
    expect(await dogeMoney.audit()).toMatchObject({ ok: true });

    // The API shows the DOGE side of a mining address.
    const page = await fetchJson(`/api/pools/LTC/miners/${alice.address.p2wpkh}`);
    expect(page.merged).toEqual(expect.arrayContaining([expect.objectContaining({ coin: 'DOGE' })]));
  }, 240_000);

  const api = () => `http://127.0.0.1:${pool.httpPort}`;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON answer read field by field
  const fetchJson = async (path: string): Promise<any> => {
    const res = await fetch(`${api()}${path}`);
    expect(res.status).toBe(200);
    return res.json();
  };
  const paidTo = (txid: string, address: string) => standinPaidTo(doge.get(), txid, address);
});
