import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1';
import { Wallet } from 'ethers';
import { EthNodeClient, type EthNodeEndpoint } from '../../adapters/rpc/eth-node-client.js';
import { ETC_CHAINS } from '../../core/coins/ethash-chains.js';
import { ConfigError, DaemonError } from '../../core/errors.js';
import type { Logger } from '../../core/ports/logger.js';
import { EtcBlockMiner } from './etc-blocks.js';
import { ensurePayoutContract } from './etc-contract.js';
import { type DaemonProcess, DevnetStartError, freePorts, sleep, spawnDaemon } from './process.js';
import { readJson, writeJson } from './state.js';
import { tool } from './tools.js';

/**
 * The Ethereum Classic devnet: two core-geth nodes on a private etchash chain, peered to each other on loopback,
 * both mining with zero threads (`--mine --miner.threads=0`): they build work and hand it out only through
 * eth_getWork, and a block exists only when someone submits its seal with eth_submitWork (the pool, or a test
 * miner). Every block pays the pool's address (`--miner.etherbase`), whose key the devnet keeps owner-only: the pool
 * signs its payouts with it, never through an unlocked node account.
 */

/**
 * The devnet's chain and network id (core/coins ETC_CHAINS.devnet, which the pool signs payouts for): our own, clear
 * of ETC mainnet (61), Mordor (63) and the dev chains (1337).
 */
export const ETC_DEVNET_CHAIN_ID = ETC_CHAINS.devnet.chainId;
/**
 * The devnet's block difficulty: a CPU test miner checking ~1000 nonces a second with the light cache finds a block
 * in about a quarter of a second. Below 2048 ethash's adjustment (parent / 2048 · …) is zero, so it stays put.
 */
export const ETC_DEVNET_DIFFICULTY = 256n;
/** Wei per ETC. */
const ETHER = 10n ** 18n;
/** What the pool's account holds from the genesis block, so payouts can pay gas before any block matured. */
const POOL_FLOAT = 1_000n * ETHER;
/** The variable our core-geth build reads to lower ethash's difficulty floor (scripts/core-geth). */
const MIN_DIFFICULTY_ENV = 'EDGEPOOL_DEVNET_MIN_DIFFICULTY';

/** What `<dataDir>/devnet-etc.json` holds: how other processes (the `pool` CLI, the pool) reach a running devnet. */
export interface EtcDevnetFile {
  coin: 'ETC';
  network: 'devnet';
  chainId: number;
  /** Each node's HTTP JSON-RPC (eth, net, web3, txpool), node A first: what a pool config lists as the coin's nodes. */
  rpc: EthNodeEndpoint[];
  /** EIP-55 address every block pays (both nodes' etherbase), pre-funded with POOL_FLOAT in the genesis block. */
  poolAddress: string;
  /** The owner-only JSON file holding the pool address's private key ({ address, privateKey }). */
  payoutKeyFile: string;
  /**
   * The PayoutBatch contract payouts go through (coins[].payouts.contract), deployed from the pool key when the
   * devnet was started with `payoutContract` (npm start); kept across restarts.
   */
  payoutContract?: string;
  /** An address with no key, for test miners to log in with. */
  minerAddress: string;
  /** An address with no key, the pool's fee wallet in the devnet config (a ledger account apart from the miners). */
  feeAddress: string;
  difficulty: string;
  /** core-geth A, then B. */
  pids: number[];
}

export interface EtcDevnetOptions {
  /** State lives in `<dataDir>/devnet/etc/{node-a,node-b}`; `<dataDir>/devnet-etc.json` tells other processes. */
  dataDir: string;
  log?: Pick<Logger, 'info' | 'warn'>;
  /** Block difficulty (≥ 2), fixed at the first start (genesis). Default ETC_DEVNET_DIFFICULTY. */
  difficulty?: bigint;
  /**
   * ECIP-1017 era length in blocks, fixed at the first start. Default ETC_CHAINS.devnet's (mainnet's 5,000,000); a
   * test of an era change sets a few (and gives the pool the same in its chain facts).
   */
  eraRounds?: number;
  /**
   * Deploy the PayoutBatch contract ETC payouts go through (once: a restart finds it), mining the blocks that take
   * it. Off by default, so a test's chain starts at block 0 with only the genesis float.
   */
  payoutContract?: boolean;
  /** URLs core-geth POSTs each new work package to (`--miner.notify`): the pool's job source listens there. */
  notifyUrls?: readonly string[];
}

/** One core-geth node of the devnet, which a test can stop and start again (same ports, same chain). */
export interface EtcNode {
  readonly name: string;
  readonly client: EthNodeClient;
  readonly endpoint: EthNodeEndpoint;
  readonly running: boolean;
  stop(): Promise<void>;
  /** Starts the node again on its ports; resolves once its RPC answers. */
  start(): Promise<void>;
}

export interface EtcDevnet extends EtcDevnetFile {
  nodeA: EtcNode;
  nodeB: EtcNode;
  /** The pool address's private key (0x hex): the payout signer's key. */
  payoutKey: string;
  /**
   * Mines n blocks on node A's work with the light cache (EtcBlockMiner; each pays the pool address) and waits until
   * node B has them too. Returns their hashes.
   */
  mine(n: number): Promise<string[]>;
  /** Until both nodes have the same head (a block submitted to one has reached the other). */
  waitForSync(timeoutMs?: number): Promise<number>;
  /** Stops both nodes (SIGKILL after 15 s each). */
  stop(): Promise<void>;
}

interface EtcState {
  poolAddress: string;
  privateKey: string;
  minerAddress: string;
  feeAddress: string;
  difficulty: string;
  eraRounds: number;
  payoutContract?: string;
  /** Node keys (hex), made once: each node's enode, which the other dials, derives from it. */
  nodeKeys: [string, string];
}

const noLog: Pick<Logger, 'info' | 'warn'> = { info() {}, warn() {} };

/** `<dataDir>/devnet-etc.json`. */
export function etcDevnetFile(dataDir: string): string {
  return join(dataDir, 'devnet-etc.json');
}

/**
 * Starts the two nodes on loopback, on free ports. The first start writes the genesis (ETC forks active from block
 * 0, ECIP-1099 etchash from block 0, ECIP-1017 eras, the chosen difficulty, the pool's float), makes the pool's
 * payout key and the node keys; a restart on the same data directory keeps chain, keys and addresses. Leftovers of
 * a killed run on the same directory are stopped first.
 */
export async function startEtcDevnet(opts: EtcDevnetOptions): Promise<EtcDevnet> {
  const log = opts.log ?? noLog;
  const startedAt = performance.now();
  const root = join(opts.dataDir, 'devnet', 'etc');
  await mkdir(root, { recursive: true, mode: 0o700 });
  const state = await loadOrCreateState(root, opts);
  const payoutKeyFile = join(root, 'payout-key.json');
  await writeJson(payoutKeyFile, { address: state.poolAddress, privateKey: state.privateKey });
  const genesis = join(root, 'genesis.json');
  await writeFile(genesis, `${JSON.stringify(genesisOf(state), null, 2)}\n`, { mode: 0o600 });

  const [nodeA, nodeB] = await startNodes(root, state, genesis, opts, log);
  try {
    const difficulty = await checkDifficulty(nodeA.client, BigInt(state.difficulty));
    const miner = new EtcBlockMiner(nodeA.client);
    const payoutContract = opts.payoutContract
      ? await ensurePayoutContract(nodeA.client, miner, {
          privateKey: state.privateKey,
          chainId: ETC_DEVNET_CHAIN_ID,
          known: state.payoutContract,
        })
      : undefined;
    if (payoutContract !== undefined && payoutContract !== state.payoutContract) {
      await writeJson(join(root, 'state.json'), { ...state, payoutContract });
      await waitForSync([nodeA.client, nodeB.client]);
    }
    const file: EtcDevnetFile = {
      coin: 'ETC',
      network: 'devnet',
      chainId: ETC_DEVNET_CHAIN_ID,
      rpc: [nodeA.endpoint, nodeB.endpoint],
      poolAddress: state.poolAddress,
      payoutKeyFile,
      ...(payoutContract ? { payoutContract } : {}),
      minerAddress: state.minerAddress,
      feeAddress: state.feeAddress,
      difficulty: difficulty.toString(),
      pids: [nodeA.pid(), nodeB.pid()],
    };
    await writeJson(etcDevnetFile(opts.dataDir), file);
    const height = await nodeA.client.blockNumber();
    log.info(
      { height, ms: Math.round(performance.now() - startedAt), rpc: file.rpc.map((r) => r.url) },
      'ETC devnet ready',
    );
    return {
      ...file,
      nodeA,
      nodeB,
      payoutKey: state.privateKey,
      async mine(n) {
        const from = await nodeA.client.blockNumber();
        const hashes = await miner.mine(n);
        // At least the mined height: geth serves a new block by number a moment before eth_blockNumber moves to it,
        // so equal heights alone could still be the height before the last block (seen once in CI).
        await waitForSync([nodeA.client, nodeB.client], undefined, from + hashes.length);
        return hashes;
      },
      waitForSync: (timeoutMs) => waitForSync([nodeA.client, nodeB.client], timeoutMs),
      async stop() {
        await Promise.all([nodeA.stop(), nodeB.stop()]);
      },
    };
  } catch (err) {
    await Promise.all([nodeA.stop(), nodeB.stop()]);
    throw err;
  }
}

/**
 * Mines on an ETC devnet that is already running (e.g. under `npm start`), found through `devnet-etc.json`. Blocks pay
 * the nodes' etherbase, the pool address: core-geth's work names it, so another address cannot be mined to.
 */
export async function etcDevnetMine(dataDir: string, n: number, address?: string): Promise<string[]> {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`cannot mine ${n} blocks`);
  const devnet = await readJson<EtcDevnetFile>(etcDevnetFile(dataDir));
  if (!devnet?.rpc[0]) throw new ConfigError(`no ETC devnet in ${dataDir}: start one with \`npm start\` first`);
  if (address !== undefined && address.toLowerCase() !== devnet.poolAddress.toLowerCase()) {
    throw new ConfigError(
      `ETC devnet blocks pay the nodes' etherbase, the pool address ${devnet.poolAddress}; they cannot be mined to ${address}`,
    );
  }
  const client = new EthNodeClient(devnet.rpc[0]);
  try {
    return await new EtcBlockMiner(client).mine(n);
  } catch (err) {
    if (err instanceof DaemonError && err.rpcCode === undefined && /connection refused/.test(err.message)) {
      throw new DaemonError(`the ETC devnet in ${dataDir} is not running: start it with \`npm start\``, undefined, {
        cause: err,
      });
    }
    throw err;
  }
}

/** Keys, addresses and the chain's parameters, made at the first start and kept (owner-only: it holds keys). */
async function loadOrCreateState(root: string, opts: EtcDevnetOptions): Promise<EtcState> {
  const file = join(root, 'state.json');
  const known = await readJson<EtcState>(file);
  if (known?.privateKey && known.nodeKeys?.length === 2) {
    // A data directory from before the fee address: add one, keep everything else.
    if (known.feeAddress) return known;
    const upgraded = { ...known, feeAddress: Wallet.createRandom().address };
    await writeJson(file, upgraded);
    return upgraded;
  }
  const difficulty = opts.difficulty ?? ETC_DEVNET_DIFFICULTY;
  if (difficulty < 2n)
    throw new ConfigError(`ETC devnet difficulty ${difficulty}: at least 2 (2^256 / 1 is no target)`);
  const eraRounds = opts.eraRounds ?? ETC_CHAINS.devnet.eraRounds;
  if (!Number.isSafeInteger(eraRounds) || eraRounds < 1) throw new ConfigError(`ETC devnet eraRounds ${eraRounds}`);
  const pool = Wallet.createRandom();
  const state: EtcState = {
    poolAddress: pool.address,
    privateKey: pool.privateKey,
    minerAddress: Wallet.createRandom().address,
    feeAddress: Wallet.createRandom().address,
    difficulty: difficulty.toString(),
    eraRounds,
    nodeKeys: [randomKeyHex(), randomKeyHex()],
  };
  await writeJson(file, state);
  return state;
}

function randomKeyHex(): string {
  return Buffer.from(secp256k1.utils.randomPrivateKey()).toString('hex');
}

/**
 * core-geth's genesis format (params/types/coregeth): every fork ETC mainnet has activated (up to Spiral), at block
 * 0; ECIP-1099 (etchash: 60,000-block epochs, seed of epoch 2E) from block 0; ECIP-1017 monetary policy from block 0
 * with the chosen era length; the difficulty bomb disposed of (ECIP-1041). No EIP-1559: ETC has none.
 */
function genesisOf(state: EtcState): unknown {
  const atZero = [
    'eip2FBlock',
    'eip7FBlock',
    'eip150Block',
    'eip155Block',
    'eip160Block',
    'eip161FBlock',
    'eip170FBlock',
    'eip100FBlock',
    'eip140FBlock',
    'eip198FBlock',
    'eip211FBlock',
    'eip212FBlock',
    'eip213FBlock',
    'eip214FBlock',
    'eip658FBlock',
    'eip145FBlock',
    'eip1014FBlock',
    'eip1052FBlock',
    'eip152FBlock',
    'eip1108FBlock',
    'eip1344FBlock',
    'eip1884FBlock',
    'eip2028FBlock',
    'eip2200FBlock',
    'eip2565FBlock',
    'eip2718FBlock',
    'eip2929FBlock',
    'eip2930FBlock',
    'eip3529FBlock',
    'eip3541FBlock',
    'eip3651FBlock',
    'eip3855FBlock',
    'eip3860FBlock',
    'eip6049FBlock',
    'ecip1017FBlock',
    'disposalBlock',
  ];
  const hex = (n: bigint) => `0x${n.toString(16)}`;
  return {
    config: {
      networkId: ETC_DEVNET_CHAIN_ID,
      chainId: ETC_DEVNET_CHAIN_ID,
      ...Object.fromEntries(atZero.map((k) => [k, 0])),
      ecip1099FBlock: ETC_CHAINS.devnet.ecip1099Block,
      ecip1017EraRounds: state.eraRounds,
      ethash: {},
      requireBlockHashes: {},
    },
    nonce: '0x0',
    timestamp: '0x0',
    extraData: '0x',
    gasLimit: hex(8_000_000n),
    difficulty: hex(BigInt(state.difficulty)),
    mixHash: `0x${'0'.repeat(64)}`,
    coinbase: `0x${'0'.repeat(40)}`,
    alloc: { [state.poolAddress]: { balance: hex(POOL_FLOAT) } },
  };
}

interface NodeHandle extends EtcNode {
  pid(): number;
}

/**
 * Node A and node B: free ports probed and released (a start that lost a port to another process meanwhile is
 * retried on new ports), each node's static peer the other (no discovery; the p2p port takes loopback peers only).
 */
async function startNodes(
  root: string,
  state: EtcState,
  genesis: string,
  opts: EtcDevnetOptions,
  log: Pick<Logger, 'warn'>,
): Promise<[NodeHandle, NodeHandle]> {
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts(6);
    const specs = (['a', 'b'] as const).map((x, i) => ({
      name: `core-geth node-${x}`,
      dir: join(root, `node-${x}`),
      rpcPort: ports[i * 3]!,
      p2pPort: ports[i * 3 + 1]!,
      authPort: ports[i * 3 + 2]!,
      nodeKey: state.nodeKeys[i]!,
      peer: { key: state.nodeKeys[1 - i]!, port: ports[(1 - i) * 3 + 1]! },
    }));
    const nodes = specs.map((s) => gethNode(s, state, genesis, opts));
    const started = await Promise.allSettled(nodes.map((n) => n.start()));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) return nodes as [NodeHandle, NodeHandle];
    await Promise.all(nodes.map((n) => n.stop()));
    const err = failed.reason as unknown;
    if (!(err instanceof DevnetStartError && err.portTaken && attempt < 3)) throw err;
    log.warn({ err: err.message }, 'ETC devnet port taken meanwhile; retrying on other ports');
  }
}

interface NodeSpec {
  name: string;
  dir: string;
  rpcPort: number;
  p2pPort: number;
  authPort: number;
  nodeKey: string;
  peer: { key: string; port: number };
}

function gethNode(spec: NodeSpec, state: EtcState, genesis: string, opts: EtcDevnetOptions): NodeHandle {
  const endpoint = { url: `http://127.0.0.1:${spec.rpcPort}` };
  const client = new EthNodeClient(endpoint, 2_000);
  let daemon: DaemonProcess | undefined;
  return {
    name: spec.name,
    client,
    endpoint,
    get running() {
      return daemon !== undefined && daemon.proc.exitCode === null && daemon.proc.signalCode === null;
    },
    pid: () => daemon?.proc.pid ?? 0,
    async start() {
      if (this.running) return;
      await prepareDataDir(spec, genesis);
      daemon = await spawnDaemon({
        name: spec.name,
        command: tool('geth'),
        args: gethArgs(spec, state, opts),
        env: { ...process.env, [MIN_DIFFICULTY_ENV]: state.difficulty },
        pidFile: join(spec.dir, 'geth.pid'),
        marker: `--datadir=${spec.dir}`,
        logPath: join(spec.dir, 'geth.pid.console'),
        ready: () => client.blockNumber(),
        missing: 'geth (core-geth) is not installed: run scripts/setup.sh (it builds core-geth with Go)',
      });
    },
    async stop() {
      await daemon?.stop();
    },
  };
}

/**
 * Where geth keeps the ethash DAG it builds in the background to verify remote seals (1 GiB at epoch 0): the node's
 * own directory, emptied at every start. By default it goes to ~/.ethash, a new file per start that a node stopped
 * within the minutes the build takes leaves half-written; a day of test runs left 75 GiB there. An empty
 * --ethash.dagdir is no way out: geth then writes the file into its working directory.
 */
function dagDir(spec: NodeSpec): string {
  return join(spec.dir, 'ethash-dag');
}

/** `geth init` on the first start (the chain database from genesis.json); the node key and static peer every start. */
async function prepareDataDir(spec: NodeSpec, genesis: string): Promise<void> {
  await mkdir(join(spec.dir, 'geth'), { recursive: true, mode: 0o700 });
  await rm(dagDir(spec), { recursive: true, force: true });
  await mkdir(dagDir(spec), { recursive: true, mode: 0o700 });
  await writeFile(join(spec.dir, 'nodekey'), spec.nodeKey, { mode: 0o600 });
  const pub = Buffer.from(secp256k1.getPublicKey(Buffer.from(spec.peer.key, 'hex'), false)).subarray(1);
  const enode = `enode://${pub.toString('hex')}@127.0.0.1:${spec.peer.port}`;
  // static-nodes.json is ignored since geth 1.12: static peers are set in the TOML config.
  await writeFile(join(spec.dir, 'config.toml'), `[Node.P2P]\nStaticNodes = ["${enode}"]\n`, { mode: 0o600 });
  if (existsSync(join(spec.dir, 'geth', 'chaindata'))) return;
  const init = await spawnOnce(tool('geth'), ['init', `--datadir=${spec.dir}`, genesis]);
  if (init.code !== 0) throw new DevnetStartError(`geth init failed: ${init.output}`, genesis, init.output);
}

/**
 * HTTP RPC on loopback with eth, net, web3 and txpool only (no personal, admin, miner or debug), no IPC, the engine
 * API on loopback (geth always starts it), no discovery and loopback peers only, archive mode so a killed node loses
 * no state, and mining with zero threads to the pool's address.
 */
function gethArgs(spec: NodeSpec, state: EtcState, opts: EtcDevnetOptions): string[] {
  return [
    `--datadir=${spec.dir}`,
    `--config=${join(spec.dir, 'config.toml')}`,
    `--nodekey=${join(spec.dir, 'nodekey')}`,
    `--networkid=${ETC_DEVNET_CHAIN_ID}`,
    '--syncmode=full',
    '--gcmode=archive',
    '--nodiscover',
    '--maxpeers=4',
    '--nat=none',
    '--netrestrict=127.0.0.0/8',
    `--port=${spec.p2pPort}`,
    '--http',
    '--http.addr=127.0.0.1',
    `--http.port=${spec.rpcPort}`,
    '--http.api=eth,net,web3,txpool',
    '--authrpc.addr=127.0.0.1',
    `--authrpc.port=${spec.authPort}`,
    '--ipcdisable',
    '--mine',
    '--miner.threads=0',
    `--miner.etherbase=${state.poolAddress}`,
    '--miner.gaslimit=8000000',
    ...(opts.notifyUrls?.length ? [`--miner.notify=${opts.notifyUrls.join(',')}`] : []),
    `--ethash.cachedir=${join(spec.dir, 'ethash')}`,
    `--ethash.dagdir=${dagDir(spec)}`,
    '--ethash.dagsondisk=1',
    '--cache=64',
    '--verbosity=3',
  ];
}

/**
 * The pending block's difficulty must be the genesis's: a core-geth built without our difficulty variable
 * (scripts/core-geth) raises it to ethash's floor, 131072, where a CPU test miner needs minutes a block.
 */
async function checkDifficulty(client: EthNodeClient, want: bigint): Promise<bigint> {
  const work = await waitForWork(client);
  const difficulty = 2n ** 256n / BigInt(work.target);
  if (difficulty !== want) {
    throw new DaemonError(
      `core-geth serves work at difficulty ${difficulty}, not the devnet's ${want}: it is not the build of scripts/setup.sh (${MIN_DIFFICULTY_ENV})`,
    );
  }
  return difficulty;
}

/** The miner builds its first work a moment after the RPC answers ("no mining work available yet"). */
async function waitForWork(client: EthNodeClient, timeoutMs = 15_000): ReturnType<EthNodeClient['getWork']> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await client.getWork();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(50);
    }
  }
}

/** Until every node reports the same head number, at least `atLeast`; returns it. */
export async function waitForSync(clients: readonly EthNodeClient[], timeoutMs = 30_000, atLeast = 0): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const heights = await Promise.all(clients.map((c) => c.blockNumber()));
    if (heights.every((h) => h === heights[0]) && heights[0]! >= atLeast) return heights[0]!;
    if (Date.now() > deadline)
      throw new DaemonError(
        `ETC devnet nodes not in sync: heights ${heights.join(', ')} (waited for ${atLeast} or more)`,
      );
    await sleep(50);
  }
}

/** A short-lived command (geth init): its exit code and the tail of its output. */
async function spawnOnce(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-4_000);
    };
    proc.stdout.on('data', keep);
    proc.stderr.on('data', keep);
    proc.once('error', (err) =>
      reject(
        (err as NodeJS.ErrnoException).code === 'ENOENT'
          ? new Error('geth (core-geth) is not installed: run scripts/setup.sh (it builds core-geth with Go)')
          : err,
      ),
    );
    proc.once('exit', (code) => resolve({ code, output }));
  });
}
