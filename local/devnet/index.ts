import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DaemonClient, type DaemonEndpoint } from '../../adapters/rpc/daemon-client.js';
import { DaemonError } from '../../core/errors.js';

/** MWEB activates on regtest from this height (BIP9 on regtest: defined → started 143 → locked_in 287 → active). */
export const MWEB_ACTIVE_HEIGHT = 432;
/** Height the devnet reaches on first start: MWEB active, the first MWEB block (with a peg-in) mined. */
export const DEVNET_READY_HEIGHT = 433;

export interface DevnetLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DevnetFile {
  /** RPC endpoints, node A first (the pool's primary). */
  rpc: DaemonEndpoint[];
  /** rltc1… address of the "pool" wallet: the coinbase of every pool block pays it. */
  poolAddress: string;
  /** rltc1… address of the "miner" wallet, for a ready-to-paste miner command. */
  minerAddress: string;
  /** rltc1… address of the "fees" wallet: the devnet pool's fee wallet. */
  feeAddress: string;
  network: 'regtest';
}

export interface Devnet extends DevnetFile {
  /** Node A's RPC, no wallet. */
  clientA: DaemonClient;
  /** Node B's RPC, no wallet. */
  clientB: DaemonClient;
  /** The pool wallet on node A. */
  poolWallet: DaemonClient;
  /** The miner wallet on node A. */
  minerWallet: DaemonClient;
  /** Mines n blocks to `address` (default: a miner wallet address, so pool balances stay the pool's). */
  mine(n: number, address?: string): Promise<string[]>;
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

interface Node {
  name: 'node-a' | 'node-b';
  dir: string;
  rpcPort: number;
  p2pPort: number;
  proc: ChildProcess;
  client: DaemonClient;
}

const noLog: DevnetLog = { info() {}, warn() {} };
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts two regtest litecoind nodes under `<dataDir>/devnet` (getblocktemplate refuses to work without a peer),
 * brings the chain to MWEB activation on first start, and writes `<dataDir>/devnet.json`. A restart on the same
 * data directory reuses the chain, wallets and credentials.
 */
export async function startDevnet(opts: { dataDir: string; log?: DevnetLog }): Promise<Devnet> {
  const log = opts.log ?? noLog;
  const root = join(opts.dataDir, 'devnet');
  await mkdir(root, { recursive: true });
  const creds = await loadOrCreateCredentials(join(root, 'credentials.json'));
  installExitHook();

  const [portA, p2pA, portB, p2pB] = await freePorts(4);
  // B first so that A can connect to it at once.
  const b = await startNode('node-b', root, creds, portB!, p2pB!, []);
  let a: Node;
  try {
    a = await startNode('node-a', root, creds, portA!, p2pA!, [`-connect=127.0.0.1:${p2pB}`]);
  } catch (err) {
    await stopNode(b);
    throw err;
  }
  const nodes = [a, b];
  try {
    await Promise.all(nodes.map((n) => waitForRpc(n)));
    const poolWallet = await ensureWallet(a.client, 'pool');
    const minerWallet = await ensureWallet(a.client, 'miner');
    const feesWallet = await ensureWallet(a.client, 'fees');
    const addresses = await loadOrCreateAddresses(join(root, 'addresses.json'), poolWallet, minerWallet, feesWallet);
    await prepareChain(a.client, addresses, minerWallet, log);
    await waitForPeer(a.client);
    await waitForSync(a.client, b.client);

    const file: DevnetFile = {
      rpc: nodes.map((n) => ({ url: `http://127.0.0.1:${n.rpcPort}`, user: creds.user, password: creds.password })),
      poolAddress: addresses.poolAddress,
      minerAddress: addresses.minerAddress,
      feeAddress: addresses.feeAddress,
      network: 'regtest',
    };
    await writeFile(join(opts.dataDir, 'devnet.json'), `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    log.info({ height: await a.client.getBlockCount(), rpc: file.rpc.map((r) => r.url) }, 'devnet ready');
    return {
      ...file,
      clientA: a.client,
      clientB: b.client,
      poolWallet,
      minerWallet,
      mine: (n, address) => minerWallet.generateToAddress(n, address ?? addresses.minerAddress),
      stop: () => Promise.all(nodes.map(stopNode)).then(() => undefined),
    };
  } catch (err) {
    await Promise.all(nodes.map(stopNode));
    throw err;
  }
}

/** Mines on a devnet that is already running (e.g. under `npm start`), found through `<dataDir>/devnet.json`. */
export async function devnetMine(dataDir: string, n: number, address?: string): Promise<string[]> {
  const file = join(dataDir, 'devnet.json');
  if (!existsSync(file)) throw new Error(`no devnet in ${dataDir}: start one with \`npm start\` first`);
  const devnet = JSON.parse(await readFile(file, 'utf8')) as DevnetFile;
  const client = new DaemonClient(devnet.rpc[0]!);
  try {
    return await client.generateToAddress(n, address ?? devnet.minerAddress);
  } catch (err) {
    if (err instanceof DaemonError && /connection refused/.test(err.message)) {
      throw new Error(`the devnet in ${dataDir} is not running: start it with \`npm start\``, { cause: err });
    }
    throw err;
  }
}

async function startNode(
  name: Node['name'],
  root: string,
  creds: Credentials,
  rpcPort: number,
  p2pPort: number,
  extra: string[],
): Promise<Node> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  const args = [
    '-regtest',
    `-datadir=${dir}`,
    '-server=1',
    '-listen=1',
    '-bind=127.0.0.1',
    `-port=${p2pPort}`,
    '-rpcbind=127.0.0.1',
    '-rpcallowip=127.0.0.1',
    `-rpcport=${rpcPort}`,
    `-rpcuser=${creds.user}`,
    `-rpcpassword=${creds.password}`,
    '-fallbackfee=0.0001',
    '-dnsseed=0',
    '-discover=0',
    '-listenonion=0',
    '-upnp=0',
    '-printtoconsole=0',
    ...extra,
  ];
  const proc = spawn('litecoind', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  await new Promise<void>((resolve, reject) => {
    proc.once('spawn', resolve);
    proc.once('error', (err) => {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(missing ? new Error('litecoind is not installed: run scripts/setup.sh (apt-get install litecoind)') : err);
    });
  });
  const client = new DaemonClient({ url: `http://127.0.0.1:${rpcPort}`, user: creds.user, password: creds.password });
  const node: Node = { name, dir, rpcPort, p2pPort, proc, client };
  proc.once('exit', (code) => {
    if (code && code !== 0) (node as { exitError?: string }).exitError = stderr.trim() || `exit code ${code}`;
  });
  return node;
}

async function waitForRpc(node: Node, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (node.proc.exitCode !== null) {
      const why = (node as { exitError?: string }).exitError ?? `exit code ${node.proc.exitCode}`;
      throw new Error(`litecoind ${node.name} exited during start: ${why} (see ${node.dir}/regtest/debug.log)`);
    }
    try {
      await node.client.getBlockchainInfo();
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`litecoind ${node.name} RPC not ready after ${timeoutMs} ms`, { cause: err });
      await sleep(100);
    }
  }
}

async function ensureWallet(client: DaemonClient, name: string): Promise<DaemonClient> {
  const loaded = await client.call<string[]>('listwallets');
  if (!loaded.includes(name)) {
    const onDisk = await client.call<{ wallets: { name: string }[] }>('listwalletdir');
    if (onDisk.wallets.some((w) => w.name === name)) await client.call('loadwallet', [name]);
    else await client.call('createwallet', [name]);
  }
  return client.withWallet(name);
}

interface DevnetAddresses {
  poolAddress: string;
  minerAddress: string;
  feeAddress: string;
}

async function loadOrCreateAddresses(
  file: string,
  pool: DaemonClient,
  miner: DaemonClient,
  fees: DaemonClient,
): Promise<DevnetAddresses> {
  const known: Partial<DevnetAddresses> = existsSync(file) ? JSON.parse(await readFile(file, 'utf8')) : {};
  const addresses: DevnetAddresses = {
    poolAddress: known.poolAddress ?? (await pool.getNewAddress('pool coinbase', 'bech32')),
    minerAddress: known.minerAddress ?? (await miner.getNewAddress('miner', 'bech32')),
    feeAddress: known.feeAddress ?? (await fees.getNewAddress('pool fees', 'bech32')),
  };
  await writeFile(file, `${JSON.stringify(addresses, null, 2)}\n`);
  return addresses;
}

/**
 * First start only: mine to MWEB activation (the first MWEB block needs a peg-in in the mempool), and give the pool
 * wallet a float: it pays the network fee of payout transactions.
 */
async function prepareChain(
  node: DaemonClient,
  addresses: DevnetAddresses,
  miner: DaemonClient,
  log: DevnetLog,
): Promise<void> {
  const { minerAddress } = addresses;
  const height = await node.getBlockCount();
  if (height >= DEVNET_READY_HEIGHT) return;
  log.info({ height }, 'first start: mining the regtest chain to MWEB activation');
  if (height < MWEB_ACTIVE_HEIGHT - 1) await miner.generateToAddress(MWEB_ACTIVE_HEIGHT - 1 - height, minerAddress);
  const pegIn = await miner.getNewAddress('peg-in', 'mweb');
  await miner.sendToAddress(pegIn, 1);
  await miner.sendToAddress(addresses.poolAddress, 10);
  await miner.generateToAddress(DEVNET_READY_HEIGHT - (MWEB_ACTIVE_HEIGHT - 1), minerAddress);
}

async function waitForPeer(client: DaemonClient, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await client.call<number>('getconnectioncount')) === 0) {
    if (Date.now() > deadline) throw new Error('devnet nodes did not connect to each other');
    await sleep(100);
  }
}

async function waitForSync(a: DaemonClient, b: DaemonClient, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [ha, hb] = await Promise.all([a.call<string>('getbestblockhash'), b.call<string>('getbestblockhash')]);
    if (ha === hb) return;
    if (Date.now() > deadline) throw new Error('devnet nodes did not sync');
    await sleep(100);
  }
}

async function stopNode(node: Node): Promise<void> {
  if (node.proc.exitCode !== null || node.proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => node.proc.once('exit', () => resolve()));
  node.proc.kill('SIGTERM');
  const timer = setTimeout(() => node.proc.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Child daemons must not outlive the pool: on any exit, stop them (SIGTERM lets them flush their databases).
  process.once('exit', () => {
    for (const p of running) p.kill('SIGTERM');
  });
}

async function loadOrCreateCredentials(file: string): Promise<Credentials> {
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  const creds = { user: 'pool', password: randomBytes(18).toString('base64url') };
  await writeFile(file, `${JSON.stringify(creds)}\n`, { mode: 0o600 });
  return creds;
}

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => {
      const s = createServer();
      return new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve(s));
      });
    }),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
