import { describe, expect, it } from 'vitest';
import { BitcoinChainReader } from '../../../adapters/rpc/bitcoin-chain-reader.js';
import { WalletPayoutSender } from '../../../adapters/rpc/wallet-payout-sender.js';
import { sha256d } from '../../../core/chain/hash.js';
import { addressToOutputScript } from '../../../core/coins/address.js';
import { getCoin } from '../../../core/coins/registry.js';
import { AuxChain } from '../../../fargate/src/jobs/aux/aux-chain.js';
import type { StandinRelease } from '../../../local/devnet/doge-standin/methods.js';
import { BLOCK_SUBSIDY } from '../../../local/devnet/doge-standin/params.js';
import { createLogger } from '../../../local/logger.js';
import { type AuxBlock, auxPowHex, goodAuxPow, withDogeStandin } from '../../helpers/doge-standin.js';

const DOGE = getCoin('DOGE');
const NOT_BOOLEAN = { rpcCode: -1, message: expect.stringMatching(/JSON value is not a boolean as expected/) };

/**
 * The stand-in answers as Dogecoin Core 1.14 does where 1.14 differs from the Bitcoin Core 0.15+ forms (each refusal
 * below is read from dogecoin/dogecoin's sources: src/rpc/blockchain.cpp, src/wallet/rpcwallet.cpp,
 * src/rpc/auxpow.cpp, src/httprpc.cpp, src/rpc/server.cpp, release notes 1.14.7), and the pool's adapters work
 * against both the latest 1.14 and the releases before 1.14.7, whose getblock takes a boolean only.
 */
describe.each<StandinRelease>(['latest', '1.14.6'])('the DOGE stand-in as Dogecoin Core %s', (release) => {
  const net = withDogeStandin({ release });
  const doge = () => net.get();
  const rpc = () => doge().client;
  const mineAux = async () => {
    const aux = await rpc().call<AuxBlock>('createauxblock', [doge().poolAddress]);
    expect(await rpc().call('submitauxblock', [aux.hash, auxPowHex(goodAuxPow(aux))])).toBe(true);
    return aux;
  };
  const poolScript = () => addressToOutputScript(DOGE, 'regtest', doge().poolAddress).toString('hex');

  it(
    release === 'latest'
      ? 'takes getblock verbosity 0/1/2 or the boolean, and refuses a third parameter with the usage'
      : 'refuses a numeric getblock verbosity as not a boolean, and a third parameter with the usage',
    async () => {
      const hash = await rpc().getBestBlockHash();
      const hex = await rpc().call<string>('getblock', [hash, false]);
      expect(hex).toMatch(/^[0-9a-f]+$/);
      expect(await rpc().call('getblock', [hash, true])).toMatchObject({ hash });
      if (release === 'latest') {
        expect(await rpc().call('getblock', [hash, 0])).toBe(hex);
        expect(await rpc().call('getblock', [hash, 2])).toMatchObject({
          hash,
          tx: [expect.objectContaining({ vout: expect.any(Array) })],
        });
      } else {
        await expect(rpc().call('getblock', [hash, 2])).rejects.toMatchObject(NOT_BOOLEAN);
        await expect(rpc().call('getblock', [hash, 0])).rejects.toMatchObject(NOT_BOOLEAN);
      }
      await expect(rpc().call('getblock', [hash, true, 1])).rejects.toMatchObject({
        rpcCode: -1,
        message: expect.stringMatching(/getblock "blockhash"/),
      });
    },
  );

  it('refuses a null listsinceblock hash as not a string, lists everything for an unknown hash, ignores a 4th parameter', async () => {
    await expect(rpc().call('listsinceblock', [null, 1, true, false])).rejects.toMatchObject({
      rpcCode: -1,
      message: expect.stringMatching(/JSON value is not a string as expected/),
    });
    const all = await rpc().call<{ transactions: unknown[] }>('listsinceblock', []);
    expect(all.transactions.length).toBeGreaterThan(0);
    const unknown = sha256d(Buffer.from('no such block')).toString('hex');
    expect(await rpc().call('listsinceblock', [unknown])).toEqual(all);
    expect(await rpc().call('listsinceblock', [await rpc().getBlockHash(0), 1, true, false])).toEqual(all);
    await expect(rpc().call('listsinceblock', [unknown, 0])).rejects.toMatchObject({ rpcCode: -8 });
  });

  it('serves JSON-RPC at / only: /wallet/<name> is a 404, as in 1.14 (one wallet, no multiwallet path)', async () => {
    await expect(rpc().withWallet('pool').getBalance()).rejects.toThrow(/HTTP 404/);
    expect(await rpc().getBalance()).toBeGreaterThan(0n);
  });

  it('has validateaddress but no getaddressinfo (Core 0.17+): Method not found', async () => {
    expect(await rpc().validateAddress(doge().poolAddress)).toMatchObject({ isvalid: true });
    await expect(rpc().call('getaddressinfo', [doge().poolAddress])).rejects.toMatchObject({ rpcCode: -32601 });
  });

  it('lists softforks as Core 0.14 does (an array) and the pool reads the BIP9 deployments by name', async () => {
    const raw = await rpc().call<{ softforks: unknown }>('getblockchaininfo');
    expect(Array.isArray(raw.softforks)).toBe(true);
    const info = await rpc().getBlockchainInfo();
    expect(info.softforks).toEqual({
      csv: { type: 'bip9', active: false, bip9: { status: 'defined', since: 0 } },
      segwit: { type: 'bip9', active: false, bip9: { status: 'defined', since: 0 } },
    });
    expect(info.bestblockhash).toBe(await rpc().getBestBlockHash());
    expect((await rpc().getNetworkInfo()).version).toBe(release === 'latest' ? 1140700 : 1140600);
  });

  it('answers createauxblock/submitauxblock with a wrong parameter count with their usage, as -1', async () => {
    await expect(rpc().call('createauxblock', [])).rejects.toMatchObject({
      rpcCode: -1,
      message: expect.stringMatching(/createauxblock <address>/),
    });
    await expect(rpc().call('createauxblock', [doge().poolAddress, 1])).rejects.toMatchObject({ rpcCode: -1 });
    await expect(rpc().call('submitauxblock', ['00'.repeat(32)])).rejects.toMatchObject({
      rpcCode: -1,
      message: expect.stringMatching(/submitauxblock <hash> <auxpow>/),
    });
    await expect(rpc().call('sendmany', ['', {}, 1, 'c', [], 'x'])).rejects.toMatchObject({ rpcCode: -1 });
  });

  it('serves the pool’s BitcoinChainReader: an aux block found, its reward at the pool script, the round value', async () => {
    const reader = new BitcoinChainReader(rpc(), doge().poolAddress, DOGE.decimals, poolScript());
    const aux = await mineAux();
    expect(await reader.locate({ hash: aux.hash })).toEqual({
      place: 'chain',
      confirmations: 1,
      reward: BLOCK_SUBSIDY,
    });
    const height = await rpc().getBlockCount();
    const value = await reader.blockValue(height);
    expect(value.value).toBe(BLOCK_SUBSIDY);
    expect(value.difficulty).toBe((await rpc().call<{ difficulty: number }>('getblock', [aux.hash, true])).difficulty);
    // The decoded coinbase is the block's own: its txid is the one the node lists.
    const listed = await rpc().call<{ tx: string[] }>('getblock', [aux.hash, true]);
    const decoded = await rpc().getBlock<{ tx: { txid: string }[] }>(aux.hash, 2);
    expect(decoded.tx.map((t) => t.txid)).toEqual(listed.tx);
    expect(await reader.locate({ hash: sha256d(Buffer.from('never mined')).toString('hex') })).toEqual({
      place: 'unseen',
      confirmations: 0,
    });
  });

  it('pays through the pool’s WalletPayoutSender at the node root: sent, found by id from genesis, a mark or an unknown mark, confirmed', async () => {
    const sender = new WalletPayoutSender(rpc(), DOGE.decimals);
    const mark = await sender.historyMark();
    const txid = await sender.send('payout-1', [{ account: doge().minerAddress, amount: 123_456_789n }]);
    const expected = [{ txid, outputs: [{ account: doge().minerAddress, amount: 123_456_789n }] }];
    expect(await sender.findPayout('payout-1')).toEqual(expected);
    expect(await sender.findPayout('payout-1', mark)).toEqual(expected);
    expect(await sender.findPayout('payout-1', sha256d(Buffer.from('resynced')).toString('hex'))).toEqual(expected);
    expect(await sender.confirmations(txid)).toBe(0);
    await doge().mine(1);
    expect(await sender.confirmations(txid)).toBe(1);
  });

  it('gives the pool’s aux work source work it parses (createauxblock), and accepts its submission', async () => {
    const chain = new AuxChain({
      coin: 'DOGE',
      chainId: DOGE.auxpow!.chainId,
      address: doge().poolAddress,
      daemons: [rpc()],
      diffMultiplier: getCoin('LTC').stratumDiffMultiplier,
      pollIntervalMs: 60_000,
      logger: createLogger('doge-standin-release', 'silent'),
    });
    await chain.start();
    try {
      const work = chain.current();
      // The node caches one block per payout script: asked again, it answers the same block, raw.
      const raw = await rpc().call<AuxBlock>('createauxblock', [doge().poolAddress]);
      expect(work).toMatchObject({ coin: 'DOGE', hash: raw.hash, height: (await rpc().getBlockCount()) + 1 });
      const verdict = await chain.submit(work!, auxPowHex(goodAuxPow(raw)));
      expect(verdict.outcome).toBe('accepted');
    } finally {
      chain.stop();
    }
  });
});
