import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { measureConnections } from '../../bench/connections.js';
import { measureEtcWork } from '../../bench/etc-work.js';
import { measureEtchash } from '../../bench/etchash.js';
import { measureFanout } from '../../bench/fanout.js';
import { LoadGen } from '../../bench/harness.js';
import { hasValgrind } from '../../bench/instructions.js';
import { syscallCost } from '../../bench/native.js';
import { benchNetwork } from '../../bench/netns.js';
import { measurePipeline } from '../../bench/pipeline.js';
import { idleWriteFloor, measureSubmit, submitInstructions } from '../../bench/submit.js';
import { SUMMARY_ROWS } from '../../bench/summary.js';
import { measureJournalAck, measureThroughput } from '../../bench/throughput.js';

// Each bench section at a trivial size: proves the harness drives the real server end to end. Counts only — timings
// on a shared CI machine mean nothing.
describe('bench sections at a trivial size', () => {
  // The share server is the container's bundle in a process of its own, serving the coin it is asked for.
  it.each([
    ['BTC', 5],
    ['LTC', 3],
  ] as const)('throughput (%s): every submitted share is accepted and reaches the queue', async (coin, connections) => {
    const r = await measureThroughput(coin, {
      coins: [coin],
      connections,
      window: 2,
      warmupSeconds: 0.1,
      seconds: 0.3,
      repeat: 3,
    });
    expect(r.max.accepted).toBeGreaterThan(0);
    expect(r.max.rejected).toBe(0);
    expect(r.paced.rejected).toBe(0);
    // The server's own CPU over each run, not the load generator's: it worked in both, its user time a part of it.
    expect(r.max.serverBusy).toBeGreaterThan(0);
    expect(r.max.serverUserBusy).toBeGreaterThan(0);
    expect(r.max.serverUserBusy).toBeLessThanOrEqual(r.max.serverBusy);
    expect(r.paced.serverBusy).toBeGreaterThan(0);
    // Three closed-loop runs; the figure is the middle one by CPU a share.
    expect(r.runs).toHaveLength(3);
    const perShare = r.runs.map((run) => run.serverBusy / (run.accepted / run.seconds)).sort((a, b) => a - b);
    expect(r.max.serverBusy / (r.max.accepted / r.max.seconds)).toBe(perShare[1]);
    const closed = r.runs.reduce((n, run) => n + run.accepted, 0);
    expect(r.queuedShares).toBeGreaterThanOrEqual(closed + r.paced.accepted);
  });

  it('throughput with ackAfter journal: shares are acknowledged from the spool, none refused', async () => {
    const r = await measureJournalAck(
      'BTC',
      { coins: ['BTC'], connections: 5, window: 0, warmupSeconds: 0.1, seconds: 0.3 },
      200,
      5,
    );
    expect(r.accepted).toBeGreaterThan(0);
    expect(r.rejected).toBe(0);
    expect(r.serverBusy).toBeGreaterThan(0);
  });

  it('etchash: builds the caches and counts light share checks', async () => {
    const r = await measureEtchash({ seconds: 0.05 });
    expect(r.lightChecksPerSecond).toBeGreaterThan(0);
    expect(r.epoch0ChecksPerSecond).toBeGreaterThan(0);
    expect(r.dataset).toBeUndefined();
  });

  it('etc-work: on the core-geth devnet, each sealed block is followed by work of the next height, pushed and polled', async () => {
    const r = await measureEtcWork({ blocks: 1 });
    expect(r.pushMs).toHaveLength(1);
    expect(r.pollMs).toHaveLength(1);
  }, 120_000);

  it('connections: 50 miners subscribe, authorize and get a job', async () => {
    const r = await measureConnections(50, undefined, 0);
    expect(r).toMatchObject({ connected: 50, failed: 0 });
  });

  it('fan-out: every connection receives every new job', async () => {
    const r = await measureFanout(20, 3);
    expect(r.connections).toBe(20);
    expect(r.allMs).toHaveLength(3);
    expect(r.missed).toBe(0);
  });

  it('fan-out with the load generator in its own network namespace, torn down after', async () => {
    const net = benchNetwork(30);
    try {
      const r = await measureFanout(30, 2, 1, net);
      expect(r.connections).toBe(30);
      expect(r.missed).toBe(0);
    } finally {
      net.teardown();
    }
    const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
    expect(left).not.toContain(`edgepool-bench-${process.pid}`);
  });

  it('the load generator connects to nothing but loopback and the bench namespace peer', async () => {
    const gen = LoadGen.start();
    try {
      const args = { port: 3333, count: 1, users: ['x'], sources: 1, timeoutMs: 1000 };
      await expect(gen.call('connect', { ...args, host: '192.0.2.1' })).rejects.toThrow(/refusing to connect/);
      await expect(gen.call('connect', { ...args, host: '10.77.0.2' })).rejects.toThrow(/refusing to connect/);
    } finally {
      await gen.stop();
    }
  });

  it('fan-out over two stratum processes: every connection of both receives every new job', async () => {
    const r = await measureFanout(21, 3, 2);
    expect(r.connections).toBe(21);
    expect(r.allMs).toHaveLength(3);
    expect(r.missed).toBe(0);
    // Each process's loop CPU, summed over both, per job: at least the slowest one's.
    expect(r.cpuSumMs).toHaveLength(3);
    for (const [i, sum] of r.cpuSumMs!.entries()) expect(sum).toBeGreaterThanOrEqual(r.userMs[i]! + r.sysMs[i]!);
  });

  it('submit: every block-solving share reaches the daemon as submitblock', async () => {
    const r = await measureSubmit(5);
    expect(r.blocks).toBe(5);
    // Every block's way is timed stage by stage: checks, the turn's wait, the hash, the request created, written;
    // and the fake daemon, in its own process, read every request.
    for (const stage of ['checked', 'turn', 'hashed', 'created', 'written'] as const) {
      expect(r.stages[stage]).toHaveLength(5);
    }
    expect(r.receivedMs).toHaveLength(5);
  });

  it('submit, sha256d coin: every block-solving share reaches the daemon, with no hash stages', async () => {
    const r = await measureSubmit(5, undefined, 0, 'BTC');
    expect(r.blocks).toBe(5);
    expect(r.stages.created).toHaveLength(5);
    expect(r.stages.written).toHaveLength(5);
    // A sha256d share's PoW is its header digest: no batch, no turn wait.
    expect(r.stages.hashed).toHaveLength(0);
  });

  it('submit after a warm-up of ordinary shares: the template switch makes every later share a block', async () => {
    const r = await measureSubmit(3, undefined, 0, 'LTC', 40);
    // The 40 warm-up shares met no network target (no submitblock); each of the 3 after the switch did.
    expect(r.blocks).toBe(3);
    expect(r.daemonSubmits).toBe(3);
    expect(r.stages.written).toHaveLength(3);
  });

  it("submit's floor: the C program times a lone loopback write after each idle time asked, in order", () => {
    const rows = idleWriteFloor([2_000, 0]);
    if (typeof rows === 'string') throw new Error(rows); // CI installs a C compiler
    expect(rows.map((r) => r.idleUs)).toEqual([2_000, 0]);
    for (const r of rows) {
      // A write syscall takes some time and less than a second; the 99th percentile is not below the median.
      expect(r.p50Us).toBeGreaterThan(0);
      expect(r.p99Us).toBeGreaterThanOrEqual(r.p50Us);
      expect(r.p99Us).toBeLessThan(1_000_000);
    }
  });

  it("throughput's floor: the C program times a system call that does nothing", () => {
    const cost = syscallCost();
    if (typeof cost === 'string') throw new Error(cost); // CI installs a C compiler
    // Entering and leaving the kernel takes some time and far less than a millisecond; the best round is no slower
    // than the median one.
    expect(cost.bestNs).toBeGreaterThan(0);
    expect(cost.medianNs).toBeGreaterThanOrEqual(cost.bestNs);
    expect(cost.medianNs).toBeLessThan(1_000_000);
  });

  it.runIf(hasValgrind())(
    'submit instructions: the client round trips counted under callgrind',
    async () => {
      const perBlock = await submitInstructions(20);
      // A round trip is at least the request's bytes written and the answer parsed, far below a whole process start.
      expect(perBlock).toBeGreaterThan(1_000);
      expect(perBlock).toBeLessThan(50_000_000);
    },
    120_000,
  );

  it('pipeline: 200 shares become SQS messages and are ingested with counted writes', async () => {
    const r = await measurePipeline({
      shares: 200,
      ingestMessages: 2,
      miners: 20,
      workersPerMiner: 3,
      sharesPerSecond: 2000,
      maxWaitMs: 25,
    });
    // 50 shares per 25 ms window, each its own message, plus the minute summary of them all at the end.
    expect(r.batches).toBe(5);
    expect(r.minuteSummaries).toBe(1);
    expect(r.ingestedShares).toBe(100);
    expect(r.sqsSendRequests).toBe(5); // the queue sends each window as it closes: one message per request
    expect(r.dynamo.writeRequests).toBeGreaterThan(0);
    expect(r.dynamo.writeUnits).toBeGreaterThanOrEqual(r.dynamo.writeRequests);
  });

  it('pipeline, journal mode: an interval of shares becomes one summary message, all of it ingested', async () => {
    const r = await measurePipeline({
      shares: 200,
      ingestMessages: 'all',
      miners: 20,
      workersPerMiner: 3,
      sharesPerSecond: 2000,
      maxWaitMs: 25,
      ackAfter: 'journal',
      shipIntervalMs: 60_000,
      summarize: true,
    });
    expect(r.batches).toBe(1);
    expect(r.ingestedShares).toBe(200);
    expect(r.dynamo.writeUnits).toBeGreaterThanOrEqual(r.dynamo.writeRequests);
  });

  it('a run of several sections ends with the summary table: every row, the measured ones with their goals', async () => {
    // submit and connections at a trivial size, each in its own process as in a full run; the table comes last.
    const env = {
      ...process.env,
      BENCH_BLOCKS: '3',
      BENCH_SUBMIT_WARMUP: '40',
      BENCH_CONNECTIONS: '20',
      BENCH_IDLE_SECONDS: '0',
    };
    const run = spawn('scripts/node', ['--import', 'tsx', 'bench/run.ts', 'submit', 'connections'], { env });
    let out = '';
    run.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    run.stderr.resume();
    const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
    expect(code).toBe(0);
    const table = out.slice(out.indexOf('\nSummary:'));
    expect(table.length).toBeGreaterThan(1);
    for (const row of SUMMARY_ROWS) expect(table.split(row.label)).toHaveLength(2);
    const line = (label: string) => table.split('\n').find((l) => l.trim().startsWith(label)) ?? '';
    expect(line('block submit p99')).toMatch(/ ms\s+< 1\s+(PASS|MISS ×[\d.]+)/);
    expect(line('idle connections, one process')).toMatch(
      /^\s+idle connections, one process\s+20 connections\s+≥ 100,000\s+MISS ×5,000/,
    );
    expect(line('idle connections, one process')).toMatch(/ulimit -n [\d,]+; hard [\d,]+$/);
    expect(line('RSS per idle connection')).toMatch(/KiB\s+< 10\s+(PASS|MISS)/);
    expect(line('sha256d shares/s')).toContain('not run');
  }, 120_000);
});
