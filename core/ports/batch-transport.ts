import type { ShareBatch } from '../shares/share.js';

/**
 * Carries share batches to ingest: SQS in AWS, an in-process queue locally.
 * `send` resolves only once every batch is accepted (durable on the other side); it rejects if any batch may not
 * have been. A rejected send may still have delivered some batches: callers resend with the same `batchId`, and
 * ingest counts a batch id once.
 */
export interface BatchTransport {
  send(batches: ShareBatch[]): Promise<void>;
}
