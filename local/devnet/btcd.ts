import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1';
import { payments } from 'bitcoinjs-lib';
import bs58check from 'bs58check';
import { DaemonClient, type DaemonEndpoint } from '../../adapters/rpc/daemon-client.js';
import { addressToOutputScript } from '../../core/coins/address.js';
import { coinNetworks, getCoin } from '../../core/coins/registry.js';
import { ConfigError, DaemonError } from '../../core/errors.js';
import { formatAmount } from '../../core/ledger/payouts.js';
import type { Logger } from '../../core/ports/logger.js';
import { mineBlockTo } from './btc-blocks.js';
import type { Credentials } from './litecoind.js';
import { type DaemonProcess, DevnetStartError, freePorts, sleep, spawnDaemon, stopLeftover } from './process.js';
import { loadOrCreateCredentials, readJson, writeJson } from './state.js';
import { tool } from './tools.js';

/**
 * The Bitcoin devnet: btcd `--simnet` (the Go full node, validating every block) and btcwallet `--simnet` beside it.
 * btcwallet has no regtest, so the chain is btcd's simnet: addresses S… / r… / sb1…, bits 207fffff, coinbase
 * maturity 100, segwit and taproot BIP9 deployments that activate by mining (active from height 300).
 */

/** segwit and taproot are active from this height on simnet (BIP9 window 100, threshold 75, three windows). */
export const BTC_ACTIVATION_HEIGHT = 300;
/** The wallet's private passphrase: btcwallet `--createtemp` creates its simulation wallet with this one. */
export const BTC_WALLET_PASSPHRASE = 'password';
/** Base units per BTC. */
const COIN = 100_000_000n;
/** What the pool's account holds after the first start, so payouts can pay their fee before any block matured. */
const POOL_FLOAT = 10n * COIN;
/** btcd refuses getblocktemplate while its tip is older than 24 h ("chain is not current"); refresh well before. */
const STALE_TIP_SECONDS = 12 * 3600;
const SIMNET = coinNetworks(getCoin('BTC'), 'simnet')[0];

/** What `<dataDir>/devnet-btc.json` holds: how other processes (the `pool` CLI, the pool) reach a running BTC devnet. */
export interface BtcDevnetFile {
  coin: 'BTC';
  network: 'simnet';
  /** btcd's RPC (getblocktemplate, submitblock, getblock…): what a pool config lists as the coin's daemon. */
  rpc: DaemonEndpoint[];
  /** btcwallet's RPC (sendmany, listunspent…; it also forwards chain calls to btcd). One wallet, no /wallet/ path. */
  wallet: DaemonEndpoint;
  /**
   * S… (P2PKH) address of the wallet's "default" account: the pool's coinbases pay it. Legacy on purpose: btcwallet's
   * sendmany/sendfrom spend only outputs of the account's BIP44 (P2PKH) keys, so coins on a bech32 address of the
   * same wallet would not be spendable by payouts.
   */
  poolAddress: string;
  /** S… address of a key the devnet made and imported ("imported" account): btcd's --miningaddr, `mine()`'s default. */
  minerAddress: string;
  /** S… address of the wallet's "fees" account: the devnet pool's fee wallet. */
  feeAddress: string;
  /** btcd, then btcwallet. */
  pids: number[];
}

export interface BtcDevnetOptions {
  /** State lives in `<dataDir>/devnet/btc/{btcd,wallet}`; `<dataDir>/devnet-btc.json` tells other processes. */
  dataDir: string;
  log?: Pick<Logger, 'info' | 'warn'>;
  /** The clock the tip's age is judged by (ms since the epoch); tests move it a day ahead. */
  now?: () => number;
}

export interface BtcDevnet extends BtcDevnetFile {
  /** btcd, no wallet. */
  node: DaemonClient;
  /** btcwallet: wallet calls (unlock with walletpassphrase BTC_WALLET_PASSPHRASE before sending or signing). */
  walletClient: DaemonClient;
  /**
   * Mines n blocks. To the miner address through btcd's `generate`; to any other address (btcd's generate pays
   * only --miningaddr) by building each block from getblocktemplate with the pool's own job code, grinding the
   * nonce and submitting it. Waits until the wallet has seen the new tip.
   */
  mine(n: number, address?: string): Promise<string[]>;
  /** Stops btcwallet, then btcd (SIGKILL after 15 s each). */
  stop(): Promise<void>;
}

interface MinerKey {
  wif: string;
  address: string;
}

interface BtcState {
  poolAddress: string;
  feeAddress: string;
  /** The send of POOL_FLOAT to the pool account, once (a restart must not fund it again after payouts spent it). */
  floatTxid?: string;
}

const noLog: Pick<Logger, 'info' | 'warn'> = { info() {}, warn() {} };

/** `<dataDir>/devnet-btc.json`; the Litecoin devnet keeps `<dataDir>/devnet.json`. */
export function btcDevnetFile(dataDir: string): string {
  return join(dataDir, 'devnet-btc.json');
}

/**
 * Starts btcd and btcwallet on loopback, on free ports, with random credentials kept owner-only; creates the wallet
 * and its addresses on the first start and mines to segwit/taproot activation plus maturity with a POOL_FLOAT sent
 * to the pool account. A restart on the same data directory keeps chain, wallet, addresses and credentials.
 */
export async function startBtcDevnet(opts: BtcDevnetOptions): Promise<BtcDevnet> {
  const log = opts.log ?? noLog;
  const startedAt = performance.now();
  const root = join(opts.dataDir, 'devnet', 'btc');
  await mkdir(join(root, 'btcd'), { recursive: true, mode: 0o700 });
  await mkdir(join(root, 'wallet'), { recursive: true, mode: 0o700 });
  const creds = await loadOrCreateCredentials(join(root, 'credentials.json'));
  const miner = await loadOrCreateMinerKey(join(root, 'miner-key.json'));
  // A killed run's wallet first: stopping its btcd under it would leave it retrying the connection, slow to stop.
  await stopLeftover(walletPidFile(join(root, 'wallet')), walletMarker(join(root, 'wallet')));
  const { btcd, wallet, node, walletClient } = await startDaemons(root, creds, miner.address, log);
  try {
    // The wallet connected to btcd and at its height before anything else (nothing below mines until prepareChain): a
    // new address is registered with btcd, and btcwallet refuses getnewaddress ("Invalid address or key", seen once
    // in CI under load) while that connection is still coming up.
    await waitForWalletSync(node, walletClient);
    await walletClient.call('walletpassphrase', [BTC_WALLET_PASSPHRASE, 60]);
    const state = await loadOrCreateState(join(root, 'state.json'), walletClient, miner);
    const now = opts.now ?? Date.now;
    const mined = await prepareChain(node, walletClient, miner, state, join(root, 'state.json'), log, now);

    const file: BtcDevnetFile = {
      coin: 'BTC',
      network: 'simnet',
      rpc: [node.config],
      wallet: walletClient.config,
      poolAddress: state.poolAddress,
      minerAddress: miner.address,
      feeAddress: state.feeAddress,
      pids: [btcd.proc.pid ?? 0, wallet.proc.pid ?? 0],
    };
    await writeJson(btcDevnetFile(opts.dataDir), file);
    const height = await node.getBlockCount();
    const ms = Math.round(performance.now() - startedAt);
    log.info({ height, mined, ms, rpc: node.config.url, wallet: walletClient.config.url }, 'BTC devnet ready');
    return {
      ...file,
      node,
      walletClient,
      async mine(n, address) {
        const hashes = await mineOn(node, n, address ?? miner.address, miner.address);
        await waitForWalletSync(node, walletClient);
        return hashes;
      },
      async stop() {
        // The wallet first: with btcd gone it would keep retrying its connection every 5 s.
        await wallet.stop();
        await btcd.stop();
      },
    };
  } catch (err) {
    await wallet.stop();
    await btcd.stop();
    throw err;
  }
}

/** Mines on a BTC devnet that is already running (e.g. under `npm start`), found through `devnet-btc.json`. */
export async function btcDevnetMine(dataDir: string, n: number, address?: string): Promise<string[]> {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`cannot mine ${n} blocks`);
  const devnet = await readJson<BtcDevnetFile>(btcDevnetFile(dataDir));
  if (!devnet?.rpc[0]) throw new ConfigError(`no BTC devnet in ${dataDir}: start one with \`npm start\` first`);
  const node = new DaemonClient(devnet.rpc[0]);
  try {
    return await mineOn(node, n, address ?? devnet.minerAddress, devnet.minerAddress);
  } catch (err) {
    if (err instanceof DaemonError && err.rpcCode === undefined && /connection refused/.test(err.message)) {
      throw new DaemonError(`the BTC devnet in ${dataDir} is not running: start it with \`npm start\``, undefined, {
        cause: err,
      });
    }
    throw err;
  }
}

async function mineOn(node: DaemonClient, n: number, address: string, minerAddress: string): Promise<string[]> {
  if (address === minerAddress) return node.call<string[]>('generate', [n], { timeoutMs: 120_000 });
  // Refused here, before any block, rather than by the daemon after some.
  const script = addressToOutputScript(getCoin('BTC'), 'simnet', address);
  const hashes: string[] = [];
  for (let i = 0; i < n; i++) hashes.push(await mineBlockTo(node, script));
  return hashes;
}

const MISSING = (name: string) =>
  `${name} is not installed: run scripts/setup.sh (it builds btcd and btcwallet with Go)`;

/**
 * btcd, then btcwallet (which needs btcd's RPC to start syncing). Free ports are probed and released, so another
 * process can take one in between: such a start is retried on new ports.
 */
async function startDaemons(
  root: string,
  creds: Credentials,
  miningAddress: string,
  log: Pick<Logger, 'warn'>,
): Promise<{ btcd: DaemonProcess; wallet: DaemonProcess; node: DaemonClient; walletClient: DaemonClient }> {
  for (let attempt = 1; ; attempt++) {
    const [rpcPort, walletPort] = (await freePorts(2)) as [number, number];
    let btcd: DaemonProcess | undefined;
    try {
      const node = new DaemonClient({ url: `http://127.0.0.1:${rpcPort}`, ...creds });
      btcd = await startBtcd(join(root, 'btcd'), creds, rpcPort, miningAddress, node);
      const walletClient = new DaemonClient({ url: `http://127.0.0.1:${walletPort}`, ...creds });
      const wallet = await startWallet(join(root, 'wallet'), creds, rpcPort, walletPort, walletClient);
      return { btcd, wallet, node, walletClient };
    } catch (err) {
      await btcd?.stop();
      if (!(err instanceof DevnetStartError && err.portTaken && attempt < 3)) throw err;
      log.warn({ err: err.message }, 'BTC devnet port taken meanwhile; retrying on other ports');
    }
  }
}

async function startBtcd(
  dir: string,
  creds: Credentials,
  rpcPort: number,
  miningAddress: string,
  client: DaemonClient,
): Promise<DaemonProcess> {
  const conf = join(dir, 'btcd.conf');
  // Credentials in an owner-only config file rather than on the command line, where every local user could read them.
  await writeFile(conf, `rpcuser=${creds.user}\nrpcpass=${creds.password}\n`, { mode: 0o600 });
  return spawnDaemon({
    name: 'btcd',
    command: tool('btcd'),
    args: [
      `--configfile=${conf}`,
      '--simnet',
      `--datadir=${join(dir, 'data')}`,
      `--logdir=${join(dir, 'logs')}`,
      // Loopback only, and TLS off (btcd allows --notls only when every RPC listener is on loopback).
      '--notls',
      `--rpclisten=127.0.0.1:${rpcPort}`,
      // No peers: nothing listens, nothing is dialled (simnet has no DNS seeds).
      '--nolisten',
      // Every stratum process keeps a getblocktemplate long poll open; btcd's default is 10 clients.
      '--rpcmaxclients=100',
      // `generate` pays its coinbases here; btcd needs it at start.
      `--miningaddr=${miningAddress}`,
    ],
    pidFile: join(dir, 'btcd.pid'),
    marker: `--datadir=${join(dir, 'data')}`,
    logPath: join(dir, 'logs', 'simnet', 'btcd.log'),
    ready: () => client.call('getblockcount', [], { timeoutMs: 2_000 }),
    missing: MISSING('btcd'),
  });
}

async function startWallet(
  dir: string,
  creds: Credentials,
  btcdPort: number,
  walletPort: number,
  client: DaemonClient,
): Promise<DaemonProcess> {
  const conf = join(dir, 'btcwallet.conf');
  const lines = [
    `btcdusername=${creds.user}`,
    `btcdpassword=${creds.password}`,
    `username=${creds.user}`,
    `password=${creds.password}`,
  ];
  await writeFile(conf, `${lines.join('\n')}\n`, { mode: 0o600 });
  // --createtemp makes a simulation wallet (private passphrase "password", no interactive prompt) and keeps running.
  const create = existsSync(join(dir, 'simnet', 'wallet.db')) ? [] : ['--createtemp'];
  return spawnDaemon({
    name: 'btcwallet',
    command: tool('btcwallet'),
    args: [
      `--configfile=${conf}`,
      '--simnet',
      walletMarker(dir),
      ...create,
      '--noclienttls',
      '--noservertls',
      `--rpcconnect=127.0.0.1:${btcdPort}`,
      `--rpclisten=127.0.0.1:${walletPort}`,
    ],
    pidFile: walletPidFile(dir),
    marker: walletMarker(dir),
    logPath: join(dir, 'logs', 'simnet', 'btcwallet.log'),
    // The wallet's own call (not forwarded to btcd): answers once the wallet is open.
    ready: () => client.call('walletislocked', [], { timeoutMs: 2_000 }),
    missing: MISSING('btcwallet'),
  });
}

function walletPidFile(dir: string): string {
  return join(dir, 'btcwallet.pid');
}

/** The argument naming the wallet's directory, by which a leftover wallet of this devnet is recognised. */
function walletMarker(dir: string): string {
  return `--appdata=${dir}`;
}

/**
 * btcd needs its mining address at start, before the wallet exists: so the miner's key is made here (random, kept
 * owner-only) and imported into the wallet, whose "imported" account then holds the setup blocks' coinbases.
 */
async function loadOrCreateMinerKey(file: string): Promise<MinerKey> {
  const known = await readJson<MinerKey>(file);
  if (known?.wif && known.address) return known;
  let priv: Uint8Array;
  do priv = randomBytes(32);
  while (!secp256k1.utils.isValidPrivateKey(priv));
  const pubkey = secp256k1.getPublicKey(priv, true);
  const key: MinerKey = {
    // WIF: version byte ‖ key ‖ 0x01 (compressed public key).
    wif: bs58check.encode(Buffer.concat([Buffer.of(SIMNET.wif), priv, Buffer.of(1)])),
    address: payments.p2pkh({ pubkey, network: SIMNET }).address!,
  };
  await writeJson(file, key);
  return key;
}

/** The pool's and the fee account's addresses, made once; the miner key imported once (idempotent on a retry). */
async function loadOrCreateState(file: string, wallet: DaemonClient, miner: MinerKey): Promise<BtcState> {
  const known = await readJson<BtcState>(file);
  if (known?.poolAddress && known.feeAddress) return known;
  const accounts = await wallet.call<Record<string, number>>('listaccounts', [0]);
  if (!('fees' in accounts)) await wallet.call('createnewaccount', ['fees']);
  const mine = await wallet.call<{ ismine?: boolean }>('validateaddress', [miner.address]);
  // No rescan: the key is imported before its address received anything.
  if (!mine.ismine) await wallet.call('importprivkey', [miner.wif, 'imported', false]);
  const state: BtcState = {
    poolAddress: await wallet.getNewAddress('default', 'legacy'),
    feeAddress: await wallet.getNewAddress('fees', 'legacy'),
  };
  await writeJson(file, state);
  return state;
}

/**
 * A new chain is mined to segwit/taproot activation (the miner's coinbases mature meanwhile), POOL_FLOAT goes to the
 * pool account and is confirmed. Resumes where an interrupted first start stopped. On a restarted devnet whose tip
 * is old, one block makes btcd's chain "current" again: it refuses getblocktemplate otherwise.
 */
async function prepareChain(
  node: DaemonClient,
  wallet: DaemonClient,
  miner: MinerKey,
  state: BtcState,
  stateFile: string,
  log: Pick<Logger, 'info'>,
  now: () => number,
): Promise<number> {
  const start = await node.getBlockCount();
  const generate = async (n: number) => {
    await node.call('generate', [n], { timeoutMs: 120_000 });
    await waitForWalletSync(node, wallet);
  };
  if (start < BTC_ACTIVATION_HEIGHT) {
    log.info({ height: start }, 'first start: mining the simnet chain to segwit and taproot activation');
    await generate(BTC_ACTIVATION_HEIGHT - start);
  }
  if (!state.floatTxid) {
    state.floatTxid = await sendFloat(node, wallet, miner, state.poolAddress);
    await writeJson(stateFile, state);
    await generate(1);
  }
  const tip = await node.getBlock<{ time: number }>(await node.getBestBlockHash());
  if (now() / 1000 - tip.time > STALE_TIP_SECONDS) {
    log.info({ tipTime: new Date(tip.time * 1000).toISOString() }, 'the devnet tip is old: mining a fresh block');
    await generate(1);
  }
  await checkDeployments(node);
  return (await node.getBlockCount()) - start;
}

/**
 * POOL_FLOAT from one of the miner's mature coinbases to the pool account, the change back to the miner. The wallet
 * signs with the miner's key given explicitly: btcwallet's sendfrom "imported" builds the transaction but leaves
 * the imported key's inputs unsigned (btcd refuses it: "index 0 is invalid for stack size 0").
 */
async function sendFloat(node: DaemonClient, wallet: DaemonClient, miner: MinerKey, to: string): Promise<string> {
  // btcwallet refuses listunspent's address filter ("Filtering by addresses has been deprecated", -8).
  const unspent = await wallet.listUnspent(100);
  const coin = unspent.find((u) => u.address === miner.address && u.units > POOL_FLOAT);
  if (!coin) throw new DaemonError(`the devnet miner ${miner.address} has no mature coinbase to fund the pool with`);
  const fee = 10_000n;
  // btcd takes amounts as JSON numbers of BTC; eight decimals are exact in a double at these sizes.
  const btc = (units: bigint) => Number(formatAmount(units));
  const outputs = { [to]: btc(POOL_FLOAT), [miner.address]: btc(coin.units - POOL_FLOAT - fee) };
  const unsigned = await node.call<string>('createrawtransaction', [[{ txid: coin.txid, vout: coin.vout }], outputs]);
  const prevout = { txid: coin.txid, vout: coin.vout, scriptPubKey: coin.scriptPubKey };
  const signed = await wallet.call<{ hex: string; complete: boolean }>('signrawtransaction', [
    unsigned,
    [prevout],
    [miner.wif],
  ]);
  if (!signed.complete) throw new DaemonError('btcwallet did not sign the devnet float transaction');
  return node.call<string>('sendrawtransaction', [signed.hex]);
}

/** btcd reports BIP9 deployments under `bip9_softforks`, not Core's `softforks`. */
async function checkDeployments(node: DaemonClient): Promise<void> {
  const info = await node.call<{ bip9_softforks?: Record<string, { status: string }> }>('getblockchaininfo');
  for (const name of ['segwit', 'taproot']) {
    const status = info.bip9_softforks?.[name]?.status;
    if (status !== 'active') throw new DaemonError(`btcd simnet: ${name} is ${status ?? 'unknown'}, not active`);
  }
}

/** Until the wallet has processed btcd's tip (its getblockcount is its own synced height). */
async function waitForWalletSync(node: DaemonClient, wallet: DaemonClient, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const target = await node.getBlockCount();
  for (;;) {
    try {
      if ((await wallet.getBlockCount()) >= target) return;
    } catch (err) {
      // "Chain RPC is inactive" (-1) while the wallet is still connecting to btcd.
      if (!(err instanceof DaemonError) || err.rpcCode === undefined) throw err;
    }
    if (Date.now() > deadline) throw new DaemonError(`btcwallet did not reach height ${target} in ${timeoutMs} ms`);
    await sleep(50);
  }
}
