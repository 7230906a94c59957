// The idle-connections bench's server as a process of its own, built as the container builds its server (one esbuild
// bundle, no keepNames: bench/connections.ts), so that its memory per connection is the container's. Driven over IPC.
import { readFileSync } from 'node:fs';
import { GCProfiler, getHeapSpaceStatistics, setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { releaseMemoryWhenQuiet } from '../fargate/src/memory-release.js';
import { HARD_BITS, startBenchPool } from './pool.js';

export type ToConnectionServer =
  | { type: 'stop' }
  | { type: 'memory' }
  | { type: 'snapshot'; path: string }
  | { type: 'release' }
  /** Counting the garbage the collections find, from now (`gcStart`) to `gcStop`. */
  | { type: 'gcStart' }
  | { type: 'gcStop' };
export type FromConnectionServer =
  | { type: 'ready'; port: number; users: string[] }
  /** After a full collection: the process's memory and how many connections it holds. */
  | {
      type: 'memory';
      usage: NodeJS.MemoryUsage;
      connections: number;
      /** V8's young generation (new space) now, resident bytes: grown by allocation bursts, not per connection. */
      youngBytes: number;
      /** Resident KiB by kind of mapping (/proc/self/smaps): where the RSS is. */
      smaps: Record<string, number>;
      /** V8's heap spaces, resident KiB (physical_space_size): the part of the anonymous mappings that is V8's. */
      spaces: Record<string, number>;
      /** The process's CPU time so far (µs): what an idle wait cost it (the idle sweep, timers, the quiet release). */
      cpu: NodeJS.CpuUsage;
    }
  | { type: 'snapshot'; path: string }
  /** A memory-reducing collection ran (V8's last-resort flavour): how long the process stood still for it. */
  | { type: 'released'; pauseMs: number }
  /** What the collections between gcStart and gcStop freed: the garbage made meanwhile (what was still live stays). */
  | { type: 'garbage'; bytes: number; collections: number };

/**
 * The process's resident memory by mapping, in KiB: `[heap]` (malloc's main arena), `[stack]`, the files mapped
 * (node, the addon, libraries), and the anonymous mappings, told apart by the size of the reservation they are part
 * of (adjacent anonymous mappings, committed or not): V8 reserves its heap (the pointer-compression cage) and its code
 * range in runs of 128 MiB and more; malloc's thread arenas (64 MiB) and thread stacks are the smaller ones.
 */
export function residentByMapping(smaps: string): Record<string, number> {
  const kinds: Record<string, number> = {};
  const runs: Array<{ bytes: number; rss: number }> = [];
  let kind = '';
  let lastEnd = -1;
  for (const line of smaps.split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const name = header[3]!.trim();
      const start = Number.parseInt(header[1]!, 16);
      const end = Number.parseInt(header[2]!, 16);
      kind = name === '' ? 'anon' : name.startsWith('/') ? 'files' : name;
      if (kind === 'anon') {
        if (start !== lastEnd || runs.length === 0) runs.push({ bytes: 0, rss: 0 });
        runs[runs.length - 1]!.bytes += end - start;
        lastEnd = end;
      } else lastEnd = -1;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (!rss) continue;
    if (kind === 'anon') runs[runs.length - 1]!.rss += Number(rss[1]);
    else kinds[kind] = (kinds[kind] ?? 0) + Number(rss[1]);
  }
  for (const run of runs) {
    const k = run.bytes >= 2 ** 27 ? 'anon, V8 (≥ 128 MiB runs)' : 'anon, smaller';
    kinds[k] = (kinds[k] ?? 0) + run.rss;
  }
  return kinds;
}

/** A full collection, so that memory differences are live memory rather than garbage. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

// Only when run as the server process (bench/connections.ts imports this module for its types).
if (process.env.BENCH_CONNECTION_SERVER === '1') {
  const pool = await startBenchPool('LTC', HARD_BITS, { host: process.env.BENCH_STRATUM_HOST });
  // As the container's stratum process does (fargate/src/main.ts); BENCH_QUIET_RELEASE=0 leaves it out.
  if (process.env.BENCH_QUIET_RELEASE !== '0')
    releaseMemoryWhenQuiet({ info: (o, m) => console.log(`  server: ${m} ${JSON.stringify(o)}`) });
  let profiler: GCProfiler | undefined;
  process.on('message', async (msg: ToConnectionServer) => {
    if (msg.type === 'stop') {
      await pool.stop();
      process.exit(0);
    }
    if (msg.type === 'gcStart') {
      profiler = new GCProfiler();
      profiler.start();
    }
    if (msg.type === 'gcStop') {
      collectGarbage(); // what the burst left uncollected counts too
      const stats = profiler?.stop()?.statistics ?? [];
      profiler = undefined;
      const bytes = stats.reduce(
        (sum, gc) => sum + gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize,
        0,
      );
      process.send?.({ type: 'garbage', bytes, collections: stats.length } satisfies FromConnectionServer);
    }
    if (msg.type === 'memory') {
      collectGarbage();
      const reply: FromConnectionServer = {
        type: 'memory',
        usage: process.memoryUsage(),
        connections: pool.service.health().connections,
        youngBytes: getHeapSpaceStatistics().find((sp) => sp.space_name === 'new_space')?.physical_space_size ?? 0,
        smaps: residentByMapping(readFileSync('/proc/self/smaps', 'utf8')),
        cpu: process.cpuUsage(),
        spaces: Object.fromEntries(
          getHeapSpaceStatistics().map((sp) => [sp.space_name, sp.physical_space_size / 1024]),
        ),
      };
      process.send?.(reply);
    }
    if (msg.type === 'release') {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as (o: object) => void;
      const started = performance.now();
      gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
      process.send?.({ type: 'released', pauseMs: performance.now() - started } satisfies FromConnectionServer);
    }
    if (msg.type === 'snapshot') {
      collectGarbage();
      writeHeapSnapshot(msg.path);
      process.send?.({ type: 'snapshot', path: msg.path } satisfies FromConnectionServer);
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
