import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DaemonClient, type DaemonEndpoint } from '../../../adapters/rpc/daemon-client.js';
import { EthNodeClient } from '../../../adapters/rpc/eth-node-client.js';
import { btcDevnetFile, btcDevnetMine, startBtcDevnet } from '../../../local/devnet/btcd.js';
import { etcDevnetFile, startEtcDevnet } from '../../../local/devnet/core-geth.js';
import { devnetMine, startDevnet } from '../../../local/devnet/index.js';
import { freePorts } from '../../../local/devnet/litecoind.js';

/** Pids of live litecoind processes whose data directory is under `dir`. */
function litecoindsUnder(dir: string): number[] {
  return daemonsUnder(dir, /litecoind$/, '-datadir=');
}

/** Pids of live core-geth processes whose data directories are under `dir`. */
function gethsUnder(dir: string): number[] {
  return daemonsUnder(dir, /geth$/, '--datadir=');
}

/** Pids of live btcd and btcwallet processes whose data directories are under `dir`. */
function btcDaemonsUnder(dir: string): number[] {
  return [...daemonsUnder(dir, /btcd$/, '--datadir='), ...daemonsUnder(dir, /btcwallet$/, '--appdata=')];
}

function daemonsUnder(dir: string, binary: RegExp, dirFlag: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (binary.test(argv[0] ?? '') && argv.some((a) => a.startsWith(`${dirFlag}${dir}`))) pids.push(+entry);
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'devnet-life-'));
  dirs.push(dir);
  return dir;
}
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(async () => {
  // whatever a failed test left behind: stop it before deleting its directory
  for (const dir of dirs)
    for (const pid of [...litecoindsUnder(dir), ...btcDaemonsUnder(dir), ...gethsUnder(dir)])
      process.kill(pid, 'SIGKILL');
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Runs a devnet in a separate Node process (as `npm start` would) and resolves once it is ready. */
async function devnetProcess(dir: string, coin: 'LTC' | 'BTC' | 'ETC' = 'LTC'): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'run-devnet.ts'), dir, coin], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`devnet process exited with ${code}`)));
  });
  return child;
}

describe('devnet lifecycle', () => {
  it('resumes on the same chain, addresses and credentials after a restart, and leaves no process behind', async () => {
    const dir = await tempDir();
    const first = await startDevnet({ dataDir: dir });
    await first.mine(3);
    const tip = await first.clientA.getBestBlockHash();
    const height = await first.clientA.getBlockCount();
    await first.stop();
    expect(litecoindsUnder(dir)).toEqual([]);
    await expect(devnetMine(dir, 1)).rejects.toThrow(/is not running/);

    const [rpcA] = await freePorts(1);
    const second = await startDevnet({ dataDir: dir, ports: { rpcA } });
    try {
      expect(second.daemons[0]?.url).toBe(`http://127.0.0.1:${rpcA}`);
      // the same tip hash: nothing was mined again (a re-mined chain would have other block times, so other hashes)
      expect(await second.clientA.getBestBlockHash()).toBe(tip);
      expect(await second.clientA.getBlockCount()).toBe(height);
      expect(second.poolAddress).toBe(first.poolAddress);
      expect(second.minerAddress).toBe(first.minerAddress);
      expect(second.daemons.map((d) => d.password)).toEqual(first.daemons.map((d) => d.password));
      await second.mine(1);
    } finally {
      await second.stop();
    }
    expect(litecoindsUnder(dir)).toEqual([]);
  });
});

describe('BTC devnet lifecycle', () => {
  it('resumes on the same chain, wallet, addresses and credentials after a restart, and leaves no process behind', async () => {
    const dir = await tempDir();
    const first = await startBtcDevnet({ dataDir: dir });
    await first.mine(2);
    await first.mine(1, first.poolAddress);
    const tip = await first.node.getBestBlockHash();
    const height = await first.node.getBlockCount();
    const accounts = await first.walletClient.call<Record<string, number>>('listaccounts', [0]);
    await first.stop();
    expect(btcDaemonsUnder(dir)).toEqual([]);
    await expect(btcDevnetMine(dir, 1)).rejects.toThrow(/is not running/);

    const second = await startBtcDevnet({ dataDir: dir });
    try {
      // the same tip: nothing mined again (the float is not sent twice either)
      expect(await second.node.getBestBlockHash()).toBe(tip);
      expect(await second.node.getBlockCount()).toBe(height);
      expect(await second.walletClient.call('listaccounts', [0])).toEqual(accounts);
      expect([second.poolAddress, second.minerAddress, second.feeAddress]).toEqual([
        first.poolAddress,
        first.minerAddress,
        first.feeAddress,
      ]);
      expect(second.rpc[0]!.password).toBe(first.rpc[0]!.password);
      // the wallet still holds the pool's keys: a restarted wallet sees a new coinbase to the pool (immature)
      const [hash] = await second.mine(1, second.poolAddress);
      // btcwallet learns of the block from btcd's notification, a moment after generate answers (a loaded CI run
      // listed the previous coinbase still): ask until it names the new block, for at most 15 s
      type Tx = { blockhash: string; category: string; address: string };
      let latest: Tx | undefined;
      const deadline = Date.now() + 15_000;
      do {
        [latest] = await second.walletClient.call<Tx[]>('listtransactions', ['*', 1]);
        if (latest?.blockhash === hash) break;
        await new Promise((r) => setTimeout(r, 200));
      } while (Date.now() < deadline);
      expect(latest).toMatchObject({ blockhash: hash, category: 'immature', address: second.poolAddress });
    } finally {
      await second.stop();
    }
    expect(btcDaemonsUnder(dir)).toEqual([]);
    // Two starts of btcd + btcwallet and a few blocks: ~15 s on a quiet machine, over 30 s on a loaded CI run.
  }, 90_000);

  it('mines a fresh block on a restart whose tip is older than btcd takes for current', async () => {
    const dir = await tempDir();
    const first = await startBtcDevnet({ dataDir: dir });
    const height = await first.node.getBlockCount();
    await first.stop();
    const logged: string[] = [];
    const log = { info: (_: unknown, msg: string) => void logged.push(msg), warn() {} };
    // a day later, as far as the devnet can tell
    const second = await startBtcDevnet({ dataDir: dir, log, now: () => Date.now() + 24 * 3600_000 });
    try {
      expect(await second.node.getBlockCount()).toBe(height + 1);
      expect(logged).toContain('the devnet tip is old: mining a fresh block');
      expect((await second.node.getBlockTemplate(['segwit'])).height).toBe(height + 2);
    } finally {
      await second.stop();
    }
  }, 90_000); // two btcd starts: past 30 s on a slow, busy CI machine
});

/** What the process tests need of each devnet: its daemons' pids, its file, and a start in this process. */
const KINDS = [
  {
    coin: 'LTC' as const,
    daemonsUnder: litecoindsUnder,
    file: (dir: string) => join(dir, 'devnet.json'),
    tip: (rpc: DaemonEndpoint) => new DaemonClient(rpc).getBestBlockHash(),
    start: async (dir: string) => {
      const devnet = await startDevnet({ dataDir: dir });
      return { tip: () => devnet.clientA.getBestBlockHash(), mine: () => devnet.mine(1), stop: () => devnet.stop() };
    },
  },
  {
    coin: 'BTC' as const,
    daemonsUnder: btcDaemonsUnder,
    file: btcDevnetFile,
    tip: (rpc: DaemonEndpoint) => new DaemonClient(rpc).getBestBlockHash(),
    start: async (dir: string) => {
      const devnet = await startBtcDevnet({ dataDir: dir });
      return { tip: () => devnet.node.getBestBlockHash(), mine: () => devnet.mine(1), stop: () => devnet.stop() };
    },
  },
  {
    coin: 'ETC' as const,
    daemonsUnder: gethsUnder,
    file: etcDevnetFile,
    tip: async (rpc: DaemonEndpoint) => (await new EthNodeClient(rpc).getBlockByNumber('latest'))!.hash,
    start: async (dir: string) => {
      const devnet = await startEtcDevnet({ dataDir: dir });
      const tip = async () => (await devnet.nodeA.client.getBlockByNumber('latest'))!.hash;
      return { tip, mine: () => devnet.mine(1), stop: () => devnet.stop() };
    },
  },
];

describe.each(KINDS)('$coin devnet daemons', (kind) => {
  async function started(dir: string): Promise<{ child: ChildProcess; pids: number[]; rpc: DaemonEndpoint }> {
    const child = await devnetProcess(dir, kind.coin);
    const { pids, rpc } = JSON.parse(await readFile(kind.file(dir), 'utf8')) as {
      pids: number[];
      rpc: DaemonEndpoint[];
    };
    expect(kind.daemonsUnder(dir).sort()).toEqual([...pids].sort());
    return { child, pids, rpc: rpc[0]! };
  }

  it('are stopped when their process gets SIGTERM', async () => {
    const dir = await tempDir();
    const { child } = await started(dir);
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    child.kill('SIGTERM');
    // it still dies of the signal, after stopping its children
    expect(await exited).toBe('SIGTERM');
    expect(await until(() => kind.daemonsUnder(dir).length === 0, 10_000)).toBe(true);
    // Starting two daemons takes 3 s on a quiet machine; a CI run under load took over 30 s to start ETC's (two geths).
  }, 90_000);

  it('are taken over, chain intact, when their process was killed with SIGKILL', async () => {
    const dir = await tempDir();
    const { child, pids: orphans, rpc } = await started(dir);
    const tip = await kind.tip(rpc);
    child.kill('SIGKILL'); // no handler runs: its daemons are orphaned and keep their data directories locked
    await new Promise((r) => child.once('exit', r));
    expect(kind.daemonsUnder(dir).sort()).toEqual([...orphans].sort());

    const devnet = await kind.start(dir);
    try {
      const now = kind.daemonsUnder(dir);
      expect(now).toHaveLength(2);
      expect(now.filter((p) => orphans.includes(p))).toEqual([]);
      // the orphans outlived their parent (their console is a file, not a pipe that dies with it: btcd would die of
      // SIGPIPE at its next log line without flushing its database) and were stopped cleanly: the chain is all there
      expect(await devnet.tip()).toBe(tip);
      expect(await devnet.mine()).toHaveLength(1);
    } finally {
      await devnet.stop();
    }
    expect(kind.daemonsUnder(dir)).toEqual([]);
    // Two daemon starts, a takeover and a mined block: 5–20 s on a quiet machine, over 30 s on a loaded one (ETC).
  }, 90_000);
});
