// The bench's share server as a process of its own: the real coin service of bench/pool.ts, driven over IPC. The
// throughput section runs it bundled as the container runs (bench/bundle.ts); bench/instructions.ts runs it under
// valgrind's callgrind.
import { type Sha256Kernel, sha256Kernel, useSha256Kernel } from '../fargate/src/hashing/index.js';
import { type BenchCoin, HARD_BITS, startBenchPool } from './pool.js';

export type ToShareServer = { type: 'stop' } | { type: 'cpu' } | { type: 'flush' };
export type FromShareServer =
  | { type: 'ready'; port: number; users: string[]; kernel: Sha256Kernel }
  /** The process's CPU time so far (user + system, µs): the share path's CPU per share without valgrind. */
  | { type: 'cpu'; micros: number; userMicros: number }
  /** The queue flushed: the shares and batches its transport was handed so far. */
  | { type: 'flushed'; shares: number; batches: number; messages: number; bytes: number };

// BENCH_SHA256_KERNEL=scalar|sha-ni|armv8-sha2: the same build with another SHA-256 kernel (before/after figures).
if (process.env.BENCH_SHA256_KERNEL) useSha256Kernel(process.env.BENCH_SHA256_KERNEL as Sha256Kernel);
// BENCH_SHARE_SERVER_SPOOL + BENCH_SHARE_SERVER_WINDOW_MS: queue.ackAfter = journal, spooled in that directory.
const spoolDir = process.env.BENCH_SHARE_SERVER_SPOOL;
const journal = spoolDir ? { spoolDir, maxWaitMs: Number(process.env.BENCH_SHARE_SERVER_WINDOW_MS ?? 5) } : undefined;
const pool = await startBenchPool((process.env.BENCH_SHARE_SERVER_COIN ?? 'BTC') as BenchCoin, HARD_BITS, {
  journal,
});
process.on('message', async (msg: ToShareServer) => {
  if (msg.type === 'stop') {
    await pool.stop();
    process.exit(0);
  }
  if (msg.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ type: 'cpu', micros: user + system, userMicros: user } satisfies FromShareServer);
  }
  if (msg.type === 'flush') {
    await pool.queue.flush();
    const { shares, batches, messages, bytes } = pool.transport;
    process.send?.({ type: 'flushed', shares, batches, messages, bytes } satisfies FromShareServer);
  }
});
process.on('disconnect', () => process.exit(0));
const ready: FromShareServer = {
  type: 'ready',
  port: pool.port,
  users: Array.from({ length: 16 }, (_, i) => pool.user(i)),
  kernel: sha256Kernel(),
};
process.send?.(ready);
