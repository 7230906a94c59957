// Instructions per accepted sha256d share: the bench's share server (bench/share-server.ts, the real coin service)
// runs under valgrind's callgrind; the load generator sends a fixed number of shares after a warm-up, and the
// server's instructions (every thread: JIT code, the addon, GC, libuv) are counted from a zeroing just before them
// to a dump just after them. Unlike a timing, the count does not move with the machine's load (perf's hardware
// counters are not available in this VM).
import { execFileSync, fork } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, heading, info, LoadGen } from './harness.js';
import type { FromShareServer } from './share-server.js';

export interface InstructionOptions {
  connections: number;
  window: number;
  warmupShares: number;
  shares: number;
}

export const defaultInstructions: InstructionOptions = {
  connections: 200,
  window: 2,
  warmupShares: Number(process.env.BENCH_INSTR_WARMUP ?? 20_000),
  shares: Number(process.env.BENCH_INSTR_SHARES ?? 10_000),
};

export interface InstructionCount {
  /** The SHA-256 kernel the server used: valgrind's CPU has no SHA extensions, so under it always "scalar". */
  kernel: string;
  shares: number;
  accepted: number;
  instructions: number;
  perShare: number;
}

/** Whether valgrind can be run here (the section says so and skips when not). */
export function hasValgrind(): boolean {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The `totals:` line of a callgrind dump (instructions: the only event collected by default). */
export function callgrindTotal(dump: string): number {
  const m = /^totals:\s+(\d+)/m.exec(dump) ?? /^summary:\s+(\d+)/m.exec(dump);
  if (!m) throw new Error('no totals line in the callgrind dump');
  return Number(m[1]);
}

export async function countShareInstructions(o: InstructionOptions = defaultInstructions): Promise<InstructionCount> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-callgrind-'));
  const script = fileURLToPath(new URL('./share-server.ts', import.meta.url));
  const server = fork(script, [], {
    execPath: 'valgrind',
    execArgv: [
      '--tool=callgrind',
      `--callgrind-out-file=${join(dir, 'cg.out')}`,
      // V8 writes and rewrites its own code: valgrind must see every change.
      '--smc-check=all-non-file',
      process.execPath,
      '--import',
      'tsx',
    ],
    // valgrind's own messages (and the server's errors) go to a log beside the dumps, named when the run fails.
    stdio: ['ignore', 'ignore', openSync(join(dir, 'valgrind.log'), 'w'), 'ipc'],
  });
  const gen = LoadGen.start();
  let ok = false;
  const control = (flag: string) => execFileSync('callgrind_control', [flag, String(server.pid)], { stdio: 'ignore' });
  try {
    const ready = await new Promise<FromShareServer>((resolve, reject) => {
      server.once('message', (m: FromShareServer) => resolve(m));
      server.once('exit', (code) => reject(new Error(`share server under valgrind exited (${code}): see ${dir}`)));
    });
    const users = ready.users;
    const c = await gen.call('connect', {
      port: ready.port,
      count: o.connections,
      users,
      sources: 1,
      timeoutMs: 120_000,
    });
    if (c.connected < o.connections) throw new Error(`only ${c.connected} connections: ${c.firstError}`);
    // Warm-up: the JIT tiers up and the queue's batches settle before anything is counted.
    await gen.call('submitCount', { count: o.warmupShares, window: o.window, timeoutMs: 600_000 });
    control('-z');
    const r = await gen.call('submitCount', { count: o.shares, window: o.window, timeoutMs: 600_000 });
    control('-d');
    const dumps = (await readdir(dir)).filter((f) => f.startsWith('cg.out.'));
    if (dumps.length === 0) throw new Error('callgrind wrote no dump');
    const instructions = callgrindTotal(await readFile(join(dir, dumps.sort().at(-1)!), 'utf8'));
    ok = true;
    return {
      kernel: ready.kernel,
      shares: o.shares,
      accepted: r.accepted,
      instructions,
      perShare: instructions / Math.max(1, r.accepted),
    };
  } finally {
    await gen.stop();
    if (server.connected) server.send({ type: 'stop' });
    await new Promise((resolve) => {
      if (server.exitCode !== null) resolve(undefined);
      server.once('exit', resolve);
      setTimeout(() => server.kill('SIGKILL'), 30_000).unref();
    });
    // A failed run keeps its directory (valgrind.log) for a look.
    if (ok) await rm(dir, { recursive: true, force: true });
  }
}

/** The bench section: instructions per accepted sha256d share, with its budget (10 µs at ~3 instructions per ns). */
export async function benchInstructions(
  o: InstructionOptions = defaultInstructions,
): Promise<InstructionCount | undefined> {
  heading('Instructions per accepted sha256d share (callgrind on the server process; noise cannot move it)');
  if (!hasValgrind()) {
    info('valgrind', 'not installed: skipped');
    return undefined;
  }
  const r = await countShareInstructions(o);
  info(
    'shares counted (after a warm-up of)',
    `${fmt(r.accepted)} (${fmt(o.warmupShares)}), ${o.connections} connections`,
  );
  info('server instructions in them', `${fmt(r.instructions)} (SHA-256 kernel: ${r.kernel})`);
  info('instructions per accepted share', fmt(r.perShare));
  return r;
}
