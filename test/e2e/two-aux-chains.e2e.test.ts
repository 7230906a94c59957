import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockRecord } from '../../core/blocks/block.js';
import { getCoin } from '../../core/coins/index.js';
import { auxChainDefinition } from '../../core/config/aux-chains.js';
import { parseConfig } from '../../core/config/load.js';
import type { DogeStandin } from '../../local/devnet/doge.js';
import { standinChain } from '../../local/devnet/doge-standin/params.js';
import { createLogger } from '../../local/logger.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { dogeDevnetCoin } from '../../local/run.js';
import { TAUX, tauxAddress } from '../helpers/aux-chains.js';
import { dogeAddress } from '../helpers/aux-money.js';
import { withDevnet } from '../helpers/devnet.js';
import { standinPaidTo, withDogeStandin } from '../helpers/doge-standin.js';
import { testKey } from '../helpers/message-signer.js';
import { testPoolConfig } from '../helpers/pool-config.js';
import { TestMiner } from '../helpers/test-miner.js';

/**
 * Two aux chains merged at once under LTC on the devnet: DOGE (the registry's) on the DOGE stand-in, and TAUX, defined
 * only in the pool config's auxChains, on a second stand-in playing chain id 63 with its own address versions. Every
 * LTC job commits both in one aux tree of two; the test miners' LTC shares meet both aux targets (the stand-ins' bits
 * are easier than regtest Litecoin's), so each share is a block of both aux chains, proven by one parent header in two
 * slots. Each stand-in accepts its own blocks; each aux ledger credits the LTC shares, confirms past its maturity
 * (DOGE 240, TAUX 100) and pays each miner at the address his password gives for that chain; every ledger audits.
 */
describe('two aux chains merged under LTC: DOGE and a config-defined chain, miner to payout', () => {
  const net = withDevnet();
  const doge = withDogeStandin({ bits: 0x2100ffff });
  const taux = withDogeStandin({
    bits: 0x2100ffff,
    chain: standinChain(auxChainDefinition(TAUX, getCoin('LTC'))),
  });
  let pool: LocalPool;
  const alice = testKey('LTC', 'regtest', 31);
  const bob = testKey('LTC', 'regtest', 32);
  const miners = [
    { ltc: alice.address.p2wpkh, doge: dogeAddress(41), taux: tauxAddress(51) },
    { ltc: bob.address.p2wpkh, doge: dogeAddress(42), taux: tauxAddress(52) },
  ];

  beforeAll(async () => {
    const devnet = net.get();
    const ltc = testPoolConfig(devnet, 0.00001, {
      rewards: { scheme: 'PPLNS', feeBasisPoints: 100, feeWallets: [{ address: devnet.feeAddress }] },
    });
    const auxCoin = (standin: DogeStandin) => {
      const coin = dogeDevnetCoin(standin);
      return {
        ...coin,
        rewards: { ...coin.rewards, pplnsWindowFactor: 100_000 },
        payouts: { ...coin.payouts, intervalSeconds: 3600 },
      };
    };
    const config = parseConfig({
      ...ltc,
      auxChains: [TAUX],
      coins: [...ltc.coins, auxCoin(doge.get()), { ...auxCoin(taux.get()), symbol: 'TAUX' }],
    });
    pool = await startLocalPool({
      config,
      dataDir: net.dataDir(),
      log: createLogger('e2e-two-aux', 'silent'),
      moneyTimers: false,
    });
  }, 120_000);

  afterAll(async () => {
    await pool?.stop();
  });

  it('finds blocks of both aux chains with LTC shares, credits each aux ledger and pays each chain at its address', async () => {
    // The second stand-in plays TAUX: its own chain id and name, refusing DOGE's addresses.
    const info = await taux.get().client.call<{ subversion: string }>('getnetworkinfo', []);
    expect(info.subversion).toBe('/edgepool-taux-standin:0.1/');
    const work = await taux.get().client.call<{ chainid: number }>('createauxblock', [taux.get().poolAddress]);
    expect(work.chainid).toBe(63);
    await expect(taux.get().client.call('createauxblock', [miners[0]!.doge])).rejects.toThrow(
      /Invalid Test Aux address/,
    );

    const port = pool.coins.get('LTC')!.service.ports[0]!;
    const connected = await Promise.all(
      miners.map((m) => TestMiner.connect(port, `${m.ltc}.rig`, 'scrypt', `x,doge=${m.doge},taux=${m.taux}`)),
    );
    for (let i = 0; i < 12; i++) {
      for (const miner of connected.slice(0, i % 2 === 0 ? 2 : 1)) {
        await miner.submitOne();
        await new Promise((r) => setTimeout(r, 50)); // a found block makes new work: let it reach both miners
      }
    }
    for (const miner of connected) miner.close();
    await pool.settle();

    const listBlocks = (coin: string) => pool.storage.shares.poolStats.listBlocks(coin, 1000);
    const dogeBlocks = await listBlocks('DOGE');
    const tauxBlocks = await listBlocks('TAUX');
    expect(dogeBlocks.length).toBeGreaterThan(0);
    expect(tauxBlocks.length).toBeGreaterThan(0);
    for (const [blocks, standin] of [
      [dogeBlocks, doge.get()],
      [tauxBlocks, taux.get()],
    ] as const) {
      for (const b of blocks) {
        expect(b.submitResult).toBe('accepted');
        expect(b.round?.coin).toBe('LTC');
        expect(miners.map((m) => m.ltc)).toContain(b.miner);
        // Each stand-in has its own blocks, with an AuxPoW and its chain id in the version.
        const header = await standin.client.call<{ confirmations: number; version: number }>('getblockheader', [
          b.hash,
        ]);
        expect(header.confirmations).toBeGreaterThan(0);
        expect(header.version & 0x100).toBe(0x100);
        expect(header.version >>> 16).toBe(standin === doge.get() ? 98 : 63);
      }
    }

    // One aux tree of two: a share that found both proves both with one parent header, in two distinct slots.
    const sameShare = (x: BlockRecord) => (y: BlockRecord) =>
      x.miner === y.miner && x.worker === y.worker && x.time === y.time;
    const pairs = dogeBlocks.flatMap((d) => tauxBlocks.filter(sameShare(d)).map((t) => [d, t] as const));
    expect(pairs.length).toBeGreaterThan(0);
    for (const [d, t] of pairs) {
      const [dp, tp] = await Promise.all([auxProof(doge.get(), d.hash), auxProof(taux.get(), t.hash)]);
      expect(dp.parentblock).toBe(tp.parentblock);
      expect(dp.chainmerklebranch).toHaveLength(1);
      expect(tp.chainmerklebranch).toHaveLength(1);
      expect(dp.chainindex).not.toBe(tp.chainindex);
    }

    // Each miner's password addresses are kept per aux chain.
    for (const m of miners) {
      expect((await fetchJson(`/api/pools/DOGE/miners/${m.ltc}/payout-address`)).address).toMatchObject({
        address: m.doge,
        source: 'password',
      });
      expect((await fetchJson(`/api/pools/TAUX/miners/${m.ltc}/payout-address`)).address).toMatchObject({
        address: m.taux,
        source: 'password',
      });
    }

    // Each aux ledger confirms past its own chain's maturity: 100 blocks deep is TAUX's, not DOGE's (240).
    const dogeMoney = pool.auxMoney.get('DOGE')!;
    const tauxMoney = pool.auxMoney.get('TAUX')!;
    expect((await dogeMoney.confirm()).immature).toBe(dogeBlocks.length);
    expect((await tauxMoney.confirm()).immature).toBe(tauxBlocks.length);
    await Promise.all([doge.get().mine(100), taux.get().mine(100)]);
    expect((await tauxMoney.confirm()).confirmed).toBe(tauxBlocks.length);
    expect((await dogeMoney.confirm()).confirmed).toBe(0);
    await doge.get().mine(140);
    expect((await dogeMoney.confirm()).confirmed).toBe(dogeBlocks.length);

    // Every unit of each aux chain's rewards is credited to the LTC mining addresses, paid in that coin at each
    // miner's address for that chain, once.
    const chains = [
      { money: dogeMoney, standin: doge.get(), blocks: dogeBlocks, address: (m: (typeof miners)[0]) => m.doge },
      { money: tauxMoney, standin: taux.get(), blocks: tauxBlocks, address: (m: (typeof miners)[0]) => m.taux },
    ];
    for (const { money, ...c } of chains) {
      const balances = await money.balances();
      const rewards = c.blocks.reduce((s, b) => s + BigInt(b.reward), 0n);
      expect([...balances.values()].reduce((s, b) => s + b.confirmed, 0n)).toBe(rewards);
      const credits = miners.map((m) => balances.get(m.ltc)?.confirmed ?? 0n);
      expect(credits[0]).toBeGreaterThan(credits[1]!); // alice sent twice bob's shares
      expect(credits[1]).toBeGreaterThan(0n);
      expect(await money.audit()).toMatchObject({ ok: true });

      const sent = await money.payouts();
      expect(sent.status).toBe('progressed');
      const txid = (sent as { payouts: { txid: string }[] }).payouts[0]!.txid;
      await c.standin.mine(1);
      expect(await money.payouts()).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });
      for (const [i, m] of miners.entries()) {
        expect(await standinPaidTo(c.standin, txid, c.address(m))).toBe(credits[i]);
        expect((await money.balances()).get(m.ltc)).toMatchObject({ confirmed: 0n, paid: credits[i] });
      }
      expect(await money.payouts()).toEqual({ status: 'idle' });
      expect(await money.audit()).toMatchObject({ ok: true });
    }
    // The parent's ledger audits too.
    expect(await pool.coins.get('LTC')!.money!.audit()).toMatchObject({ ok: true });
  }, 300_000);

  const api = () => `http://127.0.0.1:${pool.httpPort}`;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON answer read field by field
  const fetchJson = async (path: string): Promise<any> => {
    const res = await fetch(`${api()}${path}`);
    expect(res.status).toBe(200);
    return res.json();
  };
  /** The AuxPoW of a block as its stand-in node keeps it (getblock's `auxpow`). */
  const auxProof = async (standin: DogeStandin, hash: string) =>
    (
      await standin.client.call<{
        auxpow: { parentblock: string; chainindex: number; chainmerklebranch: string[] };
      }>('getblock', [hash, true])
    ).auxpow;
});
