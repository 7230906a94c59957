// New-block fan-out: from a new template to mining.notify received on every one of N connections.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectionBudget } from './connections.js';
import { fmt, goal, heading, info, LoadGen, record } from './harness.js';
import { type BenchNetwork, raiseOpenFiles, withBenchNetwork } from './netns.js';
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
  missed: number;
}

const ms = (from: bigint, to: bigint | string) => Number(BigInt(to) - from) / 1e6;

/** Where the load generator runs and how it reaches the server: loopback unless bench/netns.ts made a namespace. */
const LOOPBACK = { serverHost: '127.0.0.1', loadgenPrefix: [] as string[] };
type Net = Pick<BenchNetwork, 'serverHost' | 'loadgenPrefix'> & { sources?: string[] };

/** The load generator's connect arguments toward `port` on the bench network. */
function connectArgs(net: Net, port: number, count: number, users: string[]) {
  const sources = Math.ceil(count / 25_000);
  return {
    port,
    count,
    users,
    sources,
    host: net.serverHost,
    ...(net.sources && { sourceAddresses: net.sources }),
    timeoutMs: 60_000,
  };
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
    await gen.call('connect', connectArgs(net, pool.port, connections, users));
    return await fanoutJobs(gen, jobs, async (height) => {
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

/** Per job: arm the load generator, apply a new template (`apply`), and time the notifies' arrival. */
async function fanoutJobs(
  gen: LoadGen,
  jobs: number,
  apply: (
    height: number,
  ) => Promise<{ serverMs: number; userMs: number; sysMs: number; softirqMs?: number; connections: number }>,
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
    await gen.call('armNotify', {});
    // process.hrtime is the system's monotonic clock: comparable with the load generator's timestamps.
    const t0 = process.hrtime.bigint();
    const applied = await apply(1000 + k);
    r.connections = applied.connections;
    r.serverMs.push(applied.serverMs);
    r.userMs.push(applied.userMs);
    r.sysMs.push(applied.sysMs);
    r.softirqMs.push(applied.softirqMs);
    const seen = await gen.call('collectNotify', { timeoutMs: 10_000 });
    r.missed += r.connections - seen.seen;
    r.allMs.push(ms(t0, seen.lastAt));
    r.medianMs.push(ms(t0, seen.medianAt));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return r;
}

/**
 * The same with the connections spread over `processes` stratum processes (as a task with POOL_STRATUM_PROCESSES
 * runs them; the NLB and the cluster primary spread miners evenly): each gets the new template at the same moment
 * over IPC and writes to its own connections on its own core. `serverMs`: the slowest process's loop.
 */
async function measureFanoutProcesses(
  connections: number,
  jobs: number,
  processes: number,
  net: Net,
): Promise<FanoutResult> {
  const script = fileURLToPath(new URL('./stratum-process.ts', import.meta.url));
  const children: ChildProcess[] = [];
  const gen = LoadGen.start(net.loadgenPrefix);
  const next = (child: ChildProcess) =>
    new Promise<FromStratumProcess>((resolve) => child.once('message', (m) => resolve(m as FromStratumProcess)));
  try {
    for (let i = 0; i < processes; i++)
      children.push(
        fork(script, [], {
          execArgv: ['--import', 'tsx'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          env: { ...process.env, BENCH_STRATUM_HOST: net.serverHost },
        }),
      );
    const ready = await Promise.all(children.map(next));
    const per = Math.ceil(connections / processes);
    for (const [i, msg] of ready.entries()) {
      if (msg.type !== 'ready') throw new Error(`stratum process ${i}: ${msg.type} before ready`);
      const count = Math.min(per, connections - i * per);
      await gen.call('connect', connectArgs(net, msg.port, count, msg.users));
    }
    return await fanoutJobs(gen, jobs, async (height) => {
      const answers = Promise.all(children.map(next));
      for (const c of children) c.send({ type: 'apply', height } satisfies ToStratumProcess);
      const applied = (await answers).filter((a) => a.type === 'applied');
      return {
        serverMs: Math.max(...applied.map((a) => a.serverMs)),
        userMs: Math.max(...applied.map((a) => a.userMs)),
        sysMs: Math.max(...applied.map((a) => a.sysMs)),
        connections: applied.reduce((n, a) => n + a.connections, 0),
      };
    });
  } finally {
    await gen.stop();
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            c.once('exit', () => resolve());
            c.send({ type: 'stop' } satisfies ToStratumProcess);
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

export async function benchFanout(
  sizes = fanoutSizes(),
  jobs = Number(process.env.BENCH_FANOUT_JOBS ?? 20),
  processes = Number(process.env.BENCH_FANOUT_PROCESSES ?? 1),
): Promise<void> {
  heading('3. New-block fan-out: new template → mining.notify received on every connection');
  const largest = Math.max(...sizes);
  raiseOpenFiles(largest + 1_000);
  /**
   * Per size measured in one process, per connection (ms): the p99 to every connection, the loop's CPU time, and that
   * CPU time less its CPU's softirq time (the load generator's network input; undefined where it cannot be told).
   */
  const perConnection = new Map<number, { p99: number; cpu: number; own?: number }>();
  await withBenchNetwork(largest, async (net) => {
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
      const r = await measureFanout(connectionBudget(largest), jobs, processes, net);
      printFanout(`[${processes} processes, ${fmt(r.connections)}]`, r, jobs);
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

function printFanout(tag: string, r: FanoutResult, jobs: number): void {
  const all = sortedNumbers(r.allMs);
  const server = sortedNumbers(r.serverMs);
  info(`${tag} jobs`, `${jobs}${r.missed > 0 ? ` (${r.missed} notifies missing)` : ''}`);
  info(`${tag} to every connection, p50 / p99`, `${fmt(percentile(all, 0.5))} / ${fmt(percentile(all, 0.99))} ms`);
  info(`${tag} to half of them, p50`, `${fmt(percentile(sortedNumbers(r.medianMs), 0.5))} ms`);
  info(
    `${tag} server loop, p50 / p99`,
    `${fmt(percentile(server, 0.5))} / ${fmt(percentile(server, 0.99))} ms (${fmt((percentile(server, 0.5) * 1000) / Math.max(1, r.connections), 2)} µs per connection)`,
  );
  const user = percentile(sortedNumbers(r.userMs), 0.5);
  const sys = percentile(sortedNumbers(r.sysMs), 0.5);
  info(
    `${tag} server loop CPU, p50 user + system`,
    `${fmt(user)} + ${fmt(sys)} ms (${fmt(((user + sys) * 1000) / Math.max(1, r.connections), 2)} µs per connection)`,
  );
  const own = ownCpuMs(r);
  const known = r.softirqMs.filter((s) => s !== undefined);
  if (own !== undefined)
    info(
      `${tag} less its CPU's softirq, p50`,
      `${fmt(own)} ms (${fmt((own * 1000) / Math.max(1, r.connections), 2)} µs per connection; softirq p50 ${fmt(percentile(sortedNumbers(known), 0.5))} ms, ${known.length} of ${r.softirqMs.length} jobs on one CPU throughout): the load generator's network input, run by the veth in the server's writes`,
    );
}
