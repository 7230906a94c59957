// Instructions per accepted sha256d share: the bench's share server (bench/share-server.ts, the real coin service,
// bundled as the container runs it: bench/bundle.ts) runs under valgrind's callgrind; the load generator sends a fixed number of shares after a warm-up, and the
// server's instructions (every thread: JIT code, the addon, GC, libuv) are counted from a zeroing just before them
// to a dump just after them. The count moves far less than a timing with the machine's load, but it does move (see
// benchInstructions); perf's hardware counters are not available in this VM. The same shares are then sent to the
// server without valgrind for its CPU time per share (a timing), and with BENCH_INSTR_STRACE=1 its system calls
// per share (strace -c -f over the counted shares); BENCH_INSTR_CPU_RUNS=n repeats the timing n times.
import { execFileSync, fork, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_ADDON, bundleBenchScript } from './bundle.js';
import { fmt, heading, info, LoadGen, nextMessage } from './harness.js';
import type { FromShareServer, ToShareServer } from './share-server.js';

export interface InstructionOptions {
  connections: number;
  window: number;
  warmupShares: number;
  shares: number;
}

export const defaultInstructions: InstructionOptions = {
  connections: 200,
  window: 2,
  // Under valgrind V8 is still optimizing after 20,000 shares (TurboFan and Maglev 16,800–19,500 instructions a share
  // over the next 10,000, and the code they replace runs slower meanwhile); after 80,000, 259 (docs/performance.md,
  // "Ninth stop"). The count is the steady state's.
  warmupShares: Number(process.env.BENCH_INSTR_WARMUP ?? 80_000),
  shares: Number(process.env.BENCH_INSTR_SHARES ?? 10_000),
};

export interface InstructionCount {
  /** The SHA-256 kernel the server used: valgrind's CPU has no SHA extensions, so under it always "scalar". */
  kernel: string;
  shares: number;
  accepted: number;
  instructions: number;
  perShare: number;
  /** Per accepted share, by part (callgrindBreakdown): `rest` is the figure to compare across runs of one length. */
  perSharePart: Omit<CallgrindBreakdown, 'total'>;
  /** The callgrind dump, kept when BENCH_INSTR_KEEP=1 (for callgrind_annotate). */
  dump?: string;
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

/**
 * fork() options running a script under callgrind, its dump written to `outFile`: a TypeScript one with Node's
 * `--import tsx` (the default `nodeArgs`), a bundle (bench/bundle.ts) with none.
 */
export function underCallgrind(
  outFile: string,
  nodeArgs: readonly string[] = ['--import', 'tsx'],
): { execPath: string; execArgv: string[] } {
  return {
    execPath: 'valgrind',
    execArgv: [
      '--tool=callgrind',
      `--callgrind-out-file=${outFile}`,
      // V8 writes and rewrites its own code: valgrind must see every change.
      '--smc-check=all-non-file',
      process.execPath,
      ...nodeArgs,
    ],
  };
}

/** The `totals:` line of a callgrind dump (instructions: the only event collected by default). */
export function callgrindTotal(dump: string): number {
  const m = /^totals:\s+(\d+)/m.exec(dump) ?? /^summary:\s+(\d+)/m.exec(dump);
  if (!m) throw new Error('no totals line in the callgrind dump');
  return Number(m[1]);
}

/** A callgrind dump's instructions split by where they ran (each function's own cost, its callees' not counted). */
export interface CallgrindBreakdown {
  total: number;
  /** The addon's SHA-256 (scalar under valgrind, whose CPU has no SHA extensions; SHA-NI in the real server). */
  sha256: number;
  /**
   * V8's optimizing compilers (TurboFan, Turboshaft, Maglev): near 0 once the warm-up is long enough (the default's
   * 80,000 shares); a figure of thousands says V8 was still tiering up while the shares were counted.
   */
  compiler: number;
  /** The rest: the share path's own work (JavaScript, V8's runtime and GC, Node, libuv, the kernel's entry). */
  rest: number;
}

/** Which part of CallgrindBreakdown a function's name puts it in. */
function partOf(name: string): 'sha256' | 'compiler' | 'rest' {
  if (/Sha256/.test(name)) return 'sha256';
  if (/v8::internal::(compiler|maglev)::/.test(name)) return 'compiler';
  return 'rest';
}

/**
 * Each function's own instructions in a callgrind dump (the first event column), by name. Reads the format's name
 * compression ("(id) name" once, "(id)" after) and leaves out the cost line after each `calls=` line (a call's
 * inclusive cost, which its callee's own lines already count).
 */
export function callgrindSelfCosts(dump: string): Map<string, number> {
  const names = new Map<string, string>();
  const named = (ref: string) => {
    const m = /^\((\d+)\)(?: (.*))?$/.exec(ref);
    if (!m) return ref;
    if (m[2] !== undefined) names.set(m[1]!, m[2]);
    return names.get(m[1]!) ?? ref;
  };
  const costs = new Map<string, number>();
  let fn = '';
  let afterCall = false;
  for (const line of dump.split('\n')) {
    if (line.startsWith('fn=')) {
      fn = named(line.slice(3));
      afterCall = false;
    } else if (line.startsWith('cfn=')) named(line.slice(4));
    else if (line.startsWith('calls=')) afterCall = true;
    else if (/^[\d+*-]/.test(line)) {
      if (afterCall) afterCall = false;
      else {
        const cost = Number(line.split(' ')[1] ?? 0);
        if (cost > 0) costs.set(fn, (costs.get(fn) ?? 0) + cost);
      }
    }
  }
  return costs;
}

/** A dump's instructions by part (CallgrindBreakdown). */
export function callgrindBreakdown(dump: string): CallgrindBreakdown {
  const parts = { total: 0, sha256: 0, compiler: 0, rest: 0 };
  for (const [name, cost] of callgrindSelfCosts(dump)) {
    parts.total += cost;
    parts[partOf(name)] += cost;
  }
  return parts;
}

/** What one run of the share server measured: the shares counted and, per run kind, instructions or CPU time. */
interface ShareServerRun {
  kernel: string;
  accepted: number;
  /** callgrind's instructions over the counted shares (under valgrind). */
  instructions?: number;
  /** The same, by part. */
  breakdown?: CallgrindBreakdown;
  /** The server's CPU time (user + system) over the counted shares, µs (without valgrind). */
  cpuMicros?: number;
  /** Of it, user time (JavaScript, the addon, libuv; the rest is the kernel's: syscalls, TCP). */
  userMicros?: number;
  /** The callgrind dump kept (BENCH_INSTR_KEEP=1) for callgrind_annotate. */
  dump?: string;
  /** System calls of the server over the counted shares (BENCH_INSTR_STRACE=1, without valgrind): name → count. */
  syscalls?: Record<string, number>;
}

/** The per-call counts of an `strace -c` summary (its table's last column is the call's name). */
export function straceCounts(summary: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of summary.split('\n')) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?([a-z_0-9]+)\s*$/.exec(line);
    if (m) counts[m[2]!] = Number(m[1]);
  }
  return counts;
}

/**
 * Runs the share server (under callgrind when `callgrind`), connects, warms up, then counts `o.shares` shares:
 * callgrind's counters zeroed before and dumped after them, or the process's CPU time read before and after.
 */
async function runShareServer(o: InstructionOptions, callgrind: boolean): Promise<ShareServerRun> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-callgrind-'));
  // The container's code as the container runs it: an esbuild bundle, no tsx (bench/bundle.ts).
  const script = bundleBenchScript('share-server', dir);
  const env = { ...process.env, POOL_HASHING_ADDON: BENCH_ADDON };
  const server = callgrind
    ? fork(script, [], {
        // BENCH_INSTR_NODE_FLAGS: the server's Node flags under callgrind (--perf-basic-prof names the JIT's code in
        // the dump's addresses: /tmp/perf-<pid>.map).
        ...underCallgrind(join(dir, 'cg.out'), (process.env.BENCH_INSTR_NODE_FLAGS ?? '').split(' ').filter(Boolean)),
        env,
        // valgrind's own messages (and the server's errors) go to a log beside the dumps, named when the run fails.
        stdio: ['ignore', 'ignore', openSync(join(dir, 'valgrind.log'), 'w'), 'ipc'],
      })
    : fork(script, [], {
        execArgv: [],
        env,
        stdio: ['ignore', 'ignore', openSync(join(dir, 'server.log'), 'w'), 'ipc'],
      });
  const gen = LoadGen.start();
  const keep = process.env.BENCH_INSTR_KEEP === '1';
  let ok = false;
  const control = (flag: string) => execFileSync('callgrind_control', [flag, String(server.pid)], { stdio: 'ignore' });
  const next = () => nextMessage<FromShareServer>(server, 'share server', `: see ${dir}`);
  const cpu = async () => {
    const answer = next();
    server.send({ type: 'cpu' } satisfies ToShareServer);
    const m = await answer;
    if (m.type !== 'cpu') throw new Error(`share server answered ${m.type} to cpu`);
    return m;
  };
  try {
    const ready = await next();
    if (ready.type !== 'ready') throw new Error(`share server sent ${ready.type} before ready`);
    const c = await gen.call('connect', {
      port: ready.port,
      count: o.connections,
      users: ready.users,
      sources: 1,
      timeoutMs: 120_000,
    });
    if (c.connected < o.connections) throw new Error(`only ${c.connected} connections: ${c.firstError}`);
    // Warm-up: the JIT tiers up and the queue's batches settle before anything is counted.
    await gen.call('submitCount', { count: o.warmupShares, window: o.window, timeoutMs: 1_800_000 });
    if (callgrind) control('-z');
    const before = callgrind ? undefined : await cpu();
    // The server's system calls over exactly the counted shares (every thread): how many reads and writes a share costs.
    const tracer =
      !callgrind && process.env.BENCH_INSTR_STRACE === '1'
        ? spawn('strace', ['-c', '-f', '-o', join(dir, 'strace.txt'), '-p', String(server.pid)], { stdio: 'ignore' })
        : undefined;
    if (tracer) await sleep(1000); // attached to every thread before the first counted share
    const r = await gen.call('submitCount', { count: o.shares, window: o.window, timeoutMs: 600_000 });
    const run: ShareServerRun = { kernel: ready.kernel, accepted: r.accepted };
    if (callgrind) {
      control('-d');
      const dumps = (await readdir(dir)).filter((f) => f.startsWith('cg.out.'));
      if (dumps.length === 0) throw new Error('callgrind wrote no dump');
      const dump = join(dir, dumps.sort().at(-1)!);
      const text = await readFile(dump, 'utf8');
      run.instructions = callgrindTotal(text);
      run.breakdown = callgrindBreakdown(text);
      if (keep) run.dump = dump;
    } else {
      const after = await cpu();
      run.cpuMicros = after.micros - before!.micros;
      run.userMicros = after.userMicros - before!.userMicros;
      if (tracer) {
        const exited = new Promise((resolve) => tracer.once('exit', resolve));
        tracer.kill('SIGINT'); // detaches and writes its summary
        await exited;
        run.syscalls = straceCounts(await readFile(join(dir, 'strace.txt'), 'utf8'));
      }
    }
    ok = true;
    return run;
  } finally {
    await gen.stop();
    if (server.connected) server.send({ type: 'stop' } satisfies ToShareServer);
    await new Promise((resolve) => {
      if (server.exitCode !== null) resolve(undefined);
      server.once('exit', resolve);
      setTimeout(() => server.kill('SIGKILL'), 30_000).unref();
    });
    // A failed run keeps its directory (its log) for a look, and so does BENCH_INSTR_KEEP=1 (the dump).
    if (ok && !keep) await rm(dir, { recursive: true, force: true });
  }
}

export async function countShareInstructions(o: InstructionOptions = defaultInstructions): Promise<InstructionCount> {
  const r = await runShareServer(o, true);
  const instructions = r.instructions!;
  const shares = Math.max(1, r.accepted);
  const { sha256, compiler, rest } = r.breakdown!;
  return {
    kernel: r.kernel,
    shares: o.shares,
    accepted: r.accepted,
    instructions,
    perShare: instructions / shares,
    perSharePart: { sha256: sha256 / shares, compiler: compiler / shares, rest: rest / shares },
    ...(r.dump && { dump: r.dump }),
  };
}

/**
 * The same shares through the same server without valgrind (its real SHA-256 kernel): the server's CPU time per
 * accepted share, µs. A timing: the machine's load moves it, unlike the count.
 */
export async function measureShareCpu(o: InstructionOptions = defaultInstructions): Promise<{
  kernel: string;
  accepted: number;
  microsPerShare: number;
  userMicrosPerShare: number;
  syscalls?: Record<string, number>;
}> {
  const r = await runShareServer(o, false);
  const shares = Math.max(1, r.accepted);
  return {
    kernel: r.kernel,
    accepted: r.accepted,
    microsPerShare: r.cpuMicros! / shares,
    userMicrosPerShare: r.userMicros! / shares,
    ...(r.syscalls && { syscalls: r.syscalls }),
  };
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
  // The count moves with the machine's load after all (the same code: 106k-112k a share at load 1-2, 135k at load
  // 18; batching and event-loop turns depend on timing): compare runs at a similar load, or alternate the builds.
  const load = loadavg()[0]!;
  const r = await countShareInstructions(o);
  info('load average (1 min) when the count started', fmt(load));
  info(
    'shares counted (after a warm-up of)',
    `${fmt(r.accepted)} (${fmt(o.warmupShares)}), ${o.connections} connections`,
  );
  info('server instructions in them', `${fmt(r.instructions)} (SHA-256 kernel: ${r.kernel})`);
  info('instructions per accepted share', fmt(r.perShare));
  const part = r.perSharePart;
  info(
    '  of it SHA-256 / V8 compiling / the rest',
    `${fmt(part.sha256, 0)} / ${fmt(part.compiler, 0)} / ${fmt(part.rest, 0)} (the rest: the share path's own work)`,
  );
  if (r.dump) info('callgrind dump (BENCH_INSTR_KEEP=1)', r.dump);
  // BENCH_INSTR_CPU_RUNS=n: the timing n times over (each run a fresh server); the least disturbed run is the lowest.
  const runs = Math.max(1, Number(process.env.BENCH_INSTR_CPU_RUNS ?? 1));
  const timings: Awaited<ReturnType<typeof measureShareCpu>>[] = [];
  for (let i = 0; i < runs; i++) timings.push(await measureShareCpu(o));
  const t = timings.reduce((best, x) => (x.microsPerShare < best.microsPerShare ? x : best));
  info(
    `server CPU per accepted share (no valgrind${runs > 1 ? `, lowest of ${runs}` : ''})`,
    `${fmt(t.microsPerShare)} µs (SHA-256 kernel: ${t.kernel}; ${fmt(1e6 / t.microsPerShare)} shares per CPU-second)`,
  );
  info('  of it user / kernel', `${fmt(t.userMicrosPerShare)} / ${fmt(t.microsPerShare - t.userMicrosPerShare)} µs`);
  if (runs > 1) {
    const each = timings.map((x) => `${fmt(x.microsPerShare)} (${fmt(x.userMicrosPerShare)})`).join(', ');
    info('  every run: total (user) µs', each);
  }
  if (t.syscalls) {
    const per = (name: string) => fmt((t.syscalls![name] ?? 0) / Math.max(1, t.accepted), 3);
    const top = Object.entries(t.syscalls)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([name, n]) => `${name} ${fmt(n, 0)}`)
      .join(', ');
    info(
      'server system calls per share (strace -c -f)',
      `read ${per('read')}, write ${per('write')}, writev ${per('writev')}`,
    );
    info('  most frequent', top);
  }
  return r;
}
