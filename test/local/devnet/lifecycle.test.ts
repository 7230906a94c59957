import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type DevnetFile, devnetMine, startDevnet } from '../../../local/devnet/index.js';
import { freePorts } from '../../../local/devnet/litecoind.js';

/** Pids of live litecoind processes whose data directory is under `dir`. */
function litecoindsUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (/litecoind$/.test(argv[0] ?? '') && argv.some((a) => a.startsWith(`-datadir=${dir}`))) pids.push(+entry);
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
  for (const dir of dirs) for (const pid of litecoindsUnder(dir)) process.kill(pid, 'SIGKILL');
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Runs a devnet in a separate Node process (as `npm start` would) and resolves once it is ready. */
async function devnetProcess(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'run-devnet.ts'), dir], {
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

  it('stops its nodes when its process gets SIGTERM', async () => {
    const dir = await tempDir();
    const child = await devnetProcess(dir);
    const { pids } = JSON.parse(await readFile(join(dir, 'devnet.json'), 'utf8')) as DevnetFile;
    expect(litecoindsUnder(dir).sort()).toEqual([...pids].sort());
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    child.kill('SIGTERM');
    // it still dies of the signal, after stopping its children
    expect(await exited).toBe('SIGTERM');
    expect(await until(() => litecoindsUnder(dir).length === 0, 10_000)).toBe(true);
  });

  it('takes over a data directory whose previous process was killed with SIGKILL', async () => {
    const dir = await tempDir();
    const child = await devnetProcess(dir);
    const { pids: orphans } = JSON.parse(await readFile(join(dir, 'devnet.json'), 'utf8')) as DevnetFile;
    child.kill('SIGKILL'); // no handler runs: its litecoind nodes are orphaned and keep the datadir locked
    await new Promise((r) => child.once('exit', r));
    expect(litecoindsUnder(dir).sort()).toEqual([...orphans].sort());

    const devnet = await startDevnet({ dataDir: dir });
    try {
      const now = litecoindsUnder(dir);
      expect(now).toHaveLength(2);
      expect(now.filter((p) => orphans.includes(p))).toEqual([]);
      expect((await devnet.mine(1)).length).toBe(1);
    } finally {
      await devnet.stop();
    }
    expect(litecoindsUnder(dir)).toEqual([]);
  });
});
