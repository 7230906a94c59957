// Idle connections one server process holds: miners that subscribed, authorized and got their first job, then wait.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_ADDON, bundleBenchScript } from './bundle.js';
import type { FromConnectionServer, ToConnectionServer } from './connection-server.js';
import { fmt, goal, heading, info, LoadGen, nextMessage, openFilesLimit, record } from './harness.js';
import { type BenchNetwork, PORTS_PER_SOURCE, raiseOpenFiles, withBenchNetwork } from './netns.js';

const GOAL_CONNECTIONS = 100_000;
const GOAL_BYTES_PER_CONNECTION = 10 * 1024;
/**
 * How long the connections sit idle before memory is read (BENCH_IDLE_SECONDS): long enough for the server's quiet
 * release (a look every 10 s, after a whole quiet interval: fargate/src/memory-release.ts) and its sweep that gives
 * back the connections' empty queues (every 30 s with the default retarget), as in a process whose miners connected
 * minutes ago.
 */
const IDLE_SETTLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 35);
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
  /** V8's young generation after the idle wait, resident bytes (whole, not per connection). */
  youngBytes: number;
  /** Resident KiB by kind of mapping: before the connections, right after the connect burst, after the idle wait. */
  smaps: { before: Record<string, number>; burst: Record<string, number>; idle: Record<string, number> };
  /** The server's CPU time per second of the idle wait (µs, user + system): the idle sweep's cost among it. */
  idleCpuMicrosPerSecond: number;
  /** Garbage the connect burst made per connection (what the collections during it and one after it freed). */
  garbageBytesPerConnection: number;
  /** BENCH_RELEASE=1: RSS per connection after a memory-reducing collection at the end, and its pause. */
  released?: { rssBytesPerConnection: number; pauseMs: number };
  /** V8's heap spaces, resident KiB, at the same three moments. */
  spaces: { before: Record<string, number>; burst: Record<string, number>; idle: Record<string, number> };
}

/** Node flags the server may run with (the container's choice, and what it would cost: docs/performance.md). */
export interface ServerOptions {
  /** e.g. ['--optimize-for-size']; default none. */
  nodeFlags?: readonly string[];
  /** Heap snapshots written before the connections and after the idle wait (bench/heap-diff.ts compares them). */
  snapshots?: { before: string; after: string };
}

export async function measureConnections(
  count: number,
  net?: Pick<BenchNetwork, 'serverHost' | 'sources' | 'loadgenPrefix'>,
  idleSeconds = IDLE_SETTLE_SECONDS,
  server: ServerOptions = {},
): Promise<ConnectionsResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-connections-'));
  const child = fork(bundleBenchScript('connection-server', dir), [], {
    execArgv: [...(server.nodeFlags ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      BENCH_CONNECTION_SERVER: '1',
      POOL_HASHING_ADDON: BENCH_ADDON,
      ...(net && { BENCH_STRATUM_HOST: net.serverHost }),
    },
  });
  const next = () => nextMessage<FromConnectionServer>(child, 'connection server');
  const memory = async () => {
    const answer = next();
    child.send({ type: 'memory' } satisfies ToConnectionServer);
    const m = await answer;
    if (m.type !== 'memory') throw new Error(`connection server: ${m.type} instead of memory`);
    return m;
  };
  const snapshot = async (path: string) => {
    const answer = next();
    child.send({ type: 'snapshot', path } satisfies ToConnectionServer);
    if ((await answer).type !== 'snapshot') throw new Error('connection server: no heap snapshot');
  };
  const gen = LoadGen.start(net?.loadgenPrefix);
  try {
    const ready = await next();
    if (ready.type !== 'ready') throw new Error(`connection server: ${ready.type} before ready`);
    if (server.snapshots) await snapshot(server.snapshots.before);
    const start = await memory();
    child.send({ type: 'gcStart' } satisfies ToConnectionServer);
    const before = start.usage;
    const sources = Math.ceil(count / PORTS_PER_SOURCE);
    const c = await gen.call('connect', {
      port: ready.port,
      count,
      users: ready.users,
      sources,
      ...(net && { host: net.serverHost, sourceAddresses: net.sources }),
      timeoutMs: 60_000,
    });
    // Idle connections: read right after the connect burst, then once after the idle wait (a reading forces a full
    // collection, so the server is left alone between them: its event loop is what tells it that it went quiet).
    const counted = next();
    child.send({ type: 'gcStop' } satisfies ToConnectionServer);
    const garbage = await counted;
    if (garbage.type !== 'garbage') throw new Error(`connection server: ${garbage.type} instead of garbage`);
    const burst = await memory();
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const after = await memory();
    if (server.snapshots) await snapshot(server.snapshots.after);
    let released: ConnectionsResult['released'];
    if (process.env.BENCH_RELEASE === '1') {
      const answer = next();
      child.send({ type: 'release' } satisfies ToConnectionServer);
      const r = await answer;
      if (r.type !== 'released') throw new Error(`connection server: ${r.type} instead of released`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const m = await memory();
      released = { rssBytesPerConnection: (m.usage.rss - before.rss) / Math.max(1, m.connections), pauseMs: r.pauseMs };
    }
    const n = Math.max(1, after.connections);
    const a = after.usage;
    return {
      connected: after.connections,
      failed: c.failed,
      firstError: c.firstError,
      seconds: c.seconds,
      rssBytesPerConnection: (a.rss - before.rss) / n,
      heapBytesPerConnection: (a.heapUsed - before.heapUsed) / n,
      heapTotalBytesPerConnection: (a.heapTotal - before.heapTotal) / n,
      externalBytesPerConnection: (a.external - before.external) / n,
      youngBytes: after.youngBytes,
      smaps: { before: start.smaps, burst: burst.smaps, idle: after.smaps },
      ...(released && { released }),
      garbageBytesPerConnection: garbage.bytes / Math.max(1, after.connections),
      idleCpuMicrosPerSecond:
        (after.cpu.user + after.cpu.system - burst.cpu.user - burst.cpu.system) / Math.max(1, idleSeconds),
      spaces: { before: start.spaces, burst: burst.spaces, idle: after.spaces },
    };
  } finally {
    await gen.stop();
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' } satisfies ToConnectionServer);
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchConnections(wanted = Number(process.env.BENCH_CONNECTIONS ?? 100_000)): Promise<void> {
  heading('2. Idle connections held by one server process (subscribed, authorized, first job received)');
  raiseOpenFiles(wanted + 1_000);
  const count = connectionBudget(wanted);
  // BENCH_SERVER_NODE_FLAGS: the server's Node flags (e.g. --optimize-for-size), to weigh them against the share path.
  const nodeFlags = (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
  info('server', `esbuild bundle as the container's, node ${nodeFlags.join(' ') || '(no flags)'}`);
  const r = await withBenchNetwork(count, (net) => measureConnections(count, net, IDLE_SETTLE_SECONDS, { nodeFlags }));
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
    label: `RSS per connection, ${r.connected} (user space)`,
    key: 'connections.rss',
    measured: r.rssBytesPerConnection / 1024,
    unit: 'KiB',
    better: 'lower',
    target: GOAL_BYTES_PER_CONNECTION / 1024,
    note: `at ${r.connected} connections`,
    whyMissed:
      'pages V8 kept after the connect burst (its memory reducer and the quiet release give them back when the process goes quiet: fargate/src/memory-release.ts); then the socket and its stream states, the Connection, its Session',
  });
  info(
    '  of which JS heap used / committed',
    `${fmt(r.heapBytesPerConnection / 1024)} / ${fmt(r.heapTotalBytesPerConnection / 1024)} KiB`,
  );
  record({ key: 'connections.heap', measured: r.heapBytesPerConnection / 1024, unit: 'KiB' });
  // The connect burst grows V8's young generation (semi-spaces up to --max-semi-space-size); shrunk after the idle wait,
  // its pages stay in the RSS: mostly a fixed cost (docs/performance.md: 79–87 MiB by default, 20 MiB with
  // --max-semi-space-size=4, which the container does not use: it costs the share path a quarter more CPU).
  info(
    '  V8 young generation after the idle wait',
    `${fmt(r.youngBytes / 2 ** 20)} MiB (its burst peak stays in the RSS)`,
  );
  info('  external (Buffers, native)', `${fmt(r.externalBytesPerConnection / 1024)} KiB`);
  info('  garbage of the connect burst', `${fmt(r.garbageBytesPerConnection / 1024)} KiB per connection`);
  // The RSS is a fixed part (the young generation's burst pages) plus a part per connection: a second, smaller
  // population in a fresh server tells them apart, and 100,000 connections are extrapolated from the fit.
  const small = Math.floor(count / 4);
  if (small >= 1_000) {
    const s = await withBenchNetwork(small, (net) =>
      measureConnections(small, net, IDLE_SETTLE_SECONDS, { nodeFlags }),
    );
    const fit = rssFit(
      { connections: s.connected, rssBytes: s.rssBytesPerConnection * s.connected },
      { connections: r.connected, rssBytes: r.rssBytesPerConnection * r.connected },
    );
    info(
      `  RSS fit over ${s.connected} and ${r.connected} connections`,
      `${fmt(fit.perConnection / 1024)} KiB per connection + ${fmt(fit.fixed / 2 ** 20)} MiB fixed`,
    );
    const at100k = fit.perConnection + fit.fixed / 100_000;
    goal({
      label: '  RSS per connection, slope of the fit',
      key: 'connections.rssSlope',
      measured: fit.perConnection / 1024,
      unit: 'KiB',
      better: 'lower',
      target: GOAL_BYTES_PER_CONNECTION / 1024,
      note: `${s.connected} → ${r.connected} connections, ${fmt(fit.fixed / 2 ** 20)} MiB fixed`,
      whyMissed: 'the live heap and native memory of each connection (bench/heap-diff.ts lists it)',
    });
    record({ key: 'connections.rssFixed', measured: fit.fixed / 2 ** 20, unit: 'MiB' });
    goal({
      label: '  RSS at 100,000, by the fit (not measured)',
      key: 'connections.rss100k',
      measured: at100k / 1024,
      unit: 'KiB',
      better: 'lower',
      target: GOAL_BYTES_PER_CONNECTION / 1024,
      note: `extrapolated: this machine opens ${r.connected}`,
      whyMissed: 'the slope above plus the fixed part spread over 100,000',
    });
  } else {
    info('  RSS at 100,000 connections (extrapolated)', `${fmt((r.rssBytesPerConnection * 100_000) / 2 ** 20)} MiB`);
  }
  info('  not counted', 'kernel socket buffers (skmem), outside the process RSS');
}

/** The line through two populations' RSS growth: bytes per connection, and the part no connection count explains. */
export function rssFit(
  a: { connections: number; rssBytes: number },
  b: { connections: number; rssBytes: number },
): { perConnection: number; fixed: number } {
  const perConnection = (b.rssBytes - a.rssBytes) / (b.connections - a.connections);
  return { perConnection, fixed: a.rssBytes - perConnection * a.connections };
}
