// The idle-connections bench's server as a process of its own, built as the container builds its server (one esbuild
// bundle, no keepNames: bench/connections.ts), so that its memory per connection is the container's. Driven over IPC.
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { HARD_BITS, startBenchPool } from './pool.js';

export type ToConnectionServer = { type: 'stop' } | { type: 'memory' };
export type FromConnectionServer =
  | { type: 'ready'; port: number; users: string[] }
  /** After a full collection: the process's memory and how many connections it holds. */
  | {
      type: 'memory';
      usage: NodeJS.MemoryUsage;
      connections: number;
      /** V8's young generation (new space) now, resident bytes: grown by allocation bursts, not per connection. */
      youngBytes: number;
    };

/** A full collection, so that memory differences are live memory rather than garbage. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

// Only when run as the server process (bench/connections.ts imports this module for its types).
if (process.env.BENCH_CONNECTION_SERVER === '1') {
  const pool = await startBenchPool('LTC', HARD_BITS, { host: process.env.BENCH_STRATUM_HOST });
  process.on('message', async (msg: ToConnectionServer) => {
    if (msg.type === 'stop') {
      await pool.stop();
      process.exit(0);
    }
    if (msg.type === 'memory') {
      collectGarbage();
      const reply: FromConnectionServer = {
        type: 'memory',
        usage: process.memoryUsage(),
        connections: pool.service.health().connections,
        youngBytes: getHeapSpaceStatistics().find((sp) => sp.space_name === 'new_space')?.physical_space_size ?? 0,
      };
      process.send?.(reply);
    }
  });
  process.on('disconnect', () => process.exit(0));
  const ready: FromConnectionServer = {
    type: 'ready',
    port: pool.port,
    users: Array.from({ length: 256 }, (_, i) => pool.user(i)),
  };
  process.send?.(ready);
}
