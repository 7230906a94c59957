// Block submit latency, as issue 18 words the goal: from the block-solving share's arrival (the server's socket
// `data` event) to `submitblock` on the wire (the request's bytes handed to the kernel: the kept socket's write
// callback). Beside it: the daemon's read of the request (the fake daemon runs in a process of its own), the miner's
// write (the load generator's clock), the way stage by stage, for a scrypt coin (LTC) and a sha256d coin (BTC).
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type Channel, channel } from 'node:diagnostics_channel';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type KeptRequestEvent, keptRequestChannel } from '../adapters/rpc/kept-connection.js';
import { bitcoinFamily } from '../families/bitcoin/index.js';
import { bitcoinJobSource } from '../families/bitcoin/stratum.js';
import type { ChainFamily } from '../families/chain-family.js';
import { ethereumFamily } from '../families/ethereum/index.js';
import { ChainFamilies } from '../families/registry.js';
import { type HeaderHasher, scrypt, scryptBatch } from '../fargate/src/hashing/index.js';
import { TurnBatchHasher } from '../fargate/src/hashing/turn-batch.js';
import { fmt, goal, heading, info, LoadGen, record } from './harness.js';
import { hashRate } from './hashing.js';
import { callgrindTotal, hasValgrind, underCallgrind } from './instructions.js';
import { runProbe } from './native.js';
import { type BenchNetwork, withBenchNetwork } from './netns.js';
import { percentile, sortedNumbers } from './percentiles.js';
import { type BenchCoin, blockTemplate, EASY_BITS, HARD_BITS, startBenchPool } from './pool.js';
import type { FromSubmitClient, ToSubmitClient } from './submit-client.js';
import { DaemonProcess } from './submit-daemon.js';

const GOAL_P99_MS = 1;

export interface SubmitResult {
  coin: BenchCoin;
  blocks: number;
  /** Per block: share written by the miner → submitblock request received by the daemon (ms). */
  latenciesMs: number[];
  /**
   * Per block: share read by the server (its socket's data event) → the submitblock request's bytes handed to the
   * kernel (the kept socket's write callback): the issue's "from the share's arrival to submitblock on the wire".
   */
  serverMs: number[];
  /** Per block: share read → the daemon (another process) reads the request (ms). */
  receivedMs: number[];
  /** Per block, the server's part in stages (ms); a stage missing for a block is left out. */
  stages: Record<Stage, number[]>;
  /** Every submitblock the daemon read (the warm-up's ordinary shares send none). */
  daemonSubmits: number;
  /** How the fake daemon's process was kept off the server's CPU (bench/submit-daemon.ts). */
  daemonPriority: string;
  /** Blocks whose server part (read → written) a garbage collection overlapped (perf_hooks 'gc' entries). */
  gcOverlapped: number;
}

/** The way of a block, stage by stage (each from the end of the one before; a sha256d coin has no hash stages). */
export const STAGES = {
  checked: 'read → PoW hash asked (framing, JSON parse, session and job checks, header, duplicate key)',
  turn: 'asked → batch starts (none when the process was idle: hashed at once; else the rest of the event-loop turn)',
  hashed: 'batch → hash done (the scrypt batch of the turn: one hash for a lone share)',
  created: 'hash → request created (target compare, block hex pieces, daemon pool, the request head)',
  written: 'created → written (one corked writev on the kept socket: the syscall returned, every byte in the kernel)',
} as const;
export type Stage = keyof typeof STAGES;
const CREATED_FROM_READ =
  'read → request created (framing, parse, checks, the header digest that is the PoW, block hex, daemon pool, head)';

/** Connections the warm-up's ordinary shares come from (the blocks come from the first). */
const WARMUP_CONNECTIONS = 20;

/** Node publishes every socket a net.Server accepts here (diagnostics_channel). */
const accepted: Channel = channel('net.server.socket');

export async function measureSubmit(
  count: number,
  net?: Pick<BenchNetwork, 'serverHost' | 'loadgenPrefix'>,
  /** Transactions of 400 bytes in the template: the block's size (0: the coinbase alone). */
  txs = 0,
  /** LTC: the share's scrypt hash is on the path, as on a real scrypt pool; BTC: a sha256d coin's (no batch). */
  coin: BenchCoin = 'LTC',
  /**
   * Ordinary shares (no block) first, over WARMUP_CONNECTIONS: the share path as a pool that has been taking shares
   * has it (V8's optimized code). The blocks' own path after the hash stays as cold as a block finds it.
   */
  warmupShares = 0,
): Promise<SubmitResult> {
  const transactions = Array.from({ length: txs }, () => ({
    data: randomBytes(400).toString('hex'),
    txid: randomBytes(32).toString('hex'),
  }));
  const template = (height: number, bits: number) => ({ ...blockTemplate(height, bits), transactions });
  // The daemon in its own process: its HTTP parsing does not compete with the server's loop, and its read is a
  // cross-process figure (hrtime is CLOCK_MONOTONIC).
  const daemon = await DaemonProcess.start(template(1000, warmupShares > 0 ? HARD_BITS : EASY_BITS));
  const stamps: HashStamps = { asked: [], batchStart: [], batchEnd: [] };
  const pool = await startBenchPool(coin, EASY_BITS, {
    host: net?.serverHost,
    daemon,
    ...(coin === 'LTC' && { families: timedFamilies(stamps) }),
  }).catch(async (err) => {
    await daemon.close();
    throw err;
  });
  const reads: bigint[] = [];
  const watch = (message: unknown) => {
    const { socket } = message as { socket: Socket };
    // The stratum port's sockets only; first in line, so the time is taken before the server's own handler runs.
    if (socket.localPort === pool.port) socket.prependListener('data', () => reads.push(process.hrtime.bigint()));
  };
  accepted.subscribe(watch);
  const created: bigint[] = [];
  const written: bigint[] = [];
  // The daemon client's kept connection publishes each request as it hands it to the socket and once written.
  const onRequest = (message: unknown) => {
    ((message as KeptRequestEvent).phase === 'created' ? created : written).push(process.hrtime.bigint());
  };
  keptRequestChannel.subscribe(onRequest);
  // Garbage collections, on performance.now()'s clock (the same monotonic clock as hrtime, another origin).
  const gcs: Array<{ start: number; end: number }> = [];
  const gcWatch = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  gcWatch.observe({ entryTypes: ['gc'] });
  const hrOrigin = process.hrtime.bigint();
  const perfOrigin = performance.now();
  const perfMs = (t: bigint) => perfOrigin + Number(t - hrOrigin) / 1e6;
  const gen = LoadGen.start(net?.loadgenPrefix);
  try {
    await gen.call('connect', {
      port: pool.port,
      count: warmupShares > 0 ? WARMUP_CONNECTIONS : 1,
      users: [pool.user(0)],
      sources: 1,
      ...(net && { host: net.serverHost }),
      timeoutMs: 10_000,
    });
    if (warmupShares > 0) {
      await gen.call('submitCount', { count: warmupShares, window: 4, timeoutMs: 120_000 });
      // Then every hash is a block: a template on another previous block, which the miners get as a clean job.
      await gen.call('armNotify', {});
      const easy = template(1001, EASY_BITS);
      await daemon.setTemplate(easy);
      pool.jobs.applyTemplate(easy);
      const seen = await gen.call('collectNotify', { timeoutMs: 10_000 });
      if (seen.seen !== WARMUP_CONNECTIONS) throw new Error(`the block template reached ${seen.seen} connections`);
    }
    // Blocks apart, as on a real chain: each share meets a server done with the previous block's refresh. The answer
    // already waits for the share queue's batch (25 ms), by when the refresh (a few ms) is done: 5 ms more suffice.
    const sent = await gen.call('submitEach', { count, timeoutMs: 5_000, pauseMs: 5 });
    const submits = await daemon.submits();
    const arrived = new Map(submits.map((s) => [s.nonceLe, s.at]));
    const latenciesMs: number[] = [];
    const serverMs: number[] = [];
    const receivedMs: number[] = [];
    const stages: Record<Stage, number[]> = {
      checked: [],
      turn: [],
      hashed: [],
      created: [],
      written: [],
    };
    let gcOverlapped = 0;
    for (const s of sent) {
      const at = arrived.get(s.nonceLe);
      if (at === undefined) continue;
      latenciesMs.push(Number(at - BigInt(s.sentAt)) / 1e6);
      // The share's read: the last data event on the stratum socket before its block reached the daemon.
      const read = reads.findLast((r) => r <= at);
      if (read === undefined) continue;
      // A block's stamps lie between its share's read and the next share's (the daemon, another process, may read
      // the request before the server's write call has returned).
      const next = reads.find((r) => r > read);
      const within = (times: bigint[]) => times.find((t) => t >= read && (next === undefined || t < next));
      const wrote = within(written);
      if (wrote === undefined) continue;
      serverMs.push(Number(wrote - read) / 1e6);
      receivedMs.push(Number(at - read) / 1e6);
      let from = read;
      for (const [stage, t] of [
        ['checked', within(stamps.asked)],
        ['turn', within(stamps.batchStart)],
        ['hashed', within(stamps.batchEnd)],
        ['created', within(created)],
        ['written', wrote],
      ] as const) {
        if (t === undefined) continue;
        stages[stage].push(Number(t - from) / 1e6);
        from = t;
      }
      if (gcs.some((g) => g.start < perfMs(wrote) && g.end > perfMs(read))) gcOverlapped++;
    }
    const daemonPriority = daemon.priority;
    return {
      coin,
      blocks: serverMs.length,
      latenciesMs,
      serverMs,
      receivedMs,
      stages,
      gcOverlapped,
      daemonSubmits: submits.length,
      daemonPriority,
    };
  } finally {
    gcWatch.disconnect();
    accepted.unsubscribe(watch);
    keptRequestChannel.unsubscribe(onRequest);
    await gen.stop();
    await pool.stop();
  }
}

/** When each share's PoW hash was asked for, and when each turn's batch started and ended (hrtime, ns). */
interface HashStamps {
  asked: bigint[];
  batchStart: bigint[];
  batchEnd: bigint[];
}

/**
 * The pool's chain families, the Bitcoin family's scrypt share hasher timestamping each step: what `shareHasher`
 * builds (one TurnBatchHasher over `scryptBatch`), with a stamp when a share asks and around each batch, and no
 * promise added to the share's way.
 */
function timedFamilies(at: HashStamps): ChainFamilies {
  const timed = (): HeaderHasher => {
    const turn = new TurnBatchHasher((headers) => {
      at.batchStart.push(process.hrtime.bigint());
      const hashes = scryptBatch(headers);
      at.batchEnd.push(process.hrtime.bigint());
      return hashes;
    });
    return (header, later) => {
      at.asked.push(process.hrtime.bigint());
      return turn.hash(header, later);
    };
  };
  const bitcoin: ChainFamily = { ...bitcoinFamily, stratum: async () => bitcoinJobSource(timed) };
  return new ChainFamilies([bitcoin, ethereumFamily]);
}

/**
 * Instructions per submitblock round trip of the daemon client (bench/submit-client.ts under callgrind): counters
 * zeroed after a warm-up, dumped after `blocks` blocks. A figure the machine's load cannot move, beside the timings.
 */
export async function submitInstructions(blocks: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-submit-callgrind-'));
  const child = fork(fileURLToPath(new URL('./submit-client.ts', import.meta.url)), [], {
    ...underCallgrind(join(dir, 'cg.out')),
    env: { ...process.env, BENCH_SUBMIT_CLIENT: '1' },
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  const next = () =>
    new Promise<FromSubmitClient>((resolve, reject) => {
      child.once('message', (m: FromSubmitClient) => resolve(m));
      child.once('exit', (code) => reject(new Error(`submit client exited (${code})`)));
    });
  const control = (flag: string) => execFileSync('callgrind_control', [flag, String(child.pid)], { stdio: 'ignore' });
  try {
    if ((await next()).type !== 'warm') throw new Error('submit client: no warm-up');
    control('-z');
    const counted = next();
    child.send({ type: 'count', blocks } satisfies ToSubmitClient);
    await counted;
    control('-d');
    const dumps = (await readdir(dir)).filter((f) => f.startsWith('cg.out.'));
    if (dumps.length !== 1) throw new Error(`submit client: ${dumps.length} callgrind dumps`);
    return callgrindTotal(await readFile(join(dir, dumps[0] as string), 'utf8')) / blocks;
  } finally {
    if (child.connected) child.send({ type: 'stop' } satisfies ToSubmitClient);
    setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(undefined)));
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchSubmit(
  count = Number(process.env.BENCH_BLOCKS ?? 1000),
  txs = Number(process.env.BENCH_BLOCK_TXS ?? 0),
  warmup = Number(process.env.BENCH_SUBMIT_WARMUP ?? 5000),
): Promise<void> {
  heading(
    '4. Block submit latency: solving share read → submitblock written to the daemon socket (fake daemon, own process)',
  );
  if (txs > 0) info('block', `${txs} transactions of 400 bytes (${fmt((txs * 400) / 1e6)} MB)`);
  info('warm-up', `${fmt(warmup, 0)} ordinary shares first (BENCH_SUBMIT_WARMUP), as a pool has taken before a block`);
  // The hash alone, one header at a time as a lone block-solving share is (no other share in its turn).
  const oneHashMs = 1000 / hashRate(scrypt, 0.5);
  const scryptRun = await withBenchNetwork(1, (net) => measureSubmit(count, net, txs, 'LTC', warmup));
  printSubmit(scryptRun);
  info('  one scrypt hash alone (this process)', `${fmt(oneHashMs, 3)} ms`);
  record({ key: 'submit.oneHash', measured: oneHashMs, unit: 'ms' });
  // A sha256d coin: the pool's own part, without a 0.2 ms hash on the way.
  const shaRun = await withBenchNetwork(1, (net) => measureSubmit(count, net, txs, 'BTC', warmup));
  printSubmit(shaRun);
  // BENCH_SUBMIT_INSTR=1: the client's round trip under callgrind (~15 s more).
  if (process.env.BENCH_SUBMIT_INSTR === '1' && hasValgrind()) {
    const perBlock = await submitInstructions(1_000);
    info('  instructions per submitblock round trip', `${fmt(perBlock, 0)} (client + a raw answerer, callgrind)`);
    record({ key: 'submit.instructions', measured: perBlock, unit: 'instructions' });
  }
  // The machine's floor under the "written" stage: a lone loopback write after the process slept as the server
  // sleeps between blocks (25 ms: the share queue's batch window), and after shorter sleeps.
  const floor = idleWriteFloor([25_000, 1_000, 100]);
  if (typeof floor === 'string') info('  a lone loopback write after sleeping', `not measured: ${floor}`);
  else {
    for (const row of floor) {
      info(
        `  a lone loopback write after ${fmt(row.idleUs / 1000, 1)} ms asleep`,
        `p50 / p99 ${fmt(row.p50Us, 1)} / ${fmt(row.p99Us, 1)} µs (600 bytes, C: bench/native/idle-write.c)`,
      );
    }
  }
  const asleep = typeof floor === 'string' ? undefined : floor[0];
  for (const r of [scryptRun, shaRun]) {
    const server = sortedNumbers(r.serverMs);
    const received = sortedNumbers(r.receivedMs);
    const algorithm = r.coin === 'LTC' ? 'scrypt' : 'sha256d';
    goal({
      label: `submit p99, ${algorithm} (share read → submitblock written)`,
      key: r.coin === 'LTC' ? 'submit.p99' : 'submit.sha256d.p99',
      note: `p50 ${fmt(percentile(server, 0.5), 3)} ms; the daemon reads it p50 / p99 ${fmt(percentile(received, 0.5), 3)} / ${fmt(percentile(received, 0.99), 3)} ms`,
      measured: percentile(server, 0.99),
      unit: 'ms',
      better: 'lower',
      target: GOAL_P99_MS,
      whyMissed: `the stages above: the share path before the request and the scheduling this shared VM gives the process${
        asleep
          ? `; every stage runs on a CPU that slept since the last block (a lone write alone: ${fmt(asleep.p50Us, 1)} / ${fmt(asleep.p99Us, 1)} µs p50 / p99 after 25 ms asleep, above)`
          : ''
      }`,
    });
    record({ key: `submit.${algorithm}.receivedP99`, measured: percentile(received, 0.99), unit: 'ms' });
  }
}

function printSubmit(r: SubmitResult): void {
  const p = (values: number[]) => {
    const t = sortedNumbers(values);
    return `${fmt(percentile(t, 0.5), 3)} / ${fmt(percentile(t, 0.99), 3)} ms`;
  };
  const coin = r.coin === 'LTC' ? 'LTC (scrypt)' : 'BTC (sha256d)';
  info(`${coin}: blocks submitted`, `${r.blocks} (every share meets the network target)`);
  info('  share read → submitblock written, p50 / p99', `${p(r.serverMs)} (the goal's figure)`);
  info('  share read → the daemon reads it, p50 / p99', `${p(r.receivedMs)} (its process ${r.daemonPriority})`);
  info(
    '  miner write → the daemon reads it, p50 / p99',
    `${p(r.latenciesMs)} (three processes: includes waking the server)`,
  );
  for (const [stage, what] of Object.entries(STAGES) as Array<[Stage, string]>) {
    if (r.stages[stage].length === 0) continue;
    // A sha256d share has no hash stages: its request is timed from the read.
    const from = r.stages.hashed.length === 0 && stage === 'created' ? CREATED_FROM_READ : what;
    info(`    ${stage}, p50 / p99`, `${p(r.stages[stage])}: ${from}`);
  }
  info('  blocks a garbage collection overlapped', `${r.gcOverlapped} of ${r.blocks}`);
}

/** One idle time's writes (bench/native/idle-write.c). */
interface IdleWrite {
  idleUs: number;
  p50Us: number;
  p99Us: number;
}

/**
 * A 600-byte write on a loopback TCP socket, 200 times after sleeping each of `idleUs` (a C program: this machine's
 * kernel and VM, not Node's write path), or why it could not be measured (no gcc).
 */
export function idleWriteFloor(idleUs: readonly number[]): IdleWrite[] | string {
  const out = runProbe('idle-write', ['600', '200', ...idleUs.map(String)]);
  if (typeof out !== 'string') return out.failed;
  return out
    .trim()
    .split('\n')
    .map((line) => {
      const [idle, p50, p99] = line.split(' ').map(Number);
      return { idleUs: idle!, p50Us: p50!, p99Us: p99! };
    });
}
