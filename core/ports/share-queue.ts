import type { RefusalKind } from '../shares/refusals.js';
import type { AuxAddressClaim, Share } from '../shares/share.js';

/** Told once what became of a share handed to `ShareQueue.enqueueAck` (an object, so a share costs no closure). */
export interface ShareAck {
  durable(): void;
  failed(err: Error): void;
}

/**
 * Where accepted shares go. The stratum server awaits `enqueue` before it answers `true` to a miner:
 * a share acknowledged to a miner must already be durable (accepted by the queue, or spooled to disk).
 * Implementations batch: one share must never cost one queue request.
 */
export interface ShareQueue {
  /** Resolves when the share is durable. Rejects only if it could be neither sent nor spooled. */
  enqueue(share: Share): Promise<void>;
  /**
   * `enqueue` without a promise (the sha256d share path: no promise or microtask per share): `ack` is told exactly
   * once, `durable()` when the share is durable or `failed(err)` when it could be neither sent nor spooled (a full or
   * closed queue: at once, before this returns). Never throws. Optional: the stratum server falls back to `enqueue`.
   */
  enqueueAck?(share: Share, ack: ShareAck): void;
  /**
   * Tallies a share refused to an authorized worker, sent with a later batch (core/shares/refusals.ts). Never waits
   * and never fails: a count lost with its process costs a figure on the miner page, nothing else. Optional: a
   * queue without it counts no refusals.
   */
  refused?(coin: string, miner: string, worker: string, kind: RefusalKind, at: number): void;
  /**
   * Merged mining: a miner's aux payout address from the mining password (`doge=<address>`), already checked against
   * the aux coin's network by the stratum server. Sent with a later batch (`ShareBatch.auxAddresses`); ingest keeps
   * the first one per miner and aux coin. Never waits and never fails. Optional: a queue without it keeps none.
   */
  auxAddress?(claim: AuxAddressClaim): void;
  /** Sends whatever is buffered now. */
  flush(): Promise<void>;
  /** Flushes and stops timers; further enqueues reject. */
  close(): Promise<void>;
}
