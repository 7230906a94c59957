// New-block fan-out: from a new template to mining.notify received on every one of N connections.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectionBudget } from './connections.js';
import { fmt, goal, heading, info, LoadGen } from './harness.js';
import { percentile, sortedNumbers } from './percentiles.js';
import { blockTemplate, HARD_BITS, startBenchPool } from './pool.js';
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
  missed: number;
}

const ms = (from: bigint, to: bigint | string) => Number(BigInt(to) - from) / 1e6;

export async function measureFanout(connections: number, jobs: number, processes = 1): Promise<FanoutResult> {
  if (processes > 1) return measureFanoutProcesses(connections, jobs, processes);
  const pool = await startBenchPool('LTC', HARD_BITS);
  const gen = LoadGen.start();
  try {
    const users = Array.from({ length: 256 }, (_, i) => pool.user(i));
    const sources = Math.ceil(connections / 25_000);
    await gen.call('connect', { port: pool.port, count: connections, users, sources, timeoutMs: 30_000 });
    return await fanoutJobs(gen, jobs, async (height) => {
      const t0 = process.hrtime.bigint();
      pool.jobs.applyTemplate(blockTemplate(height, HARD_BITS));
      return { serverMs: ms(t0, process.hrtime.bigint()), connections: pool.service.health().connections };
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
  apply: (height: number) => Promise<{ serverMs: number; connections: number }>,
): Promise<FanoutResult> {
  const r: FanoutResult = { connections: 0, allMs: [], medianMs: [], serverMs: [], missed: 0 };
  for (let k = 1; k <= jobs; k++) {
    await gen.call('armNotify', {});
    // process.hrtime is the system's monotonic clock: comparable with the load generator's timestamps.
    const t0 = process.hrtime.bigint();
    const applied = await apply(1000 + k);
    r.connections = applied.connections;
    r.serverMs.push(applied.serverMs);
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
async function measureFanoutProcesses(connections: number, jobs: number, processes: number): Promise<FanoutResult> {
  const script = fileURLToPath(new URL('./stratum-process.ts', import.meta.url));
  const children: ChildProcess[] = [];
  const gen = LoadGen.start();
  const next = (child: ChildProcess) =>
    new Promise<FromStratumProcess>((resolve) => child.once('message', (m) => resolve(m as FromStratumProcess)));
  try {
    for (let i = 0; i < processes; i++)
      children.push(
        fork(script, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
      );
    const ready = await Promise.all(children.map(next));
    const per = Math.ceil(connections / processes);
    for (const [i, msg] of ready.entries()) {
      if (msg.type !== 'ready') throw new Error(`stratum process ${i}: ${msg.type} before ready`);
      const count = Math.min(per, connections - i * per);
      await gen.call('connect', {
        port: msg.port,
        count,
        users: msg.users,
        sources: Math.ceil(count / 25_000),
        timeoutMs: 30_000,
      });
    }
    return await fanoutJobs(gen, jobs, async (height) => {
      const answers = Promise.all(children.map(next));
      for (const c of children) c.send({ type: 'apply', height } satisfies ToStratumProcess);
      const applied = (await answers).filter((a) => a.type === 'applied');
      return {
        serverMs: Math.max(...applied.map((a) => a.serverMs)),
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

export async function benchFanout(
  wanted = Number(process.env.BENCH_FANOUT_CONNECTIONS ?? 10_000),
  jobs = Number(process.env.BENCH_FANOUT_JOBS ?? 20),
  processes = Number(process.env.BENCH_FANOUT_PROCESSES ?? 2),
): Promise<void> {
  heading('3. New-block fan-out: new template → mining.notify received on every connection');
  for (const n of processes > 1 ? [1, processes] : [1]) {
    const r = await measureFanout(connectionBudget(wanted), jobs, n);
    const tag = `[${n} stratum process${n > 1 ? 'es' : ''}]`;
    const all = sortedNumbers(r.allMs);
    const server = sortedNumbers(r.serverMs);
    info(
      `${tag} connections / jobs`,
      `${r.connections} / ${jobs}${r.missed > 0 ? ` (${r.missed} notifies missing)` : ''}`,
    );
    info(`${tag} to every connection, p50 / p99`, `${fmt(percentile(all, 0.5))} / ${fmt(percentile(all, 0.99))} ms`);
    info(`${tag} to half of them, p50`, `${fmt(percentile(sortedNumbers(r.medianMs), 0.5))} ms`);
    info(
      `${tag} server event loop busy, p50 / p99`,
      `${fmt(percentile(server, 0.5))} / ${fmt(percentile(server, 0.99))} ms`,
    );
    const scale = GOAL_CONNECTIONS / Math.max(1, r.connections);
    goal({
      label: `${tag} fan-out to 100k, p99${scale > 1 ? ` (×${fmt(scale)} linear extrapolation)` : ''}`,
      measured: percentile(all, 0.99) * Math.max(1, scale),
      unit: 'ms',
      better: 'lower',
      target: GOAL_MS,
      whyMissed:
        n === 1
          ? 'one synchronous loop with a write syscall per socket (the notify is encoded once per job): 100k sockets in 250 ms need several server processes'
          : `each process still writes one syscall per socket; on loopback the load generator shares the ${n > 1 ? 'same' : ''} cores with the servers`,
    });
  }
}
