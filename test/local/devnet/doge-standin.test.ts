import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transaction } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { BitcoinChainReader } from '../../../adapters/rpc/bitcoin-chain-reader.js';
import { DaemonClient } from '../../../adapters/rpc/daemon-client.js';
import { WalletPayoutSender } from '../../../adapters/rpc/wallet-payout-sender.js';
import { sha256d } from '../../../core/chain/hash.js';
import { bitsToTarget } from '../../../core/chain/target.js';
import { addressToOutputScript } from '../../../core/coins/address.js';
import { getCoin } from '../../../core/coins/registry.js';
import {
  DOGE_PREMINE_HEIGHT,
  type DogeDevnetFile,
  dogeDevnetFile,
  startDogeStandin,
} from '../../../local/devnet/doge.js';
import { BLOCK_SUBSIDY, COIN, COINBASE_MATURITY } from '../../../local/devnet/doge-standin/params.js';
import { type AuxBlock, auxPowHex, auxTarget, goodAuxPow, withDogeStandin } from '../../helpers/doge-standin.js';

const DOGE = getCoin('DOGE');
/** Dogecoin regtest's genesis block hash (chainparams.cpp). */
const REGTEST_GENESIS = '3d2160a3b5dc4a9d62e7e66a295f70313ac808440ef7400d6c0772171ce973a5';

describe('the DOGE stand-in node', () => {
  // The stand-in's clock runs `skew` ms ahead of the real one: tests move it past createauxblock's 60 s rule.
  let skew = 0;
  const net = withDogeStandin({ now: () => Date.now() + skew });
  const doge = () => net.get();
  const rpc = () => doge().client;
  const create = (address = doge().poolAddress) => rpc().call<AuxBlock>('createauxblock', [address]);
  /** Mines the next block through createauxblock/submitauxblock paying `address`; its hash. */
  const mineAux = async (address = doge().poolAddress) => {
    const aux = await create(address);
    expect(await rpc().call('submitauxblock', [aux.hash, auxPowHex(goodAuxPow(aux))])).toBe(true);
    return aux;
  };

  it('starts from Dogecoin regtest’s genesis, premined past the AuxPoW start, and says it is a stand-in', async () => {
    expect(await rpc().getBlockHash(0)).toBe(REGTEST_GENESIS);
    const info = await rpc().getBlockchainInfo();
    expect(info).toMatchObject({ chain: 'regtest', blocks: DOGE_PREMINE_HEIGHT, initialblockdownload: false });
    const network = await rpc().getNetworkInfo();
    expect(network.subversion).toBe('/edgepool-doge-standin:0.1/');
    expect(network.warnings).toMatch(/stand-in/);
    const block = await rpc().getBlock<{ versionHex: string; tx: string[] }>(await rpc().getBlockHash(25), 1);
    // A block the stand-in mined itself: Dogecoin's chain id, no AuxPoW flag.
    expect(block.versionHex).toBe('00620004');
  });

  it('writes devnet-doge.json on loopback, keeps its credentials owner-only, and refuses a wrong password', async () => {
    const file = JSON.parse(await readFile(dogeDevnetFile(net.dataDir()), 'utf8')) as DogeDevnetFile;
    expect(file).toMatchObject({
      coin: 'DOGE',
      implementation: 'edgepool-doge-standin',
      poolAddress: doge().poolAddress,
    });
    expect(new URL(file.rpc[0]!.url).hostname).toBe('127.0.0.1');
    for (const address of [file.poolAddress, file.feeAddress, file.minerAddress]) {
      expect(() => addressToOutputScript(DOGE, 'regtest', address)).not.toThrow();
    }
    for (const path of [dogeDevnetFile(net.dataDir()), join(net.dataDir(), 'devnet/doge/credentials.json')]) {
      expect(((await stat(path)).mode & 0o777).toString(8)).toBe('600');
    }
    const wrong = new DaemonClient({ url: file.rpc[0]!.url, user: file.rpc[0]!.user, password: 'wrong-password' });
    await expect(wrong.getBlockCount()).rejects.toThrow(/HTTP 401/);
  });

  it('answers createauxblock as Dogecoin 1.14: chain id 98, the next height, bits and a little-endian target', async () => {
    const tip = await rpc().getBestBlockHash();
    const height = await rpc().getBlockCount();
    const aux = await create();
    expect(aux).toMatchObject({
      chainid: 98,
      previousblockhash: tip,
      height: height + 1,
      bits: '207fffff',
      coinbasevalue: Number(BLOCK_SUBSIDY),
    });
    expect(aux.hash).toMatch(/^[0-9a-f]{64}$/);
    // Little-endian: the most significant byte (0x7f of 0x7fffff << 232) comes last.
    expect(aux.target.slice(-2)).toBe('7f');
    expect(auxTarget(aux)).toBe(bitsToTarget(0x207fffff));
  });

  it('refuses createauxblock for an address that is not a regtest DOGE address', async () => {
    for (const address of ['rltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9', 'DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L', 'x']) {
      await expect(create(address)).rejects.toMatchObject({ rpcCode: -5 });
    }
  });

  it('keeps one block per payout script until the tip changes; a hash from before the change is unknown', async () => {
    const first = await create();
    expect((await create()).hash).toBe(first.hash);
    const other = await create(doge().feeAddress);
    expect(other.hash).not.toBe(first.hash);
    expect((await create()).hash).toBe(first.hash);

    await doge().mine(1);
    const next = await create();
    expect(next.hash).not.toBe(first.hash);
    expect(next.previousblockhash).toBe(await rpc().getBestBlockHash());
    await expect(rpc().call('submitauxblock', [first.hash, auxPowHex(goodAuxPow(first))])).rejects.toThrow(
      /block hash unknown/,
    );
  });

  it('makes a new block after a mempool change only once the last one is 60 s old, the older hash still good', async () => {
    const before = await create();
    await rpc().call('sendtoaddress', [doge().minerAddress, 5]);
    const within = await create();
    expect(within.hash).toBe(before.hash);
    skew += 61_000;
    const after = await create();
    expect(after.hash).not.toBe(before.hash);
    // It carries the new transaction: subsidy + its fee.
    expect(after.coinbasevalue).toBeGreaterThan(before.coinbasevalue);
    // Both blocks were handed out on this tip: the older one can still be completed.
    expect(await rpc().call('submitauxblock', [before.hash, auxPowHex(goodAuxPow(before))])).toBe(true);
    expect(await rpc().getBestBlockHash()).toBe(before.hash);
    // It did not carry the send: the transaction is still in the mempool for the next block.
    expect(await rpc().call<string[]>('getrawmempool')).toHaveLength(1);
    await doge().mine(1);
    expect(await rpc().call<string[]>('getrawmempool')).toHaveLength(0);
  });

  it('serves an aux block through the pool’s BitcoinChainReader: found, its confirmations and its reward', async () => {
    const reader = new BitcoinChainReader(rpc(), doge().poolAddress, DOGE.decimals);
    const aux = await mineAux();
    expect(await reader.locate({ hash: aux.hash })).toEqual({
      place: 'chain',
      confirmations: 1,
      reward: BLOCK_SUBSIDY,
    });
    await doge().mine(2);
    expect(await reader.locate({ hash: aux.hash })).toMatchObject({ place: 'chain', confirmations: 3 });
    expect(await reader.locate({ hash: sha256d(Buffer.from('never mined')).toString('hex') })).toEqual({
      place: 'unseen',
      confirmations: 0,
    });
    const value = await reader.blockValue(aux.height);
    expect(value.value).toBe(BLOCK_SUBSIDY);
    expect(value.difficulty).toBeGreaterThan(0);
    expect(await reader.getBlockCount()).toBe(aux.height + 2);
  });

  it('counts the pool’s coinbase only once mature (61 deep, as Core’s wallet), immature until then', async () => {
    const sender = new WalletPayoutSender(rpc(), DOGE.decimals);
    // Every coinbase the pool had from earlier tests matures first, so that only this one changes the balance.
    await doge().mine(COINBASE_MATURITY + 1);
    const before = await sender.spendable();
    const aux = await mineAux();
    const block = await rpc().getBlock<{ tx: string[] }>(aux.hash, 1);
    const coinbase = block.tx[0]!;
    expect((await rpc().getTransaction(coinbase)).details[0]).toMatchObject({
      category: 'immature',
      address: doge().poolAddress,
      amount: 10_000,
    });
    await doge().mine(COINBASE_MATURITY - 1);
    expect(await sender.spendable()).toBe(before);
    await doge().mine(1);
    expect(await sender.spendable()).toBe(before + BLOCK_SUBSIDY);
    expect((await rpc().getTransaction(coinbase)).details[0]).toMatchObject({ category: 'generate' });
  });

  it('pays through the pool’s WalletPayoutSender: exact amounts, a fee, confirmations growing, found by its id', async () => {
    const sender = new WalletPayoutSender(rpc(), DOGE.decimals);
    const a = await rpc().getNewAddress('miner a');
    const b = await rpc().getNewAddress('miner b');
    await doge().mine(COINBASE_MATURITY + 1);
    const spendable = await sender.spendable();
    const mark = await sender.historyMark();
    const recipients = [
      { account: a, amount: 1234n * COIN + 56_789n },
      { account: b, amount: 1n },
    ];
    const txid = await sender.send('payout-doge-1', recipients);
    expect(await sender.confirmations(txid)).toBe(0);

    const tx = Transaction.fromHex(await rpc().call<string>('getrawtransaction', [txid]));
    expect(Buffer.from(tx.getHash()).reverse().toString('hex')).toBe(txid);
    const paid = (address: string) =>
      tx.outs.find((o) => Buffer.from(o.script).equals(addressToOutputScript(DOGE, 'regtest', address)))?.value;
    expect(paid(a)).toBe(1234n * COIN + 56_789n);
    expect(paid(b)).toBe(1n);
    const { fee } = await rpc().getTransaction(txid);
    expect(fee).toBeLessThan(0);

    await doge().mine(1);
    expect(await sender.confirmations(txid)).toBe(1);
    await doge().mine(2);
    expect(await sender.confirmations(txid)).toBe(3);
    const found = await sender.findPayout('payout-doge-1', mark);
    expect(found).toEqual([{ txid, outputs: expect.arrayContaining(recipients) }]);
    expect(found[0]!.outputs).toHaveLength(2);
    expect(await sender.findPayout('payout-doge-1')).toHaveLength(1);
    expect(await sender.findPayout('another-payout', mark)).toEqual([]);
    // The wallet spent what it paid and the fee (the recipients are the wallet's own addresses, so count them back).
    const feeUnits = BigInt(Math.round(-(fee ?? 0) * 1e8));
    expect(await sender.spendable()).toBe(spendable - feeUnits);
  });

  it('refuses a payment it cannot cover, and one to an address that is not DOGE regtest, sending nothing', async () => {
    const sender = new WalletPayoutSender(rpc(), DOGE.decimals);
    const spendable = await sender.spendable();
    await expect(
      sender.send('too-much', [{ account: doge().minerAddress, amount: spendable + COIN }]),
    ).rejects.toMatchObject({ rpcCode: -6 });
    await expect(
      sender.send('bad-address', [{ account: 'DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L', amount: COIN }]),
    ).rejects.toMatchObject({ rpcCode: -5 });
    expect(await rpc().call<string[]>('getrawmempool')).toEqual([]);
    expect(await sender.spendable()).toBe(spendable);
  });

  it('refuses into its mempool a spend of an immature coinbase and a double spend, and names the rule', async () => {
    const aux = await mineAux();
    const coinbase = (await rpc().getBlock<{ tx: string[] }>(aux.hash, 1)).tx[0]!;
    const spend = (txid: string, vout: number) => {
      const tx = new Transaction();
      tx.addInput(Buffer.from(txid, 'hex').reverse(), vout);
      tx.addOutput(addressToOutputScript(DOGE, 'regtest', doge().minerAddress), COIN);
      return tx.toHex();
    };
    await expect(rpc().call('sendrawtransaction', [spend(coinbase, 0)])).rejects.toMatchObject({
      rpcCode: -26,
      message: expect.stringMatching(/premature-spend-of-coinbase/),
    });
    const paid = await rpc().call<string>('sendtoaddress', [doge().minerAddress, 3]);
    const input = Transaction.fromHex(await rpc().call<string>('getrawtransaction', [paid])).ins[0]!;
    await expect(
      rpc().call('sendrawtransaction', [spend(Buffer.from(input.hash).reverse().toString('hex'), input.index)]),
    ).rejects.toMatchObject({ rpcCode: -26, message: expect.stringMatching(/missingorspent/) });
    await doge().mine(1);
  });

  it('comes back after a restart with its chain, wallet and an unmined payout, a torn last write cut off', async () => {
    const sender = new WalletPayoutSender(rpc(), DOGE.decimals);
    const mark = await sender.historyMark();
    const txid = await sender.send('payout-before-restart', [{ account: doge().minerAddress, amount: 7n * COIN }]);
    const height = await rpc().getBlockCount();
    const tip = await rpc().getBestBlockHash();
    const balance = await sender.spendable();
    await doge().stop();
    // A crash in the middle of writing a block: half a line, no newline.
    await appendFile(join(net.dataDir(), 'devnet/doge/blocks.dat'), '0400620000ab');

    const again = await startDogeStandin({ dataDir: net.dataDir() });
    try {
      const client = again.client;
      expect(again.poolAddress).toBe(doge().poolAddress);
      expect(await client.getBlockCount()).toBe(height);
      expect(await client.getBestBlockHash()).toBe(tip);
      const resumed = new WalletPayoutSender(client, DOGE.decimals);
      expect(await resumed.spendable()).toBe(balance);
      expect(await client.call<string[]>('getrawmempool')).toEqual([txid]);
      expect((await resumed.findPayout('payout-before-restart', mark)).map((p) => p.txid)).toEqual([txid]);
      await again.mine(1);
      expect(await resumed.confirmations(txid)).toBe(1);
      expect((await readFile(join(net.dataDir(), 'devnet/doge/blocks.dat'), 'utf8')).endsWith('\n')).toBe(true);
    } finally {
      await again.stop();
    }
  });

  it('cuts its chain back before a stored block that no longer passes the rules', async () => {
    const path = join(net.dataDir(), 'devnet/doge/blocks.dat');
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    const height = lines.length;
    // Block height-1 gets another merkle root (a byte flipped): whatever its PoW, it no longer matches its
    // transactions, so the chain keeps the blocks before it.
    const broken = lines[height - 2]!;
    const flipped = (Number.parseInt(broken.slice(72, 74), 16) ^ 1).toString(16).padStart(2, '0');
    lines[height - 2] = `${broken.slice(0, 72)}${flipped}${broken.slice(74)}`;
    await writeFile(path, `${lines.join('\n')}\n`);
    const warnings: string[] = [];
    const again = await startDogeStandin({
      dataDir: net.dataDir(),
      log: { info() {}, warn: (_: object, msg: string) => warnings.push(msg) },
    });
    try {
      // Cut back to height - 2, then premined again up to DOGE_PREMINE_HEIGHT if it fell below it.
      expect(await again.client.getBlockCount()).toBe(Math.max(height - 2, DOGE_PREMINE_HEIGHT));
      expect(warnings.some((w) => /fails the rules/.test(w))).toBe(true);
    } finally {
      await again.stop();
    }
  });
});
