import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import {
  ETC_DEVNET_CHAIN_ID,
  ETC_DEVNET_DIFFICULTY,
  type EtcDevnetFile,
  etcDevnetFile,
  startEtcDevnet,
} from '../../../local/devnet/core-geth.js';
import { withEtcDevnet } from '../../helpers/etc-devnet.js';
import { poolCli } from '../../helpers/pool-cli.js';

const TWO_256 = 2n ** 256n;

describe('the ETC devnet (two core-geth nodes, etchash, mining with zero threads)', () => {
  const startedAt = Date.now();
  const net = withEtcDevnet({ eraRounds: 7 });
  const devnet = () => net.get();

  it('serves its own chain id with the pool account funded from genesis', async () => {
    const a = devnet().nodeA.client;
    expect(await a.chainId()).toBe(BigInt(ETC_DEVNET_CHAIN_ID));
    expect(await a.call('net_version')).toBe(String(ETC_DEVNET_CHAIN_ID));
    expect(BigInt(await a.call<string>('eth_getBalance', [devnet().poolAddress, 'latest']))).toBe(1000n * 10n ** 18n);
  });

  it('hands out etchash epoch-0 work at the devnet difficulty for block 1, paying the pool address', async () => {
    const { nodeA, nodeB } = devnet();
    for (const node of [nodeA, nodeB]) {
      const work = await node.client.getWork();
      expect(work.blockNumber).toBe(1);
      // ECIP-1099 from block 0: epoch 0 (60,000 blocks) has the seed of ethash epoch 0, 32 zero bytes
      expect(work.seedHash).toBe(`0x${'0'.repeat(64)}`);
      expect(TWO_256 / BigInt(work.target)).toBe(ETC_DEVNET_DIFFICULTY);
      const pending = await node.client.getBlockByNumber('pending');
      // geth leaves the pending block's miner out; its etherbase is what the block will pay
      expect((await node.client.call<string>('eth_coinbase')).toLowerCase()).toBe(devnet().poolAddress.toLowerCase());
      expect(pending?.difficulty).toBe(ETC_DEVNET_DIFFICULTY);
    }
  });

  it('peers the two nodes with each other on loopback', async () => {
    expect(await devnet().nodeA.client.call('net_peerCount')).toBe('0x1');
    expect(await devnet().nodeB.client.call('net_peerCount')).toBe('0x1');
  });

  it('refuses a seal that does not meet the target (eth_submitWork false), and the chain does not move', async () => {
    const client = devnet().nodeA.client;
    const work = await client.getWork();
    const accepted = await client.submitWork('0x0000000000000001', work.headerHash, `0x${'11'.repeat(32)}`);
    expect(accepted).toBe(false);
    expect(await client.blockNumber()).toBe(0);
    // unknown work is refused as well
    expect(await client.submitWork('0x0000000000000001', `0x${'ab'.repeat(32)}`, `0x${'11'.repeat(32)}`)).toBe(false);
  });

  it('mines blocks with the light cache that both nodes take, paying the pool the era rewards (ECIP-1017, eras of 7)', async () => {
    const hashes = await devnet().mine(8);
    expect(hashes).toHaveLength(8);
    const b = devnet().nodeB.client;
    expect(await b.blockNumber()).toBe(8);
    for (let n = 1; n <= 8; n++) {
      const block = await b.getBlockByNumber(n);
      expect(block!.hash).toBe(hashes[n - 1]);
      expect(block!.miner.toLowerCase()).toBe(devnet().poolAddress.toLowerCase());
      expect(block!.difficulty).toBe(ETC_DEVNET_DIFFICULTY);
    }
    // era = floor((n - 1) / 7): blocks 1-7 pay 5 ETC, block 8 pays 4 ETC; no transactions, so no fees
    const balance = BigInt(await b.call<string>('eth_getBalance', [devnet().poolAddress, 'latest']));
    expect(balance).toBe((1000n + 7n * 5n + 4n) * 10n ** 18n);
    // 8 light-cache seals take ~10 s of one core on a quiet machine; a loaded one (CI beside other jobs) took over 30.
  }, 90_000);

  it('keeps the ethash DAG it builds for seal checks in the node directories, one at most', () => {
    // Runs after the blocks above were sealed remotely, which is what makes geth build a full DAG (1 GiB) in the
    // background: by default in ~/.ethash, with an empty --ethash.dagdir in its working directory, a new file per start.
    const dagsIn = (dir: string) =>
      existsSync(dir)
        ? readdirSync(dir)
            .filter((f) => f.startsWith('full-R'))
            .filter((f) => statSync(join(dir, f)).mtimeMs >= startedAt)
        : [];
    expect([...dagsIn(join(homedir(), '.ethash')), ...dagsIn(process.cwd())]).toEqual([]);
    for (const node of ['node-a', 'node-b']) {
      expect(dagsIn(join(net.dataDir(), 'devnet', 'etc', node, 'ethash-dag')).length, node).toBeLessThanOrEqual(1);
    }
  });

  it('pool devnet mine --coin ETC mines on the running devnet; another address than the pool is refused', async () => {
    const before = await devnet().nodeA.client.blockNumber();
    const mined = await poolCli(['devnet', 'mine', '2', '--coin', 'ETC', '--data-dir', net.dataDir()]);
    expect(mined.stderr).toBe('');
    expect(mined.code).toBe(0);
    const tip = await devnet().nodeA.client.getBlockByNumber(before + 2);
    expect(mined.stdout).toContain(`mined 2 block(s); tip ${tip!.hash}`);
    const other = Wallet.createRandom().address;
    const refused = await poolCli(['devnet', 'mine', '1', other, '--coin', 'ETC', '--data-dir', net.dataDir()]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`cannot be mined to ${other}`);
    expect(await devnet().nodeA.client.blockNumber()).toBe(before + 2);
  });

  it('exposes only eth, net, web3 and txpool over HTTP on loopback', async () => {
    const file = JSON.parse(await readFile(etcDevnetFile(net.dataDir()), 'utf8')) as EtcDevnetFile;
    expect(file.rpc.map((e) => new URL(e.url).hostname)).toEqual(['127.0.0.1', '127.0.0.1']);
    const modules = await devnet().nodeA.client.call<Record<string, string>>('rpc_modules');
    expect(Object.keys(modules).sort()).toEqual(['eth', 'net', 'rpc', 'txpool', 'web3']);
    for (const method of ['personal_listAccounts', 'admin_nodeInfo', 'miner_setEtherbase', 'debug_gcStats']) {
      await expect(devnet().nodeA.client.call(method, method === 'miner_setEtherbase' ? ['0x00'] : [])).rejects.toThrow(
        /does not exist|not available/,
      );
    }
  });

  it('keeps the pool key in an owner-only file whose key is the pool address', async () => {
    const file = JSON.parse(await readFile(etcDevnetFile(net.dataDir()), 'utf8')) as EtcDevnetFile;
    expect((await stat(file.payoutKeyFile)).mode & 0o777).toBe(0o600);
    const key = JSON.parse(await readFile(file.payoutKeyFile, 'utf8')) as { address: string; privateKey: string };
    expect(new Wallet(key.privateKey).address).toBe(file.poolAddress);
    expect(key.privateKey).toBe(devnet().payoutKey);
    // the key is on no command line
    for (const pid of file.pids) {
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(key.privateKey.slice(2));
    }
  });

  it('uses the era length it was started with (ECIP-1017 rounds in the genesis config)', async () => {
    const genesis = JSON.parse(await readFile(`${net.dataDir()}/devnet/etc/genesis.json`, 'utf8'));
    expect(genesis.config).toMatchObject({
      ecip1017EraRounds: 7,
      ecip1099FBlock: 0,
      ecip1017FBlock: 0,
      chainId: 63_999,
    });
  });

  it('a node stopped and started again keeps its chain and peers again', async () => {
    const { nodeA } = devnet();
    const genesis = await nodeA.client.getBlockByNumber(0);
    const dags = join(net.dataDir(), 'devnet', 'etc', 'node-a', 'ethash-dag');
    const dagsBefore = readdirSync(dags);
    await nodeA.stop();
    expect(nodeA.running).toBe(false);
    await expect(nodeA.client.blockNumber()).rejects.toThrow(/connection refused/);
    await nodeA.start();
    // the DAG file a stopped node may have left half-written goes at the next start
    expect(readdirSync(dags).filter((f) => dagsBefore.includes(f))).toEqual([]);
    expect((await nodeA.client.getBlockByNumber(0))?.hash).toBe(genesis?.hash);
    const deadline = Date.now() + 20_000;
    while ((await nodeA.client.call('net_peerCount')) !== '0x1' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await nodeA.client.call('net_peerCount')).toBe('0x1');
  });

  it('a second start on the same directory stops the leftovers and keeps keys, addresses and chain', async () => {
    const before = devnet();
    const genesis = await before.nodeA.client.getBlockByNumber(0);
    // As if the process that started it died: a new start on the same directory.
    const again = await startEtcDevnet({ dataDir: net.dataDir() });
    try {
      expect(again.poolAddress).toBe(before.poolAddress);
      expect(again.payoutKey).toBe(before.payoutKey);
      // the fee wallet of the devnet config: its own account, kept across restarts
      expect(again.feeAddress).toBe(before.feeAddress);
      expect(new Set([again.feeAddress, again.poolAddress, again.minerAddress]).size).toBe(3);
      expect((await again.nodeA.client.getBlockByNumber(0))?.hash).toBe(genesis?.hash);
      // the first start's nodes were stopped: the new ones are other processes on the same data
      expect(again.pids.some((p) => before.pids.includes(p))).toBe(false);
    } finally {
      await again.stop();
    }
  });
});
