import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DaemonClient, type DaemonEndpoint } from '../../adapters/rpc/daemon-client.js';
import { ConfigError, DaemonError } from '../../core/errors.js';
import type { Logger } from '../../core/ports/logger.js';
import { activateMweb, COIN, checkTemplate, ensureWallet, waitForPeer, waitForSync } from './chain.js';
import { type Credentials, freePorts, type LitecoindNode, startLitecoind } from './litecoind.js';
import { DevnetStartError } from './process.js';
import { type DevnetAddresses, type DevnetFile, loadOrCreateCredentials, readJson, writeJson } from './state.js';

export { DEVNET_READY_HEIGHT, GBT_RULES, MWEB_ACTIVE_HEIGHT } from './chain.js';
export type { DevnetFile } from './state.js';

/** Fixed ports for the nodes; any left out (or 0) is chosen free at start. */
export interface DevnetPorts {
  rpcA?: number;
  p2pA?: number;
  rpcB?: number;
  p2pB?: number;
}

export interface DevnetOptions {
  /** State lives in `<dataDir>/devnet/node-a|node-b`; `<dataDir>/devnet.json` tells other processes how to reach it. */
  dataDir: string;
  log?: Pick<Logger, 'info' | 'warn'>;
  ports?: DevnetPorts;
  /** -txindex on both nodes (getrawtransaction for any txid). Off by default. */
  txindex?: boolean;
}

export interface Devnet extends DevnetFile {
  /** Same as `rpc`: the endpoints a pool config lists, node A first. */
  daemons: DaemonEndpoint[];
  /** Node A's RPC, no wallet (`clientA.withWallet(name)` for wallet calls). Its wallets: pool, miner, fees. */
  clientA: DaemonClient;
  /** Node B's RPC, no wallet; B has no wallets of its own. */
  clientB: DaemonClient;
  /** The pool wallet on node A (its coinbases, a 10 LTC float for payout fees). */
  poolWallet: DaemonClient;
  /** The miner wallet on node A: holds the mature coinbases of the setup blocks, to fund whatever a test needs. */
  minerWallet: DaemonClient;
  /** Mines n blocks to `address` (default: the miner wallet, so pool balances stay the pool's); waits for node B. */
  mine(n: number, address?: string): Promise<string[]>;
  /** SIGTERM both nodes and wait for them to exit (SIGKILL after 15 s). */
  stop(): Promise<void>;
}

const noLog: Pick<Logger, 'info' | 'warn'> = { info() {}, warn() {} };

/** What the pool wallet holds after the first start, so payouts can pay their fee before any block matured. */
const POOL_FLOAT = 10n * COIN;

/**
 * Starts two regtest litecoind nodes under `<dataDir>/devnet` — getblocktemplate refuses to work without a peer, so
 * node B connects to node A — brings a new chain to MWEB activation, and writes `<dataDir>/devnet.json`. A restart on
 * the same data directory reuses the chain, wallets, addresses and credentials; only the ports change.
 */
export async function startDevnet(opts: DevnetOptions): Promise<Devnet> {
  const log = opts.log ?? noLog;
  const startedAt = performance.now();
  const root = join(opts.dataDir, 'devnet');
  await mkdir(root, { recursive: true });
  const creds = await loadOrCreateCredentials(join(root, 'credentials.json'));
  const [a, b] = await startNodes(root, creds, opts);
  const nodes = [a, b];
  try {
    const [poolWallet, minerWallet, feesWallet] = await Promise.all(
      ['pool', 'miner', 'fees'].map((w) => ensureWallet(a.client, w)),
    );
    const addresses = await loadOrCreateAddresses(join(root, 'addresses.json'), poolWallet!, minerWallet!, feesWallet!);
    await waitForPeer(a.client);
    const mined = await activateMweb(a.client, minerWallet!, addresses.minerAddress, log, [
      { address: addresses.poolAddress, amount: POOL_FLOAT },
    ]);
    await waitForSync([a.client, b.client]);
    // Only a template with the MWEB extension block lets the pool mine: check now rather than at the first miner.
    const template = await checkTemplate(a.client);

    const file: DevnetFile = {
      rpc: nodes.map((n) => ({ url: n.url, user: creds.user, password: creds.password })),
      ...addresses,
      network: 'regtest',
      pids: nodes.map((n) => n.proc.pid ?? 0),
    };
    await writeJson(join(opts.dataDir, 'devnet.json'), file);
    const ms = Math.round(performance.now() - startedAt);
    log.info({ height: template.height - 1, mined, ms, rpc: file.rpc.map((r) => r.url) }, 'devnet ready');
    const clients = [a.client, b.client];
    return {
      ...file,
      daemons: file.rpc,
      clientA: a.client,
      clientB: b.client,
      poolWallet: poolWallet!,
      minerWallet: minerWallet!,
      async mine(n, address) {
        const hashes = await a.client.generateToAddress(n, address ?? addresses.minerAddress);
        await waitForSync(clients);
        return hashes;
      },
      stop: () => Promise.all(nodes.map((n) => n.stop())).then(() => undefined),
    };
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw err;
  }
}

/** Mines on a devnet that is already running (e.g. under `npm start`), found through `<dataDir>/devnet.json`. */
export async function devnetMine(dataDir: string, n: number, address?: string): Promise<string[]> {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`cannot mine ${n} blocks`);
  const devnet = await readJson<DevnetFile>(join(dataDir, 'devnet.json'));
  if (!devnet?.rpc[0]) throw new ConfigError(`no devnet in ${dataDir}: start one with \`npm start\` first`);
  const client = new DaemonClient(devnet.rpc[0]);
  try {
    return await client.generateToAddress(n, address ?? devnet.minerAddress);
  } catch (err) {
    if (err instanceof DaemonError && err.rpcCode === undefined && /connection refused/.test(err.message)) {
      throw new DaemonError(`the devnet in ${dataDir} is not running: start it with \`npm start\``, undefined, {
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * Node A and node B, started side by side (B keeps retrying its -connect until A listens). Free ports are probed
 * and then released, so another process can take one in between: such a start is retried on new ports.
 */
async function startNodes(
  root: string,
  creds: Credentials,
  opts: DevnetOptions,
): Promise<[LitecoindNode, LitecoindNode]> {
  const extra = opts.txindex ? ['-txindex=1'] : [];
  for (let attempt = 1; ; attempt++) {
    const free = await freePorts(4);
    const p = opts.ports ?? {};
    const [rpcA, p2pA, rpcB, p2pB] = [p.rpcA || free[0]!, p.p2pA || free[1]!, p.rpcB || free[2]!, p.p2pB || free[3]!];
    const started = await Promise.allSettled([
      startLitecoind({ name: 'node-a', dir: join(root, 'node-a'), rpcPort: rpcA, p2pPort: p2pA, creds, extra }),
      startLitecoind({
        name: 'node-b',
        dir: join(root, 'node-b'),
        rpcPort: rpcB,
        p2pPort: p2pB,
        creds,
        extra: [...extra, `-connect=127.0.0.1:${p2pA}`],
      }),
    ]);
    const [ra, rb] = started;
    if (ra.status === 'fulfilled' && rb.status === 'fulfilled') return [ra.value, rb.value];
    await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    const failure = (ra.status === 'rejected' ? ra.reason : (rb as PromiseRejectedResult).reason) as unknown;
    const retry = failure instanceof DevnetStartError && failure.portTaken && !opts.ports && attempt < 3;
    if (!retry) throw failure;
    opts.log?.warn({ err: failure.message }, 'devnet port taken meanwhile; retrying on other ports');
  }
}

/** Addresses are made once and kept, so restarts keep paying (and logging in as) the same addresses. */
async function loadOrCreateAddresses(
  file: string,
  pool: DaemonClient,
  miner: DaemonClient,
  fees: DaemonClient,
): Promise<DevnetAddresses> {
  const known = (await readJson<Partial<DevnetAddresses>>(file)) ?? {};
  const addresses: DevnetAddresses = {
    poolAddress: known.poolAddress ?? (await pool.getNewAddress('pool coinbase', 'bech32')),
    minerAddress: known.minerAddress ?? (await miner.getNewAddress('miner', 'bech32')),
    feeAddress: known.feeAddress ?? (await fees.getNewAddress('pool fees', 'bech32')),
  };
  await writeJson(file, addresses);
  return addresses;
}
