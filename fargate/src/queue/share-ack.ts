import type { ShareAck, ShareQueue } from '../../../core/ports/share-queue.js';
import type { Share } from '../../../core/shares/share.js';

/**
 * Hands `share` to `queue` and tells `ack` what became of it: through the queue's `enqueueAck` (no promise per
 * share), or, for a queue without it, through `enqueue`'s promise. A queue that throws is told to `ack` as one that
 * rejects: the share is answered "not recorded", never left without an answer.
 */
export function enqueueWithAck(queue: ShareQueue, share: Share, ack: ShareAck): void {
  if (queue.enqueueAck) {
    try {
      queue.enqueueAck(share, ack);
    } catch (err) {
      ack.failed(asError(err));
    }
    return;
  }
  let queued: Promise<void>;
  try {
    queued = queue.enqueue(share);
  } catch (err) {
    ack.failed(asError(err));
    return;
  }
  queued.then(
    () => ack.durable(),
    (err: unknown) => ack.failed(asError(err)),
  );
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
