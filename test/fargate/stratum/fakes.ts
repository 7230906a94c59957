import { payments } from 'bitcoinjs-lib';
import { getCoin, validateAddress } from '../../../core/coins/index.js';
import type { SecurityConfig } from '../../../core/config/schema.js';
import type { Logger } from '../../../core/ports/logger.js';
import type { ShareQueue } from '../../../core/ports/share-queue.js';
import type { RefusalKind } from '../../../core/shares/refusals.js';
import type { Share } from '../../../core/shares/share.js';
import { PendingCheck } from '../../../fargate/src/jobs/pending-check.js';
import type {
  JobProvider,
  ShareCheck,
  ShareSubmission,
  ShareVerdict,
  StratumJob,
} from '../../../fargate/src/jobs/types.js';
import { DEFAULT_SECURITY } from '../../../fargate/src/stratum/ban-policy.js';
import type { StratumDialect, StratumServerOptions } from '../../../fargate/src/stratum/context.js';
import { stratumV1 } from '../../../fargate/src/stratum/stratum-v1.js';

export const LTC = getCoin('LTC');

/** A valid LTC regtest bech32 (P2WPKH) address over a fixed 20-byte hash filled with `fill`. */
export function regtestAddress(fill = 5): string {
  return payments.p2wpkh({ hash: Buffer.alloc(20, fill), network: LTC.networks.regtest![0] }).address!;
}

export const ADDRESS = regtestAddress(5);

/** The address validator the server gets in production, for LTC regtest. */
export const validate = (address: string): string => validateAddress(LTC, 'regtest', address);

export function job(id: string, cleanJobs = true, height = 500): StratumJob {
  return {
    jobId: id,
    prevHash: '00'.repeat(32),
    coinb1: '01',
    coinb2: '02',
    merkleBranch: [],
    version: '20000000',
    nbits: '207fffff',
    ntime: '6500000a',
    cleanJobs,
    height,
    networkDifficulty: 0.00003,
  };
}

type Verdict = ShareCheck | ((s: ShareSubmission) => ShareCheck | Promise<ShareCheck>);

/**
 * A JobProvider whose verdicts the test programs: `verdict` answers every share unless `nextVerdicts` holds
 * one-shot answers. Records every submission it was asked to check.
 */
export class FakeJobProvider implements JobProvider {
  readonly extranonce1Size = 4;
  readonly extranonce2Size = 4;
  readonly submissions: ShareSubmission[] = [];
  /** Stratum V1 on this provider, as the Bitcoin family's job source carries it. */
  readonly dialects: readonly StratumDialect[] = [stratumV1(this)];
  verdict: Verdict = { ok: true, hash: 'ab', actualDifficulty: 1, networkDifficulty: 4096, height: 500 };
  readonly nextVerdicts: Verdict[] = [];
  /** BIP310: the source's own mask (proxy mining: the upstream's); undefined: the port's. */
  versionMask: number | undefined;
  private currentJob: StratumJob | undefined;
  private readonly listeners = new Set<(j: StratumJob) => void>();

  constructor(first: StratumJob | undefined = job('1')) {
    this.currentJob = first;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  current(): StratumJob | undefined {
    return this.currentJob;
  }

  onJob(listener: (j: StratumJob) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Answer with the verdict itself, as the job manager does for a sha256d share (default: a promise of it). */
  synchronous = false;

  /**
   * When set: every check answers with a PendingCheck, kept here with its submission until the test settles it
   * (`settle`), as the job manager answers a scrypt share whose hash waits for its turn's batch.
   */
  pending: Array<{ check: PendingCheck<ShareCheck>; submission: ShareSubmission }> | undefined;

  checkShare(s: ShareSubmission): ShareVerdict {
    if (this.pending) {
      const check = new PendingCheck<ShareCheck>();
      this.submissions.push(s);
      this.pending.push({ check, submission: s });
      return check;
    }
    return this.synchronous ? this.verdictOf(s) : this.verdictLater(s);
  }

  /** Settles the pending check `i` (in the order asked) with its programmed verdict. */
  settle(i: number): void {
    const { check, submission } = this.pending![i]!;
    check.resolve(this.programmed(submission));
  }

  private verdictOf(s: ShareSubmission): ShareCheck | Promise<ShareCheck> {
    this.submissions.push(s);
    return this.programmed(s);
  }

  private programmed(s: ShareSubmission): ShareCheck | Promise<ShareCheck> {
    const v = this.nextVerdicts.shift() ?? this.verdict;
    return typeof v === 'function' ? v(s) : v;
  }

  private async verdictLater(s: ShareSubmission): Promise<ShareCheck> {
    return this.verdictOf(s);
  }

  /** Makes `j` the current job and tells every listener, as the job manager does on a new template. */
  publish(j: StratumJob): void {
    this.currentJob = j;
    for (const l of this.listeners) l(j);
  }
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * An in-memory ShareQueue. `shares` holds what became durable. `rejectWith` makes enqueues fail;
 * `gate` (a deferred) makes enqueues wait until the test resolves or rejects it; `started` counts enqueue calls.
 */
export class MemoryShareQueue implements ShareQueue {
  readonly shares: Share[] = [];
  started = 0;
  rejectWith: Error | undefined;
  gate: Deferred | undefined;

  async enqueue(share: Share): Promise<void> {
    this.started++;
    if (this.gate) await this.gate.promise;
    if (this.rejectWith) throw this.rejectWith;
    this.shares.push(share);
  }
  /** Refused shares tallied for workers, in order: [coin, miner, worker, kind]. */
  readonly refusals: Array<[string, string, string, RefusalKind]> = [];
  refused(coin: string, miner: string, worker: string, kind: RefusalKind): void {
    this.refusals.push([coin, miner, worker, kind]);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

/** A logger that prints nothing and keeps every entry for assertions. */
export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  debug(obj: object, msg: string): void {
    this.entries.push({ level: 'debug', obj, msg });
  }
  info(obj: object, msg: string): void {
    this.entries.push({ level: 'info', obj, msg });
  }
  warn(obj: object, msg: string): void {
    this.entries.push({ level: 'warn', obj, msg });
  }
  error(obj: object, msg: string): void {
    this.entries.push({ level: 'error', obj, msg });
  }
}

export const silentLog: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function options(over: Partial<StratumServerOptions> = {}): StratumServerOptions {
  return {
    coin: LTC,
    network: 'regtest',
    difficulty: { initial: 8, min: 1, max: 64, targetShareSeconds: 10, retargetSeconds: 60, variancePercent: 30 },
    maxLineBytes: 4096,
    maxSendQueueBytes: 64 * 1024,
    authTimeoutMs: 5000,
    idleTimeoutMs: 60_000,
    ...over,
  };
}

export type SecurityOverrides = Partial<Omit<SecurityConfig, 'banning' | 'connectionLimits'>> & {
  banning?: Partial<SecurityConfig['banning']>;
  connectionLimits?: Partial<SecurityConfig['connectionLimits']>;
};

/** The default security settings with some replaced (nested objects merged). */
export function security(over: SecurityOverrides = {}): SecurityConfig {
  return {
    ...DEFAULT_SECURITY,
    ...over,
    banning: { ...DEFAULT_SECURITY.banning, ...over.banning },
    connectionLimits: { ...DEFAULT_SECURITY.connectionLimits, ...over.connectionLimits },
  };
}

/** Polls `cond` (for state that has no event to wait on, e.g. the server's connection count). */
export async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
