import { ConfigError } from '../../../core/errors.js';
import { PendingCheck } from './pending-check.js';
import type { JobProvider, ShareCheck, ShareSubmission, ShareVerdict, StratumJob } from './types.js';

/** One hex digit of job-id prefix per source: at most 16 sources behind one multiplexer. */
const MAX_SOURCES = 16;

/**
 * One JobProvider over several named ones (one per coin, each a running job source), one of them current. Miners see
 * only the current source's jobs, their ids prefixed with the source's hex digit so that a share routes back to the
 * source that made its job; `select` makes another source current and emits its newest job clean at once (miners drop
 * the old coin's work, and a share for it afterwards is stale, 21). Used by the switching port (fargate/src/switching)
 * and by a proxied coin's fallback to its own node.
 *
 * Every source must roll the same extranonce sizes: a connection's extranonce1 and the miner's extranonce2 length are
 * fixed at subscribe and cannot follow a switch.
 */
export class JobMultiplexer implements JobProvider {
  readonly extranonce1Size: number;
  readonly extranonce2Size: number;
  private readonly sources: ReadonlyArray<{ name: string; prefix: string; source: JobProvider }>;
  private readonly listeners = new Set<(job: StratumJob) => void>();
  private readonly unsubscribe: Array<() => void>;
  private active: number;

  constructor(sources: ReadonlyArray<readonly [name: string, source: JobProvider]>, initial?: string) {
    if (sources.length === 0) throw new ConfigError('a job multiplexer needs at least one source');
    if (sources.length > MAX_SOURCES) throw new ConfigError(`a job multiplexer takes at most ${MAX_SOURCES} sources`);
    const names = sources.map(([name]) => name);
    if (new Set(names).size !== names.length) throw new ConfigError(`job sources named twice: ${names.join(', ')}`);
    const [firstName, first] = sources[0]!;
    for (const [name, source] of sources) {
      if (source.extranonce1Size !== first.extranonce1Size || source.extranonce2Size !== first.extranonce2Size) {
        throw new ConfigError(
          `job sources ${firstName} and ${name} differ in extranonce sizes ` +
            `(${first.extranonce1Size}+${first.extranonce2Size} vs ${source.extranonce1Size}+${source.extranonce2Size} bytes): ` +
            'one connection cannot mine both',
        );
      }
    }
    this.extranonce1Size = first.extranonce1Size;
    this.extranonce2Size = first.extranonce2Size;
    this.sources = sources.map(([name, source], i) => ({ name, prefix: i.toString(16), source }));
    this.active = this.indexOf(initial ?? firstName);
    this.unsubscribe = this.sources.map((s, i) =>
      s.source.onJob((job) => {
        // A non-current coin's jobs are not broadcast: its miners are on another coin.
        if (i === this.active) this.emit(this.wrap(i, job));
      }),
    );
  }

  /** The current source's name. */
  get currentName(): string {
    return this.sources[this.active]!.name;
  }

  /** The sources' names, in the order given. */
  get names(): string[] {
    return this.sources.map((s) => s.name);
  }

  current(): StratumJob | undefined {
    const job = this.sources[this.active]!.source.current();
    return job && this.wrap(this.active, job);
  }

  onJob(listener: (job: StratumJob) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Makes `name` current and, when it is another source, emits its newest job with cleanJobs: true at once. Returns
   * whether the current source changed. A source with no job yet becomes current silently; its first job goes out.
   */
  select(name: string): boolean {
    const next = this.indexOf(name);
    if (next === this.active) return false;
    this.active = next;
    const job = this.sources[next]!.source.current();
    if (job) this.emit({ ...this.wrap(next, job), cleanJobs: true });
    return true;
  }

  /**
   * Routes the share to the source whose job it names, without the prefix, and says which source that was (`coin`).
   * A share for a source that is no longer current is stale: the miners were told to drop that work.
   */
  checkShare(submission: ShareSubmission): ShareVerdict {
    const index = Number.parseInt(submission.jobId.slice(0, 1), 16);
    const entry = Number.isNaN(index) ? undefined : this.sources[index];
    if (!entry || submission.jobId.length < 2) return { ok: false, code: 21, message: 'job not found' };
    if (index !== this.active) {
      return { ok: false, code: 21, message: `stale: the port switched from ${entry.name} to ${this.currentName}` };
    }
    // The source's verdict as it comes: synchronous when it is, pending without a promise when its hash waits
    // (scrypt), a promise otherwise.
    const check = entry.source.checkShare({ ...submission, jobId: submission.jobId.slice(1) });
    if (check instanceof PendingCheck) return check.map((c) => creditedTo(c, entry.name));
    if (check instanceof Promise) return check.then((c) => creditedTo(c, entry.name));
    return creditedTo(check, entry.name);
  }

  /** Stops listening to the sources (they are stopped by whoever started them). */
  stop(): void {
    for (const off of this.unsubscribe) off();
    this.listeners.clear();
  }

  private indexOf(name: string): number {
    const i = this.sources.findIndex((s) => s.name === name);
    if (i < 0) throw new ConfigError(`no job source named ${name} (have ${this.names.join(', ')})`);
    return i;
  }

  private wrap(index: number, job: StratumJob): StratumJob {
    return { ...job, jobId: this.sources[index]!.prefix + job.jobId };
  }

  private emit(job: StratumJob): void {
    for (const listener of this.listeners) listener(job);
  }
}

/** An accepted share's verdict names the coin it is credited on. */
function creditedTo(check: ShareCheck, coin: string): ShareCheck {
  return check.ok ? { ...check, coin } : check;
}
