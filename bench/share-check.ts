// The share check alone (issue 18): JobManager.checkShare on unique sha256d shares of a real BTC job at difficulty
// 1e-12 (every header is a share; none is a block), in one process, no network. Prints the CPU time per call (best
// of BENCH_CHECK_RUNS after BENCH_CHECK_WARMUP checks, SHA-256 kernel of the machine) for jobs of BENCH_CHECK_TXS
// transactions (default "0,2047": no merkle step, 11 steps). With BENCH_CHECK_CALLGRIND=1, under callgrind
// (`valgrind --tool=callgrind --smc-check=all-non-file node --import tsx bench/share-check.ts`), the counters are
// zeroed after each warm-up and dumped after each job's runs (callgrind_control -z / -d): the dumps' totals over the
// shares checked are the instructions of one check alone (no server, no I/O, no start-up).
//   scripts/node --import tsx bench/share-check.ts
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { getCoin } from '../core/coins/index.js';
import { JobManager } from '../fargate/src/jobs/job-manager.js';
import { PendingCheck } from '../fargate/src/jobs/pending-check.js';
import type { ShareSubmission } from '../fargate/src/jobs/types.js';
import { blockTemplate, HARD_BITS } from './pool.js';

const shares = Number(process.env.BENCH_CHECK_SHARES ?? 300_000);
const runs = Number(process.env.BENCH_CHECK_RUNS ?? 3);
const warmup = Number(process.env.BENCH_CHECK_WARMUP ?? 50_000);
/** The jobs' transaction counts: 0 (no merkle step) and 2047 (11 steps) by default. */
const jobTxs = (process.env.BENCH_CHECK_TXS ?? '0,2047').split(',').map(Number);
const coin = getCoin('BTC');
const noop = () => undefined;
const logger = { debug: noop, info: noop, warn: noop, error: noop, child: () => logger } as never;

function manager(transactions: number): JobManager {
  const m = new JobManager({
    coin,
    network: 'regtest',
    poolAddress: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080',
    daemons: { primary: () => undefined, submitBlockEverywhere: async () => [] } as never,
    logger,
    now: Date.now,
    longPoll: false,
    maxSharesPerBlock: 2 * (runs + 1) * shares,
  });
  const template = blockTemplate(1000, HARD_BITS);
  template.transactions = Array.from({ length: transactions }, (_, i) => ({
    data: '00',
    txid: (i + 1).toString(16).padStart(64, '0'),
  }));
  m.applyTemplate(template);
  return m;
}

/** `count` unique shares of the newest job, from share number `from` on. */
function submissions(m: JobManager, from: number, count: number): ShareSubmission[] {
  const job = m.current()!;
  const base: ShareSubmission = {
    jobId: job.jobId,
    extranonce1: '0a0b0c0d',
    extranonce2: '00000000',
    ntime: job.ntime,
    nonce: '00000000',
    difficulty: 1e-12,
    miner: 'bench',
    worker: 'w',
  };
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return {
      ...base,
      extranonce2: (n >>> 16).toString(16).padStart(8, '0'),
      nonce: (n & 0xffff).toString(16).padStart(8, '0'),
    };
  });
}

/** CPU µs per check of `subs` (every one accepted, or the bench says so). */
function measure(m: JobManager, subs: ShareSubmission[]): number {
  const start = process.cpuUsage();
  let accepted = 0;
  for (const s of subs) {
    const v = m.checkShare(s);
    if (!(v instanceof Promise) && !(v instanceof PendingCheck) && v.ok) accepted++;
  }
  const used = process.cpuUsage(start);
  if (accepted !== subs.length) throw new Error(`only ${accepted} of ${subs.length} shares accepted`);
  return (used.user + used.system) / subs.length;
}

for (const transactions of jobTxs) {
  const m = manager(transactions);
  measure(m, submissions(m, 0, warmup)); // JIT tiers
  // Made before the counters are zeroed: only the checks are counted.
  const batches = Array.from({ length: runs }, (_, r) => submissions(m, warmup + r * shares, shares));
  await callgrind('-z');
  const each = batches.map((subs) => measure(m, subs));
  await callgrind('-d');
  const steps = transactions === 0 ? 0 : Math.ceil(Math.log2(transactions + 1));
  console.log(
    `checkShare, ${steps} merkle steps: ${Math.min(...each).toFixed(3)} µs CPU per share (runs ${each.map((x) => x.toFixed(3)).join(', ')})`,
  );
  m.stop();
}

/** callgrind_control on this process (it answers between event-loop turns), when BENCH_CHECK_CALLGRIND=1. */
async function callgrind(flag: '-z' | '-d'): Promise<void> {
  if (process.env.BENCH_CHECK_CALLGRIND === '1')
    await promisify(execFile)('callgrind_control', [flag, `${process.pid}`]);
}
