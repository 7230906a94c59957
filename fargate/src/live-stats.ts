import type { LiveSnapshot } from '../../core/ports/live-stats.js';
import type { Logger } from '../../core/ports/logger.js';
import type { ShareAck, ShareQueue } from '../../core/ports/share-queue.js';
import type { Share } from '../../core/shares/share.js';
import { OFFLINE_AFTER_MS } from '../../core/stats/hashrate.js';
import type { StratumJob } from './jobs/types.js';
import { enqueueWithAck } from './queue/share-ack.js';

/**
 * Who mined recently on this stratum process, and the network its current job builds on. It sees every accepted
 * share by wrapping the ShareQueue the stratum servers write to, so the stratum code does not know it exists.
 */
export class LiveStatsTracker {
  /** `miner\0worker` → last accepted share time. */
  private readonly last = new Map<string, number>();

  constructor(
    private readonly o: {
      job: () => Pick<StratumJob, 'height' | 'networkDifficulty'> | undefined;
      now: () => number;
      windowMs?: number;
    },
  ) {}

  /** A worker is online when it sent an accepted share this recently (by default the miner page's threshold). */
  get windowMs(): number {
    return this.o.windowMs ?? OFFLINE_AFTER_MS;
  }

  /** The queue to hand to the stratum servers: the same queue, noting each share once it is durable. */
  track(queue: ShareQueue): ShareQueue {
    return {
      enqueue: async (share) => {
        await queue.enqueue(share);
        this.record(share);
      },
      // The share path's form (no promise per share): the share is noted when its ack says durable.
      enqueueAck: (share, ack) => enqueueWithAck(queue, share, new TrackedAck(this, share, ack)),
      refused: (...args) => queue.refused?.(...args),
      auxAddress: (claim) => queue.auxAddress?.(claim),
      flush: () => queue.flush(),
      close: () => queue.close(),
    };
  }

  record(share: Pick<Share, 'miner' | 'worker' | 'timestamp'>): void {
    const key = `${share.miner}\0${share.worker}`;
    if ((this.last.get(key) ?? 0) < share.timestamp) this.last.set(key, share.timestamp);
  }

  /** Undefined before the first job (then this process serves nobody yet). */
  snapshot(): LiveSnapshot | undefined {
    const job = this.o.job();
    if (!job) return undefined;
    const at = this.o.now();
    const miners = new Set<string>();
    for (const [key, t] of this.last) {
      if (at - t > this.windowMs) this.last.delete(key);
      else miners.add(key.slice(0, key.indexOf('\0')));
    }
    return {
      jobHeight: job.height,
      networkDifficulty: job.networkDifficulty,
      miners: miners.size,
      workers: this.last.size,
      windowMs: this.windowMs,
      at,
    };
  }
}

/** An ack that notes a durable share in the tracker before passing the outcome on. */
class TrackedAck implements ShareAck {
  constructor(
    private readonly tracker: LiveStatsTracker,
    private readonly share: Share,
    private readonly ack: ShareAck,
  ) {}

  durable(): void {
    this.tracker.record(this.share);
    this.ack.durable();
  }

  failed(err: Error): void {
    this.ack.failed(err);
  }
}

/**
 * Reports the tracker's snapshot every `intervalMs` (the container writes it to the stats table; see
 * adapters/aws/dynamo-live-stats.ts). A failed report is logged and the next one tries again. Returns stop().
 */
export function publishLiveStats(o: {
  tracker: LiveStatsTracker;
  put: (snap: LiveSnapshot) => Promise<void>;
  intervalMs?: number;
  log: Pick<Logger, 'warn'>;
}): () => void {
  const tick = () => {
    const snap = o.tracker.snapshot();
    if (snap) o.put(snap).catch((err: unknown) => o.log.warn({ err }, 'live stats report failed'));
  };
  tick();
  const timer = setInterval(tick, o.intervalMs ?? 15_000);
  timer.unref();
  return () => clearInterval(timer);
}
