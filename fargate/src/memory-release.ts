import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from '../../core/ports/logger.js';

/**
 * Gives a connect burst's memory back once the process has gone quiet (issue 18). A burst of miners connecting
 * (a deploy, a pool switch) grows V8's young generation to its maximum and promotes the handshakes' garbage; after
 * it, V8 shrinks its heap but keeps the pages resident in a pool (the RSS stays at the burst's peak: 19,800 idle
 * connections held 11.5 KiB of RSS each, 2.5 KiB of it live heap). One memory-reducing collection (V8's last-resort
 * flavour) returns them: 3.4 KiB each after it, for a pause of ~190 ms at that size (docs/performance.md). It runs
 * only when the RSS grew by `minGrowthBytes` since the last one (or the start) and the event loop was busy less than
 * `maxUtilization` of the last `intervalMs`: a process handling shares is never paused for it (its young generation
 * is its working set anyway), and the pause falls where there is nothing to delay.
 */
export interface QuietReleaseOptions {
  /** How often the process is looked at (ms). */
  intervalMs: number;
  /** RSS growth since the last release (or the start) that is worth a pause (bytes). */
  minGrowthBytes: number;
  /** The event loop's busy share of the last interval below which the process is quiet (0..1). */
  maxUtilization: number;
}

export const QUIET_RELEASE_DEFAULTS: QuietReleaseOptions = {
  intervalMs: 10_000,
  minGrowthBytes: 64 * 2 ** 20,
  maxUtilization: 0.05,
};

/** What the release reads and does: the process's own by default, a test's fakes otherwise. */
export interface QuietReleaseProbe {
  rss(): number;
  /** The event loop's busy share since the previous call (0..1). */
  utilization(): number;
  /** One memory-reducing full collection. */
  collect(): void;
}

/** The decision, separate from its timer: `check()` once per interval. */
export class QuietRelease {
  private baseline: number;

  constructor(
    private readonly probe: QuietReleaseProbe,
    private readonly log: Pick<Logger, 'info'>,
    private readonly options: QuietReleaseOptions = QUIET_RELEASE_DEFAULTS,
  ) {
    this.baseline = probe.rss();
    probe.utilization(); // the first interval starts now
  }

  /** Releases when grown and quiet; returns whether it did. */
  check(): boolean {
    const utilization = this.probe.utilization();
    const rss = this.probe.rss();
    // A process that shrank on its own (connections gone) measures its growth from there.
    if (rss < this.baseline) this.baseline = rss;
    if (rss - this.baseline < this.options.minGrowthBytes || utilization >= this.options.maxUtilization) return false;
    const started = performance.now();
    this.probe.collect();
    const pauseMs = performance.now() - started;
    this.baseline = this.probe.rss();
    this.log.info(
      { pauseMs: Math.round(pauseMs), rssBefore: rss, rssAfter: this.baseline, utilization },
      'quiet after a burst: memory given back',
    );
    return true;
  }
}

/** V8's last-resort collection (memory-reducing, pooled pages released), through the gc extension. */
export function memoryReducingCollection(): () => void {
  // The flag is read when a context is made: a new context gets `gc` without the process starting with --expose-gc.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: object) => void;
  return () => {
    // A marking V8's memory reducer has under way is finished first: the last-resort collection called in the middle
    // of one only completes that marking (objects that died during it survive) and gave back little (16 ms, 31 of
    // 200 MiB at 19,800 connections); after it, the pooled pages go back.
    gc({ type: 'major', execution: 'sync' });
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  };
}

/** The process's own probe: its RSS, its event loop's utilization, V8's memory-reducing collection. */
export function processProbe(): QuietReleaseProbe {
  let last = performance.eventLoopUtilization();
  return {
    rss: () => process.memoryUsage.rss(),
    utilization: () => {
      const now = performance.eventLoopUtilization();
      const delta = performance.eventLoopUtilization(now, last);
      last = now;
      return delta.utilization;
    },
    collect: memoryReducingCollection(),
  };
}

/** Starts looking every `intervalMs` (an unref'd timer); returns the stop. */
export function releaseMemoryWhenQuiet(
  log: Pick<Logger, 'info'>,
  options: QuietReleaseOptions = QUIET_RELEASE_DEFAULTS,
): () => void {
  const release = new QuietRelease(processProbe(), log, options);
  const timer = setInterval(() => release.check(), options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
