// New-block fan-out: from a new template to mining.notify received on every one of N connections.
import { type ChildProcess, fork } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { connectionBudget } from './connections.js';
import { fmt, goal, heading, info, LoadGen, openFilesLimit, record } from './harness.js';
import { type BenchNetwork, PORTS_PER_SOURCE, raiseOpenFiles, withBenchNetwork } from './netns.js';
import { percentile, sortedNumbers } from './percentiles.js';
import { blockTemplate, HARD_BITS, startBenchPool } from './pool.js';
import { softirqDuring } from './softirq.js';
import type { FromStratumProcess, ToStratumProcess } from './stratum-process.js';

const GOAL_CONNECTIONS = 100_000;
const GOAL_MS = 250;

export interface FanoutResult {
  connections: number;
  /** Per job: template applied → every connection received the notify (ms). */
  allMs: number[];
  /** Per job: template applied → half of the connections received it (ms). */
  medianMs: number[];
  /** Per job: how long applyTemplate (build the job, write to every socket) held the server's event loop (ms). */
  serverMs: number[];
  /**
   * Per job: the CPU time of that loop, user and system (getrusage; the slowest process's). On loopback the system
   * part includes the receiving sockets' TCP input; steered to the load generator's CPU it does not.
   */
  userMs: number[];
  sysMs: number[];
  /**
   * Per job: the softirq time of the loop's CPU during it (ms; bench/softirq.ts), undefined where not known: the load
   * generator's network input that the veth runs in the server's write syscalls, part of `sysMs`.
   */
  softirqMs: Array<number | undefined>;
  /** Several processes: per job, the loops' CPU time summed over them (ms). */
  cpuSumMs?: number[];
  missed: number;
}

const ms = (from: bigint, to: bigint | string) => Number(BigInt(to) - from) / 1e6;

/** Where the load generator runs and how it reaches the server: loopback unless bench/netns.ts made a namespace. */
const LOOPBACK = { serverHost: '127.0.0.1', loadgenPrefix: [] as string[] };
type Net = Pick<BenchNetwork, 'serverHost' | 'loadgenPrefix'> & { sources?: string[] };

/** The load generator's connect arguments toward `port` on the bench network. */
function connectArgs(net: Net, port: number, count: number, users: string[]) {
  const sources = Math.ceil(count / PORTS_PER_SOURCE);
  return {
    port,
    count,
    users,
    sources,
    host: net.serverHost,
    ...(net.sources && { sourceAddresses: net.sources }),
    timeoutMs: 60_000,
    // A server or network that stops taking connections ends the phase in minutes, not after count × 60 s / 256.
    deadlineMs: 300_000,
    maxFailures: 1_000,
  };
}

/** Connects and says how it went: a shortfall is printed with its first error, not left to show as a smaller N. */
async function connectAll(gen: LoadGen, tag: string, args: ReturnType<typeof connectArgs>): Promise<void> {
  const c = await gen.call('connect', args);
  const shortfall = args.count - c.connected;
  info(
    `${tag} connected`,
    `${fmt(c.connected)} of ${fmt(args.count)} in ${fmt(c.seconds)} s${shortfall > 0 ? ` (${fmt(c.failed)} failed, first: ${c.firstError ?? 'none'}; the rest not tried by the deadline)` : ''}`,
  );
}

/** The next IPC message of a bench stratum process; rejects if it exits first or says nothing within `ms`. */
function nextMessage(child: ChildProcess, what: string, ms: number): Promise<FromStratumProcess> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (m: unknown) => {
      done();
      resolve(m as FromStratumProcess);
    };
    const onExit = (code: number | null, signal: string | null) => {
      done();
      reject(new Error(`stratum process ${child.pid} exited (${code ?? signal}) waiting for ${what}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`stratum process ${child.pid}: no ${what} within ${ms / 1000} s`));
    }, ms);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export async function measureFanout(
  connections: number,
  jobs: number,
  processes = 1,
  net: Net = LOOPBACK,
): Promise<FanoutResult> {
  if (processes > 1) return measureFanoutProcesses(connections, jobs, processes, net);
  const pool = await startBenchPool('LTC', HARD_BITS, { host: net.serverHost });
  const gen = LoadGen.start(net.loadgenPrefix);
  try {
    const users = Array.from({ length: 256 }, (_, i) => pool.user(i));
    await connectAll(gen, `[1 process, ${fmt(connections)}]`, connectArgs(net, pool.port, connections, users));
    return await fanoutJobs([gen], jobs, async (height) => {
      const t0 = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      const softirqMs = softirqDuring(() => pool.jobs.applyTemplate(blockTemplate(height, HARD_BITS)));
      const used = process.cpuUsage(cpu);
      return {
        serverMs: ms(t0, process.hrtime.bigint()),
        userMs: used.user / 1000,
        sysMs: used.system / 1000,
        softirqMs,
        connections: pool.service.health().connections,
      };
    });
  } finally {
    await gen.stop();
    await pool.stop();
  }
}

/**
 * Per job: arm the load generators, apply a new template (`apply`), and time the notifies' arrival: the last arrival
 * over all of them, and as the median the median of theirs (exact with one; with several of equal size, between
 * their lowest and highest).
 */
async function fanoutJobs(
  gens: readonly LoadGen[],
  jobs: number,
  apply: (height: number) => Promise<{
    serverMs: number;
    userMs: number;
    sysMs: number;
    softirqMs?: number;
    cpuSumMs?: number;
    connections: number;
  }>,
): Promise<FanoutResult> {
  const r: FanoutResult = {
    connections: 0,
    allMs: [],
    medianMs: [],
    serverMs: [],
    userMs: [],
    sysMs: [],
    softirqMs: [],
    missed: 0,
  };
  for (let k = 1; k <= jobs; k++) {
    await Promise.all(gens.map((g) => g.call('armNotify', {})));
    // process.hrtime is the system's monotonic clock: comparable with the load generator's timestamps.
    const t0 = process.hrtime.bigint();
    const applied = await apply(1000 + k);
    r.connections = applied.connections;
    r.serverMs.push(applied.serverMs);
    r.userMs.push(applied.userMs);
    r.sysMs.push(applied.sysMs);
    r.softirqMs.push(applied.softirqMs);
    if (applied.cpuSumMs !== undefined) {
      r.cpuSumMs ??= [];
      r.cpuSumMs.push(applied.cpuSumMs);
    }
    const seen = await Promise.all(gens.map((g) => g.call('collectNotify', { timeoutMs: 10_000 })));
    r.missed += r.connections - seen.reduce((n, s) => n + s.seen, 0);
    r.allMs.push(Math.max(...seen.map((s) => ms(t0, s.lastAt))));
    r.medianMs.push(percentile(sortedNumbers(seen.map((s) => ms(t0, s.medianAt))), 0.5));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return r;
}

/**
 * The same with the connections spread over `processes` stratum processes (as a task with POOL_STRATUM_PROCESSES
 * runs them; the NLB and the cluster primary spread miners evenly): each gets the new template at the same moment
 * over IPC and writes to its own connections on its own core. Each has a load generator of its own, so that together
 * they hold more connections than one process's open-files limit allows (100,000 on this machine, whose hard limit
 * is 20,000 per process). `serverMs` and `userMs`/`sysMs`: the slowest process's loop; `cpuSumMs`: the loops' CPU
 * summed over the processes (what they take from the machine's cores together).
 */
async function measureFanoutProcesses(
  connections: number,
  jobs: number,
  processes: number,
  net: Net,
): Promise<FanoutResult> {
  const script = fileURLToPath(new URL('./stratum-process.ts', import.meta.url));
  const children: ChildProcess[] = [];
  const gens: LoadGen[] = [];
  try {
    for (let i = 0; i < processes; i++) {
      children.push(
        fork(script, [], {
          execArgv: ['--import', 'tsx'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          env: { ...process.env, BENCH_STRATUM_HOST: net.serverHost },
        }),
      );
      gens.push(LoadGen.start(net.loadgenPrefix));
    }
    const ready = await Promise.all(children.map((c) => nextMessage(c, 'ready', 120_000)));
    const per = Math.ceil(connections / processes);
    await Promise.all(
      ready.map((msg, i) => {
        if (msg.type !== 'ready') throw new Error(`stratum process ${i}: ${msg.type} before ready`);
        const count = Math.min(per, connections - i * per);
        return connectAll(gens[i]!, `[process ${i + 1} of ${processes}]`, connectArgs(net, msg.port, count, msg.users));
      }),
    );
    return await fanoutJobs(gens, jobs, async (height) => {
      const answers = Promise.all(children.map((c) => nextMessage(c, 'applied', 60_000)));
      for (const c of children) c.send({ type: 'apply', height } satisfies ToStratumProcess);
      const applied = (await answers).flatMap((a) => (a.type === 'applied' ? [a] : []));
      return {
        serverMs: Math.max(...applied.map((a) => a.serverMs)),
        userMs: Math.max(...applied.map((a) => a.userMs)),
        sysMs: Math.max(...applied.map((a) => a.sysMs)),
        cpuSumMs: applied.reduce((n, a) => n + a.userMs + a.sysMs, 0),
        connections: applied.reduce((n, a) => n + a.connections, 0),
      };
    });
  } finally {
    await Promise.all(gens.map((g) => g.stop()));
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const kill = setTimeout(() => c.kill('SIGKILL'), 30_000);
            c.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            if (c.connected) c.send({ type: 'stop' } satisfies ToStratumProcess);
            else c.kill();
          }),
      ),
    );
  }
}

/** Per-process fan-out sizes: BENCH_FANOUT_SIZES, or BENCH_FANOUT_CONNECTIONS alone, or 10k, 25k and 50k. */
function fanoutSizes(): number[] {
  const listed = process.env.BENCH_FANOUT_SIZES ?? process.env.BENCH_FANOUT_CONNECTIONS ?? '10000,25000,50000';
  return listed
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
}

/**
 * BENCH_FANOUT_PROCESSES, or as many processes as 100,000 connections need when one process's open-files limit
 * cannot hold them (6 under this machine's hard limit of 20,000), or 1: where one process can hold them, or where
 * the limit is so low that it would take more than MAX_SPREAD processes (a default of 1,024: the single process's
 * figures are then what the machine gives).
 */
export function spreadProcesses(hard = openFilesLimit()?.hard ?? Number.POSITIVE_INFINITY): number {
  if (process.env.BENCH_FANOUT_PROCESSES) return Number(process.env.BENCH_FANOUT_PROCESSES);
  const each = hard - 2 * SPREAD_HEADROOM;
  if (!(each > 0)) return 1;
  const needed = Math.max(1, Math.ceil(GOAL_CONNECTIONS / each));
  return needed <= MAX_SPREAD ? needed : 1;
}

/** File descriptors a stratum process or a load generator needs besides its connections. */
const SPREAD_HEADROOM = 1_000;
/** The most processes (and as many load generators) the bench spreads 100,000 connections over. */
const MAX_SPREAD = 10;

export async function benchFanout(
  sizes = fanoutSizes(),
  jobs = Number(process.env.BENCH_FANOUT_JOBS ?? 20),
  processes = spreadProcesses(),
): Promise<void> {
  heading('3. New-block fan-out: new template → mining.notify received on every connection');
  const largest = Math.max(...sizes);
  // BENCH_FANOUT_TOTAL: the connections spread over the processes (100,000), each process and its load generator
  // holding its part within its own open-files limit.
  const total = processes > 1 ? Number(process.env.BENCH_FANOUT_TOTAL ?? GOAL_CONNECTIONS) : 0;
  const perProcess = Math.ceil(total / Math.max(1, processes));
  raiseOpenFiles(Math.max(largest, perProcess) + SPREAD_HEADROOM);
  /**
   * Per size measured in one process, per connection (ms): the p99 to every connection, the loop's CPU time, and that
   * CPU time less its CPU's softirq time (the load generator's network input; undefined where it cannot be told).
   */
  const perConnection = new Map<number, { p99: number; cpu: number; own?: number }>();
  await withBenchNetwork(Math.max(largest, total), async (net) => {
    // Sizes past the open-files limit all become the limit: measured once.
    for (const count of new Set(sizes.map(connectionBudget))) {
      const r = await measureFanout(count, jobs, 1, net);
      printFanout(`[1 process, ${fmt(r.connections)}]`, r, jobs);
      if (r.connections === 0) continue;
      const cpu = percentile(sortedNumbers(r.userMs.map((u, i) => u + r.sysMs[i]!)), 0.5);
      const own = ownCpuMs(r);
      perConnection.set(r.connections, {
        p99: percentile(sortedNumbers(r.allMs), 0.99) / r.connections,
        cpu: cpu / r.connections,
        ...(own !== undefined && { own: own / r.connections }),
      });
    }
    if (processes > 1) {
      const spread = Math.min(total, connectionBudget(perProcess) * processes);
      const r = await measureFanout(spread, jobs, processes, net);
      printFanout(`[${processes} processes, ${fmt(r.connections)}]`, r, jobs, processes);
      printSpread(`[${processes} processes, ${fmt(r.connections)}]`, r, processes);
    }
  });
  // 100k over one stratum process per core: each process writes to 100k / cores connections on its own core (they
  // share nothing but the extranonce space), at the cost per connection measured nearest that size. Two bases: the
  // loop's CPU time (what a process with a core of its own takes) and the wall-clock p99 here (this shared VM's
  // other work preempts the loop, so it is the pessimistic one).
  const largestMeasured = Math.max(...perConnection.keys());
  const atLargest = perConnection.get(largestMeasured);
  if (atLargest) {
    const note = `at ${fmt(largestMeasured)} connections`;
    record({ key: 'fanout.cpuPerConnection', measured: atLargest.cpu * 1000, unit: 'µs', note });
    record({ key: 'fanout.p99PerConnection', measured: atLargest.p99 * 1000, unit: 'µs', note });
    if (atLargest.own !== undefined)
      record({ key: 'fanout.ownCpuPerConnection', measured: atLargest.own * 1000, unit: 'µs', note });
  }
  for (const cores of [2, 4, 8]) {
    const each = GOAL_CONNECTIONS / cores;
    const nearest = [...perConnection.keys()].sort((a, b) => Math.abs(a - each) - Math.abs(b - each))[0];
    if (nearest === undefined) continue;
    const cost = perConnection.get(nearest)!;
    const scale = each / nearest;
    const at = `${fmt(nearest)}${scale > 1.05 ? `, ×${fmt(scale)} linear` : ''}`;
    goal({
      label: `fan-out to 100k, ${cores} processes (${fmt(each)} each)`,
      key: `fanout.100k.${cores}`,
      measured: cost.cpu * each,
      unit: 'ms',
      better: 'lower',
      target: GOAL_MS,
      whyMissed: `${fmt(cost.cpu * 1000, 1)} µs of CPU per connection (measured at ${at}), nearly all the write syscall: more cores`,
    });
    info(
      '  the same from the wall-clock p99 here',
      `${fmt(cost.p99 * each)} ms (${fmt(cost.p99 * 1000, 1)} µs per connection)`,
    );
    if (cost.own !== undefined)
      goal({
        label: `fan-out to 100k, ${cores} processes, the server's own CPU`,
        key: `fanout.100k.${cores}.own`,
        measured: cost.own * each,
        unit: 'ms',
        better: 'lower',
        target: GOAL_MS,
        whyMissed: `${fmt(cost.own * 1000, 1)} µs per connection without the load generator's network input: more cores`,
      });
  }
}

/**
 * The loop's CPU per job less the softirq time of its CPU meanwhile, the median over the jobs where that is known
 * (ms): the veth runs the load generator's whole network input (IP, TCP, the socket's wake-up) inside the server's
 * write syscalls, charged to the server as system time, where a miner on another host costs the server nothing of it.
 */
export function ownCpuMs(r: Pick<FanoutResult, 'userMs' | 'sysMs' | 'softirqMs'>): number | undefined {
  const own = r.softirqMs.flatMap((soft, i) => (soft === undefined ? [] : [r.userMs[i]! + r.sysMs[i]! - soft]));
  return own.length > 0 ? percentile(sortedNumbers(own), 0.5) : undefined;
}

/**
 * Several processes: the loops' CPU summed over them, and at 100k connections (measured, not extrapolated) the
 * goal from the wall clock here and from that CPU over 4 cores.
 */
function printSpread(tag: string, r: FanoutResult, processes: number): void {
  if (!r.cpuSumMs || r.cpuSumMs.length === 0) return;
  const cpu = percentile(sortedNumbers(r.cpuSumMs), 0.5);
  const perConnection = (cpu * 1000) / Math.max(1, r.connections);
  info(
    `${tag} loops' CPU summed over the processes, p50`,
    `${fmt(cpu)} ms (${fmt(perConnection, 2)} µs per connection)`,
  );
  if (r.connections < GOAL_CONNECTIONS * 0.99) return;
  const note = `${fmt(r.connections)} connections measured over ${processes} processes on ${cpus().length} cores`;
  goal({
    label: `fan-out to 100k measured, ${processes} processes here: wall p99`,
    key: 'fanout.spread.p99',
    measured: percentile(sortedNumbers(r.allMs), 0.99),
    unit: 'ms',
    better: 'lower',
    target: GOAL_MS,
    whyMissed: `${cpus().length} cores for ${fmt(cpu)} ms of CPU per job (${fmt(perConnection, 2)} µs per connection)`,
  });
  goal({
    label: `fan-out to 100k measured, ${processes} processes: their CPU over 4 cores`,
    key: 'fanout.spread.4',
    measured: cpu / 4,
    unit: 'ms',
    better: 'lower',
    target: GOAL_MS,
    whyMissed: `${fmt(perConnection, 2)} µs of CPU per connection, nearly all the write syscall: more cores`,
  });
  record({ key: 'fanout.spread.cpuPerConnection', measured: perConnection, unit: 'µs', note });
}

/** `processes`: the loop figures are the slowest process's, per connection of one process. */
function printFanout(tag: string, r: FanoutResult, jobs: number, processes = 1): void {
  const each = Math.max(1, r.connections / processes);
  const all = sortedNumbers(r.allMs);
  const server = sortedNumbers(r.serverMs);
  info(`${tag} jobs`, `${jobs}${r.missed > 0 ? ` (${r.missed} notifies missing)` : ''}`);
  info(`${tag} to every connection, p50 / p99`, `${fmt(percentile(all, 0.5))} / ${fmt(percentile(all, 0.99))} ms`);
  info(`${tag} to half of them, p50`, `${fmt(percentile(sortedNumbers(r.medianMs), 0.5))} ms`);
  info(
    `${tag} server loop, p50 / p99`,
    `${fmt(percentile(server, 0.5))} / ${fmt(percentile(server, 0.99))} ms (${fmt((percentile(server, 0.5) * 1000) / each, 2)} µs per connection)`,
  );
  const user = percentile(sortedNumbers(r.userMs), 0.5);
  const sys = percentile(sortedNumbers(r.sysMs), 0.5);
  info(
    `${tag} server loop CPU, p50 user + system`,
    `${fmt(user)} + ${fmt(sys)} ms (${fmt(((user + sys) * 1000) / each, 2)} µs per connection)`,
  );
  const own = ownCpuMs(r);
  const known = r.softirqMs.filter((s) => s !== undefined);
  if (own !== undefined)
    info(
      `${tag} less its CPU's softirq, p50`,
      `${fmt(own)} ms (${fmt((own * 1000) / Math.max(1, r.connections), 2)} µs per connection; softirq p50 ${fmt(percentile(sortedNumbers(known), 0.5))} ms, ${known.length} of ${r.softirqMs.length} jobs on one CPU throughout): the load generator's network input, run by the veth in the server's writes`,
    );
}
