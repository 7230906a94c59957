import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { payments } from 'bitcoinjs-lib';
import { DaemonClient, type DaemonEndpoint } from '../../adapters/rpc/daemon-client.js';
import { addressToOutputScript } from '../../core/coins/address.js';
import { ConfigError } from '../../core/errors.js';
import type { Logger } from '../../core/ports/logger.js';
import { scrypt } from '../../fargate/src/hashing/index.js';
import { type StandinRelease, standinMethods } from './doge-standin/methods.js';
import { StandinNode } from './doge-standin/node.js';
import {
  AUXPOW_START_HEIGHT,
  COINBASE_MATURITY,
  DOGE_STANDIN,
  REGTEST_BITS,
  type StandinChain,
} from './doge-standin/params.js';
import { serveRpc } from './doge-standin/server.js';
import { loadOrCreateCredentials, readJson, writeJson } from './state.js';

/**
 * The DOGE devnet: the project's STAND-IN for dogecoind (local/devnet/doge-standin), run in this process with its
 * JSON-RPC on 127.0.0.1. No Dogecoin node can be installed on these machines; the stand-in keeps a real chain of
 * Dogecoin regtest blocks on disk, serves createauxblock/submitauxblock, verifies every AuxPoW with core/auxpow (the
 * rules ported from Dogecoin Core) and has a wallet that pays. No real dogecoind has accepted a block from this pool.
 */

/**
 * A new chain is mined to this height: past the AuxPoW start (20), and deep enough that block 1's coinbase (the
 * pool wallet's float) is mature — Core's wallet spends a coinbase COINBASE_MATURITY + 1 deep.
 */
export const DOGE_PREMINE_HEIGHT = AUXPOW_START_HEIGHT + COINBASE_MATURITY;

/** What `<dataDir>/devnet-doge.json` holds: how other processes (the pool, the CLI) reach the running stand-in. */
export interface DogeDevnetFile {
  /** DOGE, or the other AuxPoW chain the stand-in plays (DogeStandinOptions.chain). */
  coin: string;
  network: 'regtest';
  /** Says plainly what answers on `rpc`: the project's stand-in, not dogecoind ("edgepool-<coin>-standin"). */
  implementation: string;
  /** The stand-in's RPC (chain, aux mining and wallet calls at its root, as dogecoind serves them: no `/wallet/`). */
  rpc: DaemonEndpoint[];
  /** The wallet address createauxblock pays in the devnet pool: the DOGE coin's poolAddress. */
  poolAddress: string;
  /** A wallet address for the devnet pool's DOGE fee wallet. */
  feeAddress: string;
  /** An address outside the wallet: `mine()`'s default, so that the pool wallet's balance stays the pool's. */
  minerAddress: string;
  /** The process serving it (the stand-in runs in-process). */
  pids: number[];
}

export interface DogeStandinOptions {
  /** State in `<dataDir>/devnet/doge` (blocks.dat, wallet.json, credentials); `<dataDir>/devnet-doge.json`. */
  dataDir: string;
  /** Fixed RPC port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** Compact bits of every block (default regtest's 0x207fffff); tests pass harder bits so a weak parent fails. */
  bits?: number;
  /** Clock in ms (default Date.now): tests move it past createauxblock's 60 s rule. */
  now?: () => number;
  /**
   * Which Dogecoin Core 1.14 release's RPC to answer (default the latest): '1.14.6' takes getblock's `verbose` as a
   * boolean only, as every release before 1.14.7 does (tests check the pool against both).
   */
  release?: StandinRelease;
  /**
   * The chain it plays (default DOGE): another AuxPoW chain's coin (e.g. from a config's auxChains), its chain id and
   * regtest address versions, so that a second stand-in is a second aux chain. Its state is then in
   * `<dataDir>/devnet/<coin>` and `<dataDir>/devnet-<coin>.json` (coin in lower case).
   */
  chain?: StandinChain;
  log?: Pick<Logger, 'info' | 'warn'>;
}

export interface DogeStandin extends DogeDevnetFile {
  url: string;
  rpcUser: string;
  rpcPassword: string;
  /** A client of the stand-in's RPC. */
  client: DaemonClient;
  /** The node itself, for tests that look inside. */
  node: StandinNode;
  /** Mines n blocks paying `address` (default the miner address, outside the wallet); their display hashes. */
  mine(n: number, address?: string): Promise<string[]>;
  /** Closes the RPC server; the chain is already on disk. */
  stop(): Promise<void>;
}

interface DogeState {
  poolAddress: string;
  feeAddress: string;
  floatAddress: string;
  minerAddress: string;
}

const noLog: Pick<Logger, 'info' | 'warn'> = { info() {}, warn() {} };

export function dogeDevnetFile(dataDir: string, coin = 'DOGE'): string {
  return join(dataDir, `devnet-${coin.toLowerCase()}.json`);
}

/**
 * Starts the stand-in on its data directory: loads (and re-checks) the chain on disk, mines a new chain to
 * DOGE_PREMINE_HEIGHT — block 1 pays the wallet's float address (10,000 DOGE for payout fees, mature at that
 * height), the others the miner address outside the wallet, so the pool address starts empty — and serves RPC.
 */
export async function startDogeStandin(opts: DogeStandinOptions): Promise<DogeStandin> {
  const log = opts.log ?? noLog;
  const chain = opts.chain ?? DOGE_STANDIN;
  const name = chain.coin.symbol.toLowerCase();
  const dir = join(opts.dataDir, 'devnet', name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const creds = await loadOrCreateCredentials(join(dir, 'credentials.json'));
  const node = new StandinNode({
    dir,
    powHash: scrypt,
    bits: opts.bits ?? REGTEST_BITS,
    now: opts.now ?? Date.now,
    log,
    chain,
  });
  const state = await loadOrCreateState(join(dir, 'state.json'), node);
  const script = (address: string) => addressToOutputScript(chain.coin, 'regtest', address);
  const start = node.chain.height;
  if (start < 1) node.mine(1, script(state.floatAddress));
  if (node.chain.height < DOGE_PREMINE_HEIGHT) {
    node.mine(DOGE_PREMINE_HEIGHT - node.chain.height, script(state.minerAddress));
  }
  const { server, port } = await serveRpc({
    methods: standinMethods(node, opts.release, log),
    ...creds,
    port: opts.port,
    log,
  });
  const url = `http://127.0.0.1:${port}`;
  const file: DogeDevnetFile = {
    coin: chain.coin.symbol,
    network: 'regtest',
    implementation: `edgepool-${name}-standin`,
    rpc: [{ url, user: creds.user, password: creds.password }],
    poolAddress: state.poolAddress,
    feeAddress: state.feeAddress,
    minerAddress: state.minerAddress,
    pids: [process.pid],
  };
  await writeJson(dogeDevnetFile(opts.dataDir, chain.coin.symbol), file);
  log.info(
    { coin: chain.coin.symbol, height: node.chain.height, mined: node.chain.height - start, rpc: url },
    'stand-in aux node ready',
  );
  return {
    ...file,
    url,
    rpcUser: creds.user,
    rpcPassword: creds.password,
    client: new DaemonClient(file.rpc[0]!),
    node,
    async mine(n, address) {
      return node.mine(n, script(address ?? state.minerAddress));
    },
    // Idempotent: a test may stop it before the end of its file.
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Mines on a stand-in that is already running (e.g. under `npm start`), found through `devnet-doge.json`. */
export async function dogeStandinMine(dataDir: string, n: number, address?: string): Promise<string[]> {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`cannot mine ${n} blocks`);
  const devnet = await readJson<DogeDevnetFile>(dogeDevnetFile(dataDir));
  if (!devnet?.rpc[0]) throw new ConfigError(`no DOGE stand-in in ${dataDir}: start one with \`npm start\` first`);
  return new DaemonClient(devnet.rpc[0]).generateToAddress(n, address ?? devnet.minerAddress);
}

/** The wallet's addresses (pool, fees, float) and the miner's, made once and kept across restarts. */
async function loadOrCreateState(file: string, node: StandinNode): Promise<DogeState> {
  const known = await readJson<DogeState>(file);
  if (known?.poolAddress && known.feeAddress && known.floatAddress && known.minerAddress) return known;
  const state: DogeState = {
    poolAddress: node.wallet.newAddress('pool coinbase'),
    feeAddress: node.wallet.newAddress('pool fees'),
    floatAddress: node.wallet.newAddress('float'),
    // A key nobody holds: coins mined to it are out of every wallet.
    minerAddress: payments.p2pkh({ hash: randomBytes(20), network: node.chain.params.network }).address!,
  };
  await writeJson(file, state);
  return state;
}
