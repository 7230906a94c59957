import { describe, expect, it } from 'vitest';
import { DaemonPool } from '../../../adapters/rpc/daemon-pool.js';
import { addressToOutputScript, getCoin } from '../../../core/coins/index.js';
import { DaemonError } from '../../../core/errors.js';
import { combineSubmitAnswers } from '../../../fargate/src/jobs/submit-result.js';
import { buildBlockOnTip } from '../../../local/devnet/btc-blocks.js';
import { withBtcDevnet } from '../../helpers/btc-devnet.js';

/** DaemonClient and DaemonPool against btcd (simnet): the answers the pool reads come out as they do from Core. */

const BTC = getCoin('BTC');
const silent = { warn() {}, info() {} };

describe('the RPC adapter on btcd', () => {
  const net = withBtcDevnet();
  const node = () => net.get().node;

  const pool = () => addressToOutputScript(BTC, 'simnet', net.get().poolAddress);
  const block = (opts: Parameters<typeof buildBlockOnTip>[2] = {}) => buildBlockOnTip(node(), pool(), opts);

  it('submitblock: null for a new block, "duplicate" for one btcd has, the reason for a bad one', async () => {
    const good = await block();
    expect(await node().submitBlock(good.hex)).toBeNull();
    expect(await node().getBestBlockHash()).toBe(good.hash);
    // btcd says "rejected: already have block <hash>"
    expect(await node().submitBlock(good.hex)).toBe('duplicate');
    const highHash = await block({ meetsTarget: false });
    expect(await node().submitBlock(highHash.hex)).toMatch(/^block hash of [0-9a-f]{64} is higher than expected max/);
    const greedy = await block({ coinbaseValue: (reward) => reward + 1n });
    expect(await node().submitBlock(greedy.hex)).toMatch(/coinbase transaction for block pays .* more than expected/);
    expect(await node().getBestBlockHash()).toBe(good.hash);
  });

  it("btcd's submitblock answers map to the pool's outcomes through DaemonPool", async () => {
    const pool = new DaemonPool(net.get().rpc, silent);
    try {
      await pool.start();
      const good = await block();
      expect(combineSubmitAnswers(await pool.submitBlockEverywhere(good.hex))).toEqual({
        outcome: 'accepted',
        text: 'accepted',
      });
      expect(combineSubmitAnswers(await pool.submitBlockEverywhere(good.hex))).toEqual({
        outcome: 'duplicate',
        text: 'duplicate',
      });
      const bad = await block({ meetsTarget: false });
      expect(combineSubmitAnswers(await pool.submitBlockEverywhere(bad.hex)).outcome).toBe('rejected');
      // garbage is an RPC error (-22), not a verdict on a block
      expect(combineSubmitAnswers(await pool.submitBlockEverywhere('00'))).toMatchObject({ outcome: 'error' });
      // and none of it marks btcd down
      expect(pool.healthyCount()).toBe(1);
    } finally {
      pool.stop();
    }
  });

  it('getNetworkInfo reads btcd (which has no getnetworkinfo) through getinfo', async () => {
    await expect(node().call('getnetworkinfo')).rejects.toThrow(/unimplemented/i);
    const info = await node().getNetworkInfo();
    expect(info.connections).toBe(0);
    expect(info.version).toBeGreaterThan(0);
  });

  it('a peerless btcd is healthy in DaemonPool, because it serves templates; a stopped one is not', async () => {
    const pool = new DaemonPool([...net.get().rpc, { url: 'http://127.0.0.1:1', user: 'u', password: 'p' }], silent);
    try {
      await pool.start();
      expect(pool.status().map((s) => s.healthy)).toEqual([true, false]);
    } finally {
      pool.stop();
    }
  });

  it("getBlockchainInfo reports btcd's bip9_softforks as softforks", async () => {
    const info = await node().getBlockchainInfo();
    expect(info.chain).toBe('simnet');
    expect(info.softforks?.segwit).toMatchObject({ type: 'bip9', active: true, bip9: { status: 'active' } });
    expect(info.softforks?.taproot?.active).toBe(true);
  });

  it('getBlock(hash, 2) has the decoded transactions in tx (btcd answers rawtx); an unknown hash is -5', async () => {
    const [hash] = await net.get().mine(1);
    const verbose = await node().getBlock<{ tx: { vout: { value: number; scriptPubKey: { address?: string } }[] }[] }>(
      hash!,
      2,
    );
    expect(verbose.tx[0]!.vout[0]).toMatchObject({ value: 50, scriptPubKey: { address: net.get().minerAddress } });
    expect(await node().getBlock<{ tx: string[] }>(hash!, 1)).toMatchObject({
      tx: [expect.stringMatching(/^[0-9a-f]{64}$/)],
    });
    const unknown = node().getBlock('00'.repeat(32), 2);
    await expect(unknown).rejects.toBeInstanceOf(DaemonError);
    await expect(unknown).rejects.toMatchObject({ rpcCode: -5 });
  });

  it('getBlock of a block btcd holds outside its main chain answers confirmations -1, as Core does', async () => {
    const side = await block();
    await net.get().mine(1);
    expect(await node().submitBlock(side.hex)).toBeNull(); // stored on a side branch
    await expect(node().call('getblock', [side.hash, 1])).rejects.toThrow(/not in the main chain/);
    expect(await node().getBlock(side.hash, 2)).toMatchObject({ hash: side.hash, confirmations: -1 });
    expect(await node().getBlock(side.hash, 0)).toBe(side.hex);
  });

  it("a getblocktemplate long poll with btcd's longpollid returns when a block arrives, with the new tip's template", async () => {
    const current = await node().getBlockTemplate(BTC.gbtRules);
    expect(current.longpollid).toMatch(/^[0-9a-f]{64}-\d+$/);
    let answered = false;
    const poll = node()
      .getBlockTemplate(BTC.gbtRules, current.longpollid)
      .finally(() => {
        answered = true;
      });
    await new Promise((r) => setTimeout(r, 500));
    expect(answered).toBe(false); // nothing changed yet: btcd holds the request
    const [hash] = await net.get().mine(1);
    const next = await poll;
    expect(next.previousblockhash).toBe(hash);
    expect(next.height).toBe(current.height + 1);
  });

  it('getmininginfo and getdifficulty answer the network difficulty the stats show', async () => {
    const info = await node().getMiningInfo();
    expect(info.blocks).toBe(await node().getBlockCount());
    expect(info.difficulty).toBe(1);
    expect(await node().call<number>('getdifficulty')).toBe(1);
  });
});
