// Share throughput of one stratum server process: the load generator pipelines valid shares into the real server
// (framing, session, JobManager.checkShare with native hashing, BatchingShareQueue) and times each acknowledgement.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scrypt, sha256d } from '../fargate/src/hashing/index.js';
import { MAX_IN_FLIGHT } from '../fargate/src/stratum/connection.js';
import { BENCH_ADDON, bundleBenchScript } from './bundle.js';
import { fmt, goal, heading, info, LoadGen, nextMessage, record } from './harness.js';
import { hashRate, scryptBatchRate } from './hashing.js';
import type { ThroughputResult } from './loadgen.js';
import { syscallCost } from './native.js';
import type { BenchCoin } from './pool.js';
import type { FromShareServer, ToShareServer } from './share-server.js';

export interface ThroughputOptions {
  coins: BenchCoin[];
  connections: number;
  /** Submits in flight per connection in the closed-loop (maximum rate) run. */
  window: number;
  warmupSeconds: number;
  seconds: number;
  /**
   * Closed-loop runs on the same server (1): the figure is the median run by the server's CPU a share, so that one
   * lucky or unlucky run on a shared VM is not it; every run is printed.
   */
  repeat?: number;
}

export const defaultThroughput: ThroughputOptions = {
  coins: ['BTC', 'LTC'],
  // A share is answered once its batch is durable (500 shares or 25 ms); a connection pipelines up to 64 submits,
  // but real pools have thousands of miners with a few shares in flight each: so does the bench.
  connections: 4000,
  window: 2,
  warmupSeconds: 1,
  seconds: 5,
  repeat: Number(process.env.BENCH_THROUGHPUT_REPEAT ?? 3),
};

const GOALS: Record<BenchCoin, { algorithm: string; sharesPerSecond: number; hash: (h: Uint8Array) => Buffer }> = {
  BTC: { algorithm: 'sha256d', sharesPerSecond: 100_000, hash: sha256d },
  LTC: { algorithm: 'scrypt', sharesPerSecond: 15_000, hash: scrypt },
};
const ACK_P99_GOAL_MS = 50;
/** queue.maxWaitMs for the journal run: an fsync per window costs the disk, not SQS requests. */
const JOURNAL_WINDOW_MS = 5;

/**
 * A load generator run with `serverBusy`: the server process's CPU time per wall second over the call (1 = one
 * core); `serverUserBusy` the user part of it (JavaScript, V8 and the addon), the rest being system time (the socket
 * syscalls, with loopback's TCP input of the other end).
 */
export type ServerRun = ThroughputResult & { serverBusy: number; serverUserBusy: number };

export interface CoinThroughput {
  /** The median of `runs` by the server's CPU a share. */
  max: ServerRun;
  /** Every closed-loop run, in order. */
  runs: ServerRun[];
  /**
   * Open loop at half the maximum rate: the acknowledgement latency a miner sees. Each share is its own read and
   * write here (a connection has one share in flight), as from real miners, so the server's CPU per share is higher
   * than in the closed loop, where a read carries two.
   */
  paced: ServerRun;
  queuedShares: number;
  batches: number;
  /** The SQS messages the batches became (v3 share tables, encoded in the server process as the container does) and bytes. */
  messages: number;
  bytes: number;
}

/**
 * Acknowledgement latency in open loop at `rate` with queue.ackAfter = journal and a `maxWaitMs` batch window: the
 * ack waits for the window's fsync only (a real spool on this machine's disk), not for SQS.
 */
export async function measureJournalAck(
  coin: BenchCoin,
  o: ThroughputOptions,
  rate: number,
  maxWaitMs: number,
): Promise<ServerRun> {
  const spoolDir = await mkdtemp(join(tmpdir(), 'bench-spool-'));
  const server = await ShareServerProcess.start(coin, { spoolDir, maxWaitMs });
  const gen = LoadGen.start();
  try {
    await connectAll(gen, server, o.connections);
    return await server.timed(() =>
      gen.call('throughput', { warmupSeconds: o.warmupSeconds, seconds: o.seconds, window: 0, rate }),
    );
  } finally {
    await gen.stop();
    await server.stop();
    await rm(spoolDir, { recursive: true, force: true });
  }
}

/**
 * The share server in a process of its own, bundled as the container's server is (bench/bundle.ts: no tsx in the
 * share path), driven over IPC: its port and users, its CPU time, its queue's flush.
 */
class ShareServerProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
    readonly users: string[],
  ) {}

  /** `journal`: queue.ackAfter = journal, spooled in `spoolDir` with a `maxWaitMs` batch window. */
  static async start(coin: BenchCoin, journal?: { spoolDir: string; maxWaitMs: number }): Promise<ShareServerProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-share-server-'));
    const spool = journal
      ? { BENCH_SHARE_SERVER_SPOOL: journal.spoolDir, BENCH_SHARE_SERVER_WINDOW_MS: String(journal.maxWaitMs) }
      : {};
    // BENCH_SHARE_SERVER_NODE_FLAGS: the share server's own Node flags (e.g. --cpu-prof --cpu-prof-dir=…, which
    // NODE_OPTIONS does not take), after the bench's.
    const flags = (process.env.BENCH_SHARE_SERVER_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
    const child = fork(bundleBenchScript('share-server', dir), [], {
      execArgv: [...process.execArgv, ...flags],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...spool, BENCH_SHARE_SERVER_COIN: coin, POOL_HASHING_ADDON: BENCH_ADDON },
    });
    const ready = await nextMessage<FromShareServer>(child, 'share server');
    if (ready.type !== 'ready') throw new Error(`share server sent ${ready.type} before ready`);
    return new ShareServerProcess(child, dir, ready.port, ready.users);
  }

  /** The server's CPU time so far (µs): user + system, and user alone. */
  async cpuMicros(): Promise<{ micros: number; userMicros: number }> {
    const m = await this.ask({ type: 'cpu' });
    if (m.type !== 'cpu') throw new Error(`share server answered ${m.type} to cpu`);
    return m;
  }

  /** Runs a load generator call; its result with the server's CPU time per wall second over the whole call. */
  async timed(run: () => Promise<ThroughputResult>): Promise<ServerRun> {
    const before = await this.cpuMicros();
    const wall = performance.now();
    const r = await run();
    const after = await this.cpuMicros();
    const ms = performance.now() - wall;
    return {
      ...r,
      serverBusy: (after.micros - before.micros) / 1e3 / ms,
      serverUserBusy: (after.userMicros - before.userMicros) / 1e3 / ms,
    };
  }

  /** Flushes its queue: the shares and batches handed to the transport, and the SQS messages they became. */
  async flush(): Promise<{ shares: number; batches: number; messages: number; bytes: number }> {
    const m = await this.ask({ type: 'flush' });
    if (m.type !== 'flushed') throw new Error(`share server answered ${m.type} to flush`);
    return m;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.connected) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.send({ type: 'stop' } satisfies ToShareServer);
      const kill = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(kill);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private ask(msg: ToShareServer): Promise<FromShareServer> {
    const reply = nextMessage<FromShareServer>(this.child, 'share server');
    this.child.send(msg);
    return reply;
  }
}

/** Measures one coin: the maximum rate (closed loop), then latency at half of it (open loop). */
export async function measureThroughput(coin: BenchCoin, o: ThroughputOptions): Promise<CoinThroughput> {
  const server = await ShareServerProcess.start(coin);
  const gen = LoadGen.start();
  try {
    await connectAll(gen, server, o.connections);
    // The server's CPU share over the whole call (warmup, window, drain) is its utilisation.
    const runs: ServerRun[] = [];
    for (let i = 0; i < Math.max(1, o.repeat ?? 1); i++)
      runs.push(
        await server.timed(() =>
          gen.call('throughput', { warmupSeconds: o.warmupSeconds, seconds: o.seconds, window: o.window }),
        ),
      );
    const max = [...runs].sort((a, b) => microsPerShare(a) - microsPerShare(b))[Math.floor((runs.length - 1) / 2)]!;
    const rate = Math.max(1, Math.floor((max.accepted / max.seconds) * 0.5));
    const paced = await server.timed(() =>
      gen.call('throughput', { warmupSeconds: o.warmupSeconds, seconds: o.seconds, window: 0, rate }),
    );
    const { shares, batches, messages, bytes } = await server.flush();
    return { max, runs, paced, queuedShares: shares, batches, messages, bytes };
  } finally {
    await gen.stop();
    await server.stop();
  }
}

/** The load generator's `count` connections to the share server, every one of them up, or why not. */
async function connectAll(gen: LoadGen, server: ShareServerProcess, count: number): Promise<void> {
  const c = await gen.call('connect', { port: server.port, count, users: server.users, sources: 1, timeoutMs: 10_000 });
  if (c.connected < count) throw new Error(`only ${c.connected} connections: ${c.firstError}`);
}

/** The server's CPU µs per accepted share in a run (`user`: its user time alone). */
function microsPerShare(r: ServerRun, part: 'all' | 'user' = 'all'): number {
  return ((part === 'user' ? r.serverUserBusy : r.serverBusy) * 1e6) / Math.max(1, r.accepted / r.seconds);
}

/** Why an open-loop ack p99 missed: a saturated server (over 90 % of a core), with its CPU a share, or `otherwise`. */
function whySlow(r: ServerRun, mode: string, otherwise: string): string {
  if (r.serverBusy <= 0.9) return otherwise;
  return `the server was saturated: ${fmt(r.serverBusy * 100, 0)}% of one core at this rate in ${mode} mode (${fmt(microsPerShare(r))} µs a share)`;
}

export async function benchThroughput(o: ThroughputOptions = defaultThroughput): Promise<void> {
  heading('1. Share throughput of one server process (valid shares, real validation + batching queue)');
  info('load', `${o.connections} connections, ${o.window} submits in flight each; then open loop at half the max`);
  info('server', 'esbuild bundle as the container runs it, in a process of its own (bench/bundle.ts)');
  // The kernel's part of a share starts with entering and leaving it: what that alone costs on this machine.
  const syscall = syscallCost();
  if (typeof syscall === 'string') info('a system call that does nothing', `not measured: ${syscall}`);
  else {
    info(
      'a system call that does nothing',
      `${fmt(syscall.medianNs)} ns median, ${fmt(syscall.bestNs)} ns best (getppid, C: bench/native/syscall-cost.c; bare metal ~100)`,
    );
    record({ key: 'machine.syscallNs', measured: syscall.medianNs, unit: 'ns' });
  }
  const syscallNote =
    typeof syscall === 'string' ? '' : `, where a system call that does nothing costs ${fmt(syscall.medianNs)} ns`;
  for (const coin of o.coins) {
    const g = GOALS[coin];
    const r = await measureThroughput(coin, o);
    const rate = r.max.accepted / r.max.seconds;
    // A turn's scrypt shares are hashed in SIMD lane groups (fargate/src/hashing/turn-batch.ts): the batch rate of the
    // CPU's widest kernel is the limit.
    const native = coin === 'LTC' ? scryptBatchRate(1) : hashRate(g.hash, 1);
    const genBusy = r.max.cpuSeconds / r.max.seconds;
    goal({
      label: `${g.algorithm} (${coin}) accepted shares/s`,
      key: `throughput.${g.algorithm}`,
      measured: rate,
      unit: 'shares/s',
      better: 'higher',
      target: g.sharesPerSecond,
      whyMissed:
        rate / native > 0.5
          ? `the ${g.algorithm} hash itself: the native addon does ${fmt(native)} hashes/s on this core`
          : genBusy > 0.9
            ? `the load generator used ${fmt(genBusy * 100, 0)}% of a core: on ${'2 cores'} it shares the machine with the server`
            : `the server's CPU per share (${fmt(microsPerShare(r.max), 2)} µs: ${fmt(microsPerShare(r.max) - microsPerShare(r.max, 'user'), 2)} of it the kernel's reads and writes on loopback${syscallNote}; the rest framing, the share check, the queue and its encoding; see docs/performance.md); hashing is ${fmt((rate / native) * 100, 1)}% of it`,
    });
    if (r.runs.length > 1)
      info(
        `  closed-loop runs (${r.runs.length}; the median is the figure)`,
        r.runs
          .map((run) => `${fmt(run.accepted / run.seconds)} shares/s at ${fmt(microsPerShare(run), 2)} µs a share`)
          .join('; '),
      );
    info('  server process CPU', `${fmt(r.max.serverBusy * 100, 0)}% of one core`);
    info('  per server CPU-second', `${fmt(rate / r.max.serverBusy)} shares`);
    record({ key: `throughput.${g.algorithm}.perCpuSecond`, measured: rate / r.max.serverBusy, unit: 'shares' });
    const micros = microsPerShare(r.max);
    const userMicros = microsPerShare(r.max, 'user');
    info(
      '  server CPU a share: user / system',
      `${fmt(micros, 2)} µs: ${fmt(userMicros, 2)} user (JavaScript, V8, the addon) / ${fmt(micros - userMicros, 2)} system (socket reads and writes, with loopback's TCP input of the load generator)`,
    );
    record({ key: `throughput.${g.algorithm}.userMicros`, measured: userMicros, unit: 'µs/share' });
    record({ key: `throughput.${g.algorithm}.native`, measured: native, unit: 'hashes/s' });
    info('  load generator CPU in the window', `${fmt(genBusy * 100, 0)}% of one core`);
    info(`  native ${g.algorithm} hash rate (physical limit)`, `${fmt(native)} hashes/s`);
    info('  shares/s as a share of the hash rate', `${fmt((rate / native) * 100, 1)}%`);
    info('  rejected in the window', `${r.max.rejected}${r.max.firstRejection ? ` (${r.max.firstRejection})` : ''}`);
    info('  ack latency at the max rate, p50 / p99', `${fmt(r.max.latencyMs.p50)} / ${fmt(r.max.latencyMs.p99)} ms`);
    info('  open loop rate', `${fmt(r.paced.accepted / r.paced.seconds)} shares/s`);
    const pacedMicros = microsPerShare(r.paced);
    info(
      '  server CPU per share, open loop (a read and a write each)',
      `${fmt(pacedMicros)} µs (${fmt(r.paced.serverBusy * 100, 0)}% of one core)`,
    );
    record({ key: `throughput.${g.algorithm}.openLoopMicros`, measured: pacedMicros, unit: 'µs/share' });
    goal({
      label: `  ${g.algorithm} ack p99 (open loop, half max rate)`,
      key: `throughput.${g.algorithm}.ackP99`,
      measured: r.paced.latencyMs.p99,
      unit: 'ms',
      better: 'lower',
      target: ACK_P99_GOAL_MS,
      whyMissed: whySlow(
        r.paced,
        'queue',
        'the queue acknowledges a share only when its batch is sent: 500 shares or 25 ms (queue.maxWaitMs)',
      ),
    });
    info('  ack p50 (open loop)', `${fmt(r.paced.latencyMs.p50)} ms`);
    // The same rate with queue.ackAfter = journal and a 5 ms window: the ack is the fsync, SQS is off the path.
    const rate2 = Math.max(1, Math.floor(r.paced.accepted / r.paced.seconds));
    const j = await measureJournalAck(coin, o, rate2, JOURNAL_WINDOW_MS);
    goal({
      label: `  ${g.algorithm} ack p99, ackAfter journal, ${JOURNAL_WINDOW_MS} ms window`,
      key: `throughput.${g.algorithm}.journalP99`,
      measured: j.latencyMs.p99,
      unit: 'ms',
      better: 'lower',
      target: ACK_P99_GOAL_MS,
      whyMissed: whySlow(
        j,
        'journal',
        'the event loop of a loaded server, or fsync on this disk, delays the batch windows',
      ),
    });
    const journalMicros = microsPerShare(j);
    info('  ack p50 (journal)', `${fmt(j.latencyMs.p50)} ms at ${fmt(j.accepted / j.seconds)} shares/s`);
    info(
      '  server CPU per share (journal, open loop)',
      `${fmt(journalMicros)} µs (${fmt(j.serverBusy * 100, 0)}% of one core; ${fmt(pacedMicros)} in queue mode)`,
    );
    record({ key: `throughput.${g.algorithm}.journalMicros`, measured: journalMicros, unit: 'µs/share' });
    info('  batches sent / shares per batch', `${r.batches} / ${fmt(r.queuedShares / Math.max(1, r.batches))}`);
    info(
      '  SQS messages / bytes a share (encoded in the server)',
      `${r.messages} / ${fmt(r.bytes / Math.max(1, r.queuedShares))}`,
    );
  }
  if (o.coins.includes('BTC')) {
    // One connection carrying many rigs (a stratum proxy): its submits pipelined up to the connection's in-flight bound.
    const one = await measureThroughput('BTC', { ...o, connections: 1, window: MAX_IN_FLIGHT, repeat: 1 });
    const rate = one.max.accepted / one.max.seconds;
    info(`one connection, ${MAX_IN_FLIGHT} submits in flight (sha256d)`, `${fmt(rate)} shares/s`);
    record({ key: 'throughput.oneConnection', measured: rate, unit: 'shares/s' });
  }
}
