// New-block fan-out: from a new template to mining.notify received on every one of N connections.
import { connectionBudget } from './connections.js';
import { fmt, goal, heading, info, LoadGen, percentile, sortedNumbers } from './harness.js';
import { blockTemplate, HARD_BITS, startBenchPool } from './pool.js';

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

export async function measureFanout(connections: number, jobs: number): Promise<FanoutResult> {
  const pool = await startBenchPool('LTC', HARD_BITS);
  const gen = LoadGen.start();
  const r: FanoutResult = { connections: 0, allMs: [], medianMs: [], serverMs: [], missed: 0 };
  try {
    const users = Array.from({ length: 256 }, (_, i) => pool.user(i));
    const sources = Math.ceil(connections / 25_000);
    await gen.call('connect', { port: pool.port, count: connections, users, sources, timeoutMs: 30_000 });
    r.connections = pool.service.health().connections;
    for (let k = 1; k <= jobs; k++) {
      await gen.call('armNotify', {});
      const t0 = process.hrtime.bigint();
      // process.hrtime is the system's monotonic clock: comparable with the load generator's timestamps.
      pool.service.jobs.applyTemplate(blockTemplate(1000 + k, HARD_BITS));
      r.serverMs.push(ms(t0, process.hrtime.bigint()));
      const seen = await gen.call('collectNotify', { timeoutMs: 10_000 });
      r.missed += r.connections - seen.seen;
      r.allMs.push(ms(t0, seen.lastAt));
      r.medianMs.push(ms(t0, seen.medianAt));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return r;
  } finally {
    await gen.stop();
    await pool.stop();
  }
}

export async function benchFanout(
  wanted = Number(process.env.BENCH_FANOUT_CONNECTIONS ?? 10_000),
  jobs = Number(process.env.BENCH_FANOUT_JOBS ?? 20),
): Promise<void> {
  heading('3. New-block fan-out: new template → mining.notify received on every connection');
  const r = await measureFanout(connectionBudget(wanted), jobs);
  const all = sortedNumbers(r.allMs);
  const server = sortedNumbers(r.serverMs);
  info('connections / jobs', `${r.connections} / ${jobs}${r.missed > 0 ? ` (${r.missed} notifies missing)` : ''}`);
  info('to every connection, p50 / p99', `${fmt(percentile(all, 0.5))} / ${fmt(percentile(all, 0.99))} ms`);
  info('to half of them, p50', `${fmt(percentile(sortedNumbers(r.medianMs), 0.5))} ms`);
  info('server event loop busy, p50 / p99', `${fmt(percentile(server, 0.5))} / ${fmt(percentile(server, 0.99))} ms`);
  const scale = GOAL_CONNECTIONS / Math.max(1, r.connections);
  goal({
    label: `fan-out to 100k, p99${scale > 1 ? ` (×${fmt(scale)} linear extrapolation)` : ''}`,
    measured: percentile(all, 0.99) * Math.max(1, scale),
    unit: 'ms',
    better: 'lower',
    target: GOAL_MS,
    whyMissed:
      'one synchronous loop with a write syscall per socket (the notify is encoded once per job): 100k sockets in 250 ms need several server processes',
  });
}
