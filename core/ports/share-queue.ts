import type { RefusalKind } from '../shares/refusals.js';
import type { AuxAddressClaim, Share } from '../shares/share.js';

/**
 * Where accepted shares go. The stratum server awaits `enqueue` before it answers `true` to a miner:
 * a share acknowledged to a miner must already be durable (accepted by the queue, or spooled to disk).
 * Implementations batch: one share must never cost one queue request.
 */
export interface ShareQueue {
  /** Resolves when the share is durable. Rejects only if it could be neither sent nor spooled. */
  enqueue(share: Share): Promise<void>;
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
