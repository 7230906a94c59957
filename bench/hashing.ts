// Share-hashing throughput: the native addon against node:crypto, for sha256d and Litecoin scrypt on 80-byte headers;
// each scrypt kernel on one core next to pooler's cpuminer, and their instructions per hash (bench/scrypt-kernels.ts).
// Run directly with `npx tsx bench/hashing.ts`; a bench runner imports benchHashing() and benchScryptKernels().
import { createHash, randomBytes, scryptSync } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import {
  type ScryptKernel,
  scrypt,
  scryptBatch,
  scryptBatchPlan,
  scryptKernel,
  scryptKernels,
  sha256d,
} from '../fargate/src/hashing/index.js';
import { fmt, goal, heading, info, record } from './harness.js';
import { hasValgrind } from './instructions.js';
import {
  buildKernelDriver,
  callgrindPerHash,
  cpuminerRate,
  driverRate,
  type KernelDriver,
  steppedPerHash,
} from './scrypt-kernels.js';

const HEADER_BYTES = 80;
const DEFAULT_SECONDS = 1.5;

function cryptoSha256d(data: Uint8Array): Buffer {
  return createHash('sha256').update(createHash('sha256').update(data).digest()).digest();
}

function cryptoScrypt(header: Uint8Array): Buffer {
  return scryptSync(header, header, 32, { N: 1024, r: 1, p: 1 });
}

/** Hashes per second of `hash` over distinct headers for about `seconds` of wall time. */
export function hashRate(hash: (header: Uint8Array) => Buffer, seconds: number): number {
  // Vary the nonce bytes like a miner would, from a pool of headers prepared outside the timed loop.
  const headers = Array.from({ length: 256 }, () => randomBytes(HEADER_BYTES));
  for (let i = 0; i < 200; i++) hash(headers[i % headers.length]!);

  const budgetNs = BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let count = 0;
  let elapsed = 0n;
  // Check the clock every batch rather than every hash so the timer does not dominate the cheap sha256d.
  const batch = 64;
  while (elapsed < budgetNs) {
    for (let i = 0; i < batch; i++) hash(headers[(count + i) & 255]!);
    count += batch;
    elapsed = process.hrtime.bigint() - start;
  }
  return count / (Number(elapsed) / 1e9);
}

/** Hashes in one lane group of each kernel (scalar: a pair). */
export const SCRYPT_LANES: Record<ScryptKernel, number> = { avx512: 16, avx2: 8, neon: 4, sse2: 4, scalar: 2 };
const SCRYPT_GOAL = 20_000;

/**
 * Hashes per second of `scryptBatch` with one full lane group of `kernel` per call (the widest available by default):
 * what the share path gets when a turn brings at least that many shares.
 */
export function scryptBatchRate(seconds: number, kernel: ScryptKernel = scryptKernel()): number {
  const lanes = SCRYPT_LANES[kernel];
  const group = Array.from({ length: lanes }, () => randomBytes(HEADER_BYTES));
  let calls = 0;
  // hashRate counts calls; each call hashes the group (its first header varies, like a miner's nonce).
  const rate = hashRate((header) => {
    group[calls++ % lanes] = Buffer.from(header);
    return scryptBatch(group, kernel)[0]!;
  }, seconds);
  return rate * lanes;
}

/** Throughput in hashes per second, keyed by implementation. */
export async function benchHashing(seconds = DEFAULT_SECONDS): Promise<Record<string, number>> {
  return {
    'sha256d native': hashRate(sha256d, seconds),
    'sha256d node:crypto': hashRate(cryptoSha256d, seconds),
    'scrypt native, one at a time': hashRate(scrypt, seconds),
    ...Object.fromEntries(scryptKernels().map((k) => [`scrypt native, ${k} batches`, scryptBatchRate(seconds, k)])),
    'scrypt node:crypto': hashRate(cryptoScrypt, seconds),
  };
}

/**
 * Each scrypt kernel on one core, side by side with pooler's cpuminer in the same run (three rounds each, alternating,
 * so that the machine's load weighs on both alike), then the instructions per hash of each kernel, which that load
 * cannot move: callgrind where valgrind runs the kernel, a ptrace single-step count (BENCH_SCRYPT_STEPS=1, ~1 min
 * per kernel) for the rest, with PBKDF2 on the portable SHA-256 (what valgrind runs) and on the fastest one.
 */
export async function benchScryptKernels(seconds = 1.5): Promise<void> {
  heading('0b. scrypt kernels on one core (wall time in Node; thread CPU time in the C driver) and cpuminer');
  info('kernel chosen on this CPU', scryptKernel());
  const driver = buildKernelDriver('host');
  const rounds = 3;
  const node = Object.fromEntries(scryptKernels().map((k) => [k, [] as number[]]));
  const cpu = Object.fromEntries(scryptKernels().map((k) => [k, [] as number[]]));
  const miner: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const k of scryptKernels()) {
      node[k]!.push(scryptBatchRate(seconds, k));
      if (typeof driver !== 'string') cpu[k]!.push(driverRate(driver, k, seconds));
    }
    const m = await cpuminerRate(seconds + 9); // minerd reports every ~5 s
    if (m !== undefined) miner.push(m);
  }
  const best = (xs: number[] | undefined) => (xs?.length ? Math.max(...xs) : Number.NaN);
  for (const k of scryptKernels()) {
    const label = `scrypt ${k} (${SCRYPT_LANES[k]} lanes), best of ${rounds}`;
    if (k === scryptKernel()) {
      const note = `${k} kernel, ${SCRYPT_LANES[k]} lanes`;
      goal({
        label,
        key: 'hashing.scrypt',
        note,
        measured: best(node[k]),
        unit: 'hashes/s',
        better: 'higher',
        target: SCRYPT_GOAL,
      });
    } else {
      info(label, `${fmt(best(node[k]))} hashes/s`);
    }
    if (cpu[k]!.length > 0) info(`  per thread CPU-second (C driver)`, `${fmt(best(cpu[k]))} hashes/s`);
  }
  printBatchPlans();
  if (miner.length > 0) {
    info(`cpuminer (minerd -a scrypt -t 1), best of ${miner.length}`, `${fmt(best(miner))} hashes/s`);
    record({ key: 'hashing.cpuminer', measured: best(miner), unit: 'hashes/s' });
    info('  ours / cpuminer', `×${fmt(best(node[scryptKernel()]) / best(miner))}`);
  } else {
    info('cpuminer', 'not found (set BENCH_MINERD or put minerd on PATH; Debian has no package)');
  }
  if (typeof driver === 'string') {
    info('instructions per hash', `not measured: ${driver}`);
    return;
  }
  try {
    printInstructionCounts(driver);
  } finally {
    driver.remove();
  }
}

function printInstructionCounts(driver: KernelDriver): void {
  const steps = process.env.BENCH_SCRYPT_STEPS === '1';
  for (const k of scryptKernels()) {
    const hashes = SCRYPT_LANES[k];
    const counted = hasValgrind() ? callgrindPerHash(driver, k, 4 * hashes) : undefined;
    if (counted !== undefined) {
      info(`instructions per hash, ${k} (callgrind)`, `${fmt(counted, 0)} (PBKDF2 on portable SHA-256)`);
    } else if (steps) {
      const portable = steppedPerHash(driver, k, hashes, 'scalar');
      const fastest = steppedPerHash(driver, k, hashes);
      info(
        `instructions per hash, ${k} (ptrace steps)`,
        `${fmt(portable!, 0)} portable SHA-256; ${fmt(fastest!, 0)} fastest`,
      );
    } else {
      info(`instructions per hash, ${k}`, 'valgrind cannot run it: BENCH_SCRYPT_STEPS=1 counts by single-stepping');
    }
  }
}

const runDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (runDirectly) {
  const results = await benchHashing();
  for (const [name, rate] of Object.entries(results)) {
    console.log(`${name.padEnd(20)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} hashes/s`);
  }
  await benchScryptKernels();
}

/**
 * A turn's batch of n scrypt shares: the calls `scryptBatchPlan` makes for it on the chosen kernel, the batch's time
 * (best of 5), and what the widest-first cover (full lane groups, then pairs and a single) costs by the same measured
 * call costs: where padding one wide call beats several narrow ones.
 */
function printBatchPlans(): void {
  const { costs } = scryptBatchPlan(0);
  info('  cost of one call here, by lanes', costs.map((c) => `${c.lanes}: ${fmt(c.ns / 1000)} µs`).join(', '));
  const widestFirst = (n: number) => {
    let total = 0;
    let left = n;
    for (const c of costs) for (; left >= c.lanes; left -= c.lanes) total += c.ns;
    return total / 1000;
  };
  const headers = Array.from({ length: 32 }, (_, i) => Buffer.alloc(80, i + 1));
  for (const n of [1, 3, 7, 12, 15, 20, 30]) {
    const batch = headers.slice(0, n);
    let best = Number.POSITIVE_INFINITY;
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      scryptBatch(batch);
      best = Math.min(best, (performance.now() - started) * 1000);
    }
    info(
      `  a batch of ${n}`,
      `${fmt(best)} µs (${fmt(best / n)} a hash) in ${scryptBatchPlan(n).calls.join(' + ')}; widest first ${fmt(widestFirst(n))} µs`,
    );
  }
}
