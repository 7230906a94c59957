// Idle connections one server process holds: miners that subscribed, authorized and got their first job, then wait.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fmt, goal, heading, info, LoadGen, openFilesLimit, record } from './harness.js';
import { type BenchNetwork, PORTS_PER_SOURCE, raiseOpenFiles, withBenchNetwork } from './netns.js';
import { HARD_BITS, startBenchPool } from './pool.js';

const GOAL_CONNECTIONS = 100_000;
const GOAL_BYTES_PER_CONNECTION = 10 * 1024;
/** How long the connections sit idle before memory is read (BENCH_IDLE_SECONDS). */
const IDLE_SETTLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
/** File descriptors this process needs besides its sockets (stdio, the daemon's HTTP, the listener, libuv). */
const FD_HEADROOM = 200;

/** How many connections fit under this process's open-files limit; prints what limits it and how to raise it. */
export function connectionBudget(wanted: number): number {
  const limit = openFilesLimit();
  info('ulimit -n (open files per process)', limit ? `${limit.soft} (hard ${limit.hard})` : 'unknown');
  if (limit) {
    record({ key: 'connections.openFiles', measured: limit.soft, unit: '' });
    record({ key: 'connections.openFilesHard', measured: limit.hard, unit: '' });
  }
  if (!limit || wanted + FD_HEADROOM <= limit.soft) return wanted;
  const fit = Math.max(1, limit.soft - FD_HEADROOM);
  console.log(
    `  ! ${wanted} connections need ${wanted + FD_HEADROOM} file descriptors in the server and in the load generator;` +
      ` the limit is ${limit.soft}, so ${fit} are used.\n    Raise it before the bench (e.g. \`ulimit -n 1048576\`; ` +
      'beyond the hard limit that needs root with CAP_SYS_RESOURCE, which containers often lack).',
  );
  return fit;
}

/** A full collection, so that RSS differences are live memory rather than garbage. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

export interface ConnectionsResult {
  connected: number;
  failed: number;
  firstError?: string;
  seconds: number;
  rssBytesPerConnection: number;
  heapBytesPerConnection: number;
  /** V8 heap pages committed (used or not), and memory outside the heap (Buffers, native objects) per connection. */
  heapTotalBytesPerConnection: number;
  externalBytesPerConnection: number;
}

export async function measureConnections(
  count: number,
  net?: Pick<BenchNetwork, 'serverHost' | 'sources' | 'loadgenPrefix'>,
  idleSeconds = IDLE_SETTLE_SECONDS,
): Promise<ConnectionsResult> {
  const pool = await startBenchPool('LTC', HARD_BITS, { host: net?.serverHost });
  const gen = LoadGen.start(net?.loadgenPrefix);
  try {
    collectGarbage();
    const before = process.memoryUsage();
    const users = Array.from({ length: 256 }, (_, i) => pool.user(i));
    const sources = Math.ceil(count / PORTS_PER_SOURCE);
    const c = await gen.call('connect', {
      port: pool.port,
      count,
      users,
      sources,
      ...(net && { host: net.serverHost, sourceAddresses: net.sources }),
      timeoutMs: 60_000,
    });
    // Idle connections: measured once the connect burst's garbage is gone and V8's memory reducer (which runs after a
    // few seconds of low allocation) has shrunk the heap the burst grew, as in a process whose miners connected
    // minutes ago (its committed heap shrinks; the RSS keeps most of those pages). The last second's figure counts.
    let after = process.memoryUsage();
    collectGarbage();
    for (let s = 0; s < idleSeconds; s++) {
      await new Promise((r) => setTimeout(r, 1000));
      collectGarbage();
      after = process.memoryUsage();
    }
    const n = Math.max(1, pool.service.health().connections);
    return {
      connected: pool.service.health().connections,
      failed: c.failed,
      firstError: c.firstError,
      seconds: c.seconds,
      rssBytesPerConnection: (after.rss - before.rss) / n,
      heapBytesPerConnection: (after.heapUsed - before.heapUsed) / n,
      heapTotalBytesPerConnection: (after.heapTotal - before.heapTotal) / n,
      externalBytesPerConnection: (after.external - before.external) / n,
    };
  } finally {
    await gen.stop();
    await pool.stop();
  }
}

export async function benchConnections(wanted = Number(process.env.BENCH_CONNECTIONS ?? 100_000)): Promise<void> {
  heading('2. Idle connections held by one server process (subscribed, authorized, first job received)');
  raiseOpenFiles(wanted + 1_000);
  const count = connectionBudget(wanted);
  const r = await withBenchNetwork(count, (net) => measureConnections(count, net));
  info('connections opened', `${r.connected} of ${count} in ${fmt(r.seconds)} s (${fmt(r.connected / r.seconds)}/s)`);
  if (r.failed > 0) info('failed', `${r.failed} (first: ${r.firstError})`);
  goal({
    label: 'connections held by one process',
    key: 'connections.held',
    measured: r.connected,
    unit: 'connections',
    better: 'higher',
    target: GOAL_CONNECTIONS,
    whyMissed:
      r.connected >= wanted
        ? `only ${wanted} were asked for (BENCH_CONNECTIONS); the RSS figure below extrapolates`
        : r.failed > 0
          ? `${r.failed} connections failed (first: ${r.firstError})`
          : 'the open-files limit of this machine (see above), not the server',
  });
  goal({
    label: 'RSS per connection (process, user space)',
    key: 'connections.rss',
    measured: r.rssBytesPerConnection / 1024,
    unit: 'KiB',
    better: 'lower',
    target: GOAL_BYTES_PER_CONNECTION / 1024,
    whyMissed: 'per-connection objects: socket + stream buffers, Session, Vardiff, Connection closures, two timers',
  });
  info(
    '  of which JS heap used / committed',
    `${fmt(r.heapBytesPerConnection / 1024)} / ${fmt(r.heapTotalBytesPerConnection / 1024)} KiB`,
  );
  record({ key: 'connections.heap', measured: r.heapBytesPerConnection / 1024, unit: 'KiB' });
  info('  external (Buffers, native)', `${fmt(r.externalBytesPerConnection / 1024)} KiB`);
  info('  RSS at 100,000 connections (extrapolated)', `${fmt((r.rssBytesPerConnection * 100_000) / 2 ** 20)} MiB`);
  info('  not counted', 'kernel socket buffers (skmem), outside the process RSS');
}
