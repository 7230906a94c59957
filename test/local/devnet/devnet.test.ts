import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DaemonClient } from '../../../adapters/rpc/daemon-client.js';
import { DEVNET_READY_HEIGHT, type DevnetFile, devnetMine, GBT_RULES } from '../../../local/devnet/index.js';
import { withDevnet } from '../../helpers/devnet.js';

describe('a started devnet', () => {
  const net = withDevnet();
  const devnet = () => net.get();

  it('runs two connected regtest nodes on the same tip, with MWEB active', async () => {
    const [a, b] = [devnet().clientA, devnet().clientB];
    const [infoA, infoB] = await Promise.all([a.getBlockchainInfo(), b.getBlockchainInfo()]);
    expect(infoA.chain).toBe('regtest');
    expect(infoA.blocks).toBe(DEVNET_READY_HEIGHT);
    expect(infoB.bestblockhash).toBe(infoA.bestblockhash);
    expect(infoA.softforks?.mweb?.active).toBe(true);
    expect((await a.getNetworkInfo()).connections).toBeGreaterThan(0);
    // the tip is an MWEB block: the chain is past the one that needs a peg-in
    expect(await a.getBlock(infoA.bestblockhash, 1)).toHaveProperty('mweb');
  });

  it('serves getblocktemplate with the MWEB rules: an extension block, and the HogEx as the last transaction', async () => {
    const template = await devnet().clientA.getBlockTemplate(GBT_RULES);
    expect(template.height).toBe(DEVNET_READY_HEIGHT + 1);
    expect(template.mweb).toMatch(/^(?:[0-9a-f]{2})+$/);
    const hogex = template.transactions.at(-1);
    // version (4 bytes), then the extended-serialization marker 0x00 and flag 0x08 (MWEB) of the HogEx
    expect(hogex?.data.slice(8, 12)).toBe('0008');
  });

  it('binds RPC to loopback and writes devnet.json with both endpoints and the pool wallet address', async () => {
    const file = JSON.parse(await readFile(join(net.dataDir(), 'devnet.json'), 'utf8')) as DevnetFile;
    expect(file.rpc).toEqual(devnet().daemons);
    expect(file.rpc.map((r) => new URL(r.url).hostname)).toEqual(['127.0.0.1', '127.0.0.1']);
    expect(file.poolAddress).toBe(devnet().poolAddress);
    expect(file.poolAddress).toMatch(/^rltc1/);
    const owned = await devnet().poolWallet.call<{ ismine: boolean }>('getaddressinfo', [file.poolAddress]);
    expect(owned.ismine).toBe(true);
  });

  it('refuses RPC with the wrong password', async () => {
    const { url, user } = devnet().daemons[0]!;
    await expect(new DaemonClient({ url, user, password: 'wrong-password' }).getBlockCount()).rejects.toThrow(
      /HTTP 401/,
    );
  });

  it('funds the miner wallet with mature coins and the pool wallet with a float', async () => {
    expect(await devnet().minerWallet.getBalance(1)).toBeGreaterThan(1000n * 100_000_000n);
    expect(await devnet().poolWallet.getBalance(1)).toBe(10n * 100_000_000n);
  });

  it('mine(5) advances both nodes by five blocks', async () => {
    const before = await devnet().clientA.getBlockCount();
    const hashes = await devnet().mine(5);
    expect(hashes).toHaveLength(5);
    expect(await devnet().clientA.getBlockCount()).toBe(before + 5);
    expect(await devnet().clientB.getBestBlockHash()).toBe(hashes.at(-1));
  });

  it('mines from another process through devnet.json, to a given address', async () => {
    const address = await devnet().poolWallet.getNewAddress('mine-test', 'bech32');
    const before = await devnet().clientA.getBlockCount();
    const [hash] = await devnetMine(net.dataDir(), 1, address);
    const block = await devnet().clientA.getBlock<{ height: number; tx: { vout: { scriptPubKey: object }[] }[] }>(
      hash!,
      2,
    );
    expect(block.height).toBe(before + 1);
    expect(JSON.stringify(block.tx[0]?.vout)).toContain(address);
  });
});
