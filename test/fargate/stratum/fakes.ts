import { payments } from 'bitcoinjs-lib';
import { getCoin, validateAddress } from '../../../core/coins/index.js';
import type { ShareQueue } from '../../../core/ports/share-queue.js';
import type { Share } from '../../../core/shares/share.js';
import type { JobProvider, ShareCheck, ShareSubmission, StratumJob } from '../../../fargate/src/jobs/types.js';
import type { StratumServerOptions } from '../../../fargate/src/stratum/context.js';

export const LTC = getCoin('LTC');
export const ADDRESS = payments.p2wpkh({ hash: Buffer.alloc(20, 5), network: LTC.networks.regtest[0] }).address!;
export const validate = (a: string) => validateAddress(LTC, 'regtest', a);

export function job(id: string, cleanJobs = true): StratumJob {
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
    height: 500,
    networkDifficulty: 0.00003,
  };
}

/** A JobProvider whose verdicts the test sets; records what it was asked. */
export class FakeJobs implements JobProvider {
  readonly extranonce1Size = 4;
  readonly extranonce2Size = 4;
  readonly submissions: ShareSubmission[] = [];
  verdict: ShareCheck = { ok: true, hash: 'ab', actualDifficulty: 1, height: 500 };
  private currentJob: StratumJob | undefined = job('1');
  private readonly listeners = new Set<(j: StratumJob) => void>();

  current(): StratumJob | undefined {
    return this.currentJob;
  }
  onJob(listener: (j: StratumJob) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async checkShare(s: ShareSubmission): Promise<ShareCheck> {
    this.submissions.push(s);
    return this.verdict;
  }
  publish(j: StratumJob): void {
    this.currentJob = j;
    for (const l of this.listeners) l(j);
  }
}

/** A ShareQueue that records; `hold()` makes enqueues wait until `release()`, `fail` makes them reject. */
export class MemoryQueue implements ShareQueue {
  readonly shares: Share[] = [];
  fail = false;
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  hold(): void {
    this.gate = new Promise((r) => {
      this.open = r;
    });
  }
  release(): void {
    this.open?.();
    this.gate = undefined;
  }
  async enqueue(share: Share): Promise<void> {
    if (this.gate) await this.gate;
    if (this.fail) throw new Error('queue and spool are down');
    this.shares.push(share);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

export const silentLog = { debug() {}, info() {}, warn() {}, error() {} };

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
