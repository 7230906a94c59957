import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { address as btcAddress, payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { DaemonClient } from '../../../adapters/rpc/daemon-client.js';
import { addressToOutputScript } from '../../../core/coins/address.js';
import { coinNetworks, getCoin } from '../../../core/coins/registry.js';
import { BTC_ACTIVATION_HEIGHT, type BtcDevnetFile, btcDevnetFile } from '../../../local/devnet/btcd.js';
import { withBtcDevnet } from '../../helpers/btc-devnet.js';
import { poolCli } from '../../helpers/pool-cli.js';

const BTC = getCoin('BTC');
const SIMNET = coinNetworks(BTC, 'simnet')[0];

interface VerboseBlock {
  height: number;
  tx: { vout: { value: number; scriptPubKey: { hex: string } }[] }[];
}

/** One address of every kind simnet has, each paying a script of its own. */
function simnetAddresses(): Record<string, string> {
  const hash = () => randomBytes(20);
  return {
    p2pkh: payments.p2pkh({ hash: hash(), network: SIMNET }).address!,
    p2sh: payments.p2sh({ hash: hash(), network: SIMNET }).address!,
    p2wpkh: payments.p2wpkh({ hash: hash(), network: SIMNET }).address!,
    // a taproot output is a 32-byte witness program, version 1, in bech32m
    p2tr: btcAddress.toBech32(randomBytes(32), 1, SIMNET.bech32),
  };
}

describe('the BTC devnet (btcd --simnet + btcwallet)', () => {
  const net = withBtcDevnet();
  const devnet = () => net.get();

  it('runs btcd on simnet with segwit and taproot active past the activation height', async () => {
    const info = await devnet().node.call<{ chain: string; blocks: number; bip9_softforks: Record<string, object> }>(
      'getblockchaininfo',
    );
    expect(info.chain).toBe('simnet');
    expect(info.blocks).toBeGreaterThan(BTC_ACTIVATION_HEIGHT);
    expect(info.bip9_softforks.segwit).toMatchObject({ status: 'active' });
    expect(info.bip9_softforks.taproot).toMatchObject({ status: 'active' });
  });

  it('writes devnet-btc.json with loopback endpoints of btcd and the wallet, and its addresses', async () => {
    const file = JSON.parse(await readFile(btcDevnetFile(net.dataDir()), 'utf8')) as BtcDevnetFile;
    expect(file).toMatchObject({ coin: 'BTC', network: 'simnet', poolAddress: devnet().poolAddress });
    expect([...file.rpc, file.wallet].map((e) => new URL(e.url).hostname)).toEqual(['127.0.0.1', '127.0.0.1']);
    expect(file.rpc[0]!.url).not.toBe(file.wallet.url);
    for (const address of [file.poolAddress, file.minerAddress, file.feeAddress]) {
      expect(() => addressToOutputScript(BTC, 'simnet', address)).not.toThrow();
    }
    // the Litecoin devnet's file is not touched
    await expect(stat(join(net.dataDir(), 'devnet.json'))).rejects.toThrow(/ENOENT/);
  });

  it('keeps credentials and keys in owner-only files, never on a command line', async () => {
    const root = join(net.dataDir(), 'devnet', 'btc');
    for (const file of ['credentials.json', 'miner-key.json', 'btcd/btcd.conf', 'wallet/btcwallet.conf']) {
      expect(((await stat(join(root, file))).mode & 0o777).toString(8)).toBe('600');
    }
    expect(((await stat(btcDevnetFile(net.dataDir()))).mode & 0o777).toString(8)).toBe('600');
    const { password } = devnet().rpc[0]!;
    for (const pid of devnet().pids) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      expect(argv).toContain('--simnet');
      expect(argv).not.toContain(password);
    }
  });

  it('refuses RPC with the wrong password, on btcd and on the wallet', async () => {
    for (const { url, user } of [devnet().rpc[0]!, devnet().wallet]) {
      await expect(new DaemonClient({ url, user, password: 'wrong-password' }).getBlockCount()).rejects.toThrow(
        /HTTP 401/,
      );
    }
  });

  it("gives the pool's account a spendable 10 BTC float, apart from the miner's coins", async () => {
    const accounts = await devnet().walletClient.call<Record<string, number>>('listaccounts', [1]);
    expect(accounts.default).toBe(10);
    expect(accounts.imported).toBeGreaterThan(1000);
    for (const address of [devnet().poolAddress, devnet().feeAddress, devnet().minerAddress]) {
      const info = await devnet().walletClient.call<{ ismine: boolean }>('validateaddress', [address]);
      expect(info.ismine).toBe(true);
    }
  });

  it("mine(n) pays the miner's address through btcd's generate", async () => {
    const before = await devnet().node.getBlockCount();
    const hashes = await devnet().mine(3);
    expect(hashes).toHaveLength(3);
    expect(await devnet().node.getBlockCount()).toBe(before + 3);
    const block = await devnet().node.getBlock<VerboseBlock>(hashes[2]!, 2);
    const miner = addressToOutputScript(BTC, 'simnet', devnet().minerAddress).toString('hex');
    expect(block.tx[0]!.vout[0]!.scriptPubKey.hex).toBe(miner);
  });

  it('mine(1, address) pays legacy, P2SH, bech32 and taproot addresses with blocks btcd accepts', async () => {
    for (const [kind, address] of Object.entries(simnetAddresses())) {
      const before = await devnet().node.getBlockCount();
      const [hash] = await devnet().mine(1, address);
      expect(await devnet().node.getBestBlockHash(), kind).toBe(hash);
      const block = await devnet().node.getBlock<VerboseBlock>(hash!, 2);
      expect(block.height, kind).toBe(before + 1);
      const paid = block.tx[0]!.vout[0]!;
      expect(paid.scriptPubKey.hex, kind).toBe(addressToOutputScript(BTC, 'simnet', address).toString('hex'));
      expect(paid.value, kind).toBe(50);
    }
  });

  it('refuses to mine to an address of another network before mining anything', async () => {
    const before = await devnet().node.getBlockCount();
    const regtest = payments.p2wpkh({ hash: randomBytes(20), network: coinNetworks(BTC, 'regtest')[0] }).address!;
    await expect(devnet().mine(1, regtest)).rejects.toThrow(/not a valid BTC simnet address/);
    expect(await devnet().node.getBlockCount()).toBe(before);
  });

  it('`pool devnet mine --coin BTC` mines from another process, to the miner or to an address', async () => {
    const before = await devnet().node.getBlockCount();
    const toMiner = await poolCli(['devnet', 'mine', '2', '--coin', 'BTC', '--data-dir', net.dataDir()]);
    expect(toMiner.stderr).toBe('');
    expect(toMiner.stdout).toMatch(/^mined 2 block\(s\); tip [0-9a-f]{64}/);
    const { p2tr } = simnetAddresses();
    const toAddress = await poolCli(['devnet', 'mine', '1', p2tr!, '--coin', 'btc', '--data-dir', net.dataDir()]);
    expect(toAddress.code).toBe(0);
    expect(await devnet().node.getBlockCount()).toBe(before + 3);
    const tip = await devnet().node.getBlock<VerboseBlock>(await devnet().node.getBestBlockHash(), 2);
    expect(tip.tx[0]!.vout[0]!.scriptPubKey.hex).toBe(addressToOutputScript(BTC, 'simnet', p2tr!).toString('hex'));
  });

  it('`pool devnet mine --coin BTC` says why an address is refused, in one line, and mines nothing', async () => {
    const before = await devnet().node.getBlockCount();
    const regtest = payments.p2wpkh({ hash: randomBytes(20), network: coinNetworks(BTC, 'regtest')[0] }).address!;
    const refused = await poolCli(['devnet', 'mine', '1', regtest, '--coin', 'BTC', '--data-dir', net.dataDir()]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toMatch(
      /^"bcrt1\w+" is not a valid BTC simnet address \(it looks like a regtest address\)$/,
    );
    expect(await devnet().node.getBlockCount()).toBe(before);
  });

  it('`pool devnet mine --coin` names the devnet chains when asked for another', async () => {
    const other = await poolCli(['devnet', 'mine', '1', '--coin', 'NMC', '--data-dir', net.dataDir()]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/no NMC chain \(LTC, BTC, ETC, DOGE\)/);
  });
});
