import type { AuxAddressStore } from '../../core/ports/aux-address-store.js';
import type { Logger } from '../../core/ports/logger.js';
import type { ShareIngestStore } from '../../core/ports/share-store.js';
import type { ShareCredit } from '../../core/shares/aggregate.js';
import { ingestBatch } from '../../core/shares/ingest-batch.js';
import { decodeMessage } from '../../core/shares/queue-message.js';
import type { ShareBatch } from '../../core/shares/share.js';

/**
 * The share ingest use case: queue messages (SQS, or the local in-process queue) → idempotent counters in the share
 * store. The SQS event and its partial batch response stay in the Lambda (lambdas/ingest/handler.ts).
 *
 * Failure handling, per message (a failed one is reported, e.g. in the Lambda's partial batch response, and never
 * holds the others back):
 *  - a body that is not a valid ShareBatch will never become valid: it is logged and reported as a batch item
 *    failure, so SQS redelivers it until maxReceiveCount and then its redrive policy moves it to the dead-letter
 *    queue, where an operator can look at it. It never loops forever, and never blocks the queue.
 *  - a storage failure (throttling, timeouts) is reported as a batch item failure and retried by redelivery;
 *    ingest is idempotent per batch id, so a retry after a partial write counts every share once.
 */

export interface IngestDeps {
  store: ShareIngestStore;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  now: () => number;
  /** How long a claim on a batch holds off other consumers: longer than the function timeout. */
  leaseMs?: number;
  /** Makes claims unique per invocation (Lambda: awsRequestId). */
  requestId?: string;
  /** PoT coins: the credit difficulty of each share, summed per round next to the plain difficulty. */
  credit?: ShareCredit;
  /**
   * The coin's shares are not bound to their connection (its chain family's `work.boundToConnection` is false): each
   * share's hash is claimed before it is counted, so one sent to several stratum processes or tasks counts once.
   */
  claimShares?: boolean;
  /**
   * Merged mining: the aux coins merged with a coin (core/config/merged.ts `auxCoinsOf`). Their blocks found by the
   * coin's shares are recorded in their blocks tables (`store` resolves their tables), their payout addresses kept in
   * `auxAddresses`. A batch naming any other aux coin is ingested without that block or address (logged).
   */
  auxCoinsOf?: (coin: string) => ReadonlySet<string>;
  auxAddresses?: AuxAddressStore;
}

/** How long a claim holds off other consumers by default: longer than the ingest Lambda's timeout. */
export const DEFAULT_LEASE_MS = 120_000;

/** A queue message as SQS delivers it (an SQSRecord; the local queue delivers the same shape). */
export interface QueueMessage {
  messageId: string;
  body: string;
  attributes?: { ApproximateReceiveCount?: string };
}

export interface IngestOutcome {
  /** The ids of the messages not done with, in their order: to be delivered again. */
  failed: string[];
  /** Blocks newly recorded, per coin: an aux chain's under the aux coin (its confirmation is that coin's). */
  blocksFound: Map<string, number>;
}

/** Ingests each message's batches; a message that fails is reported in `failed`, never holding the others back. */
export async function ingestMessages(messages: readonly QueueMessage[], deps: IngestDeps): Promise<IngestOutcome> {
  const blocksFound = new Map<string, number>();
  const outcomes = await Promise.all(messages.map((message) => ingestRecord(message, deps, blocksFound)));
  return { failed: messages.filter((_, i) => !outcomes[i]).map((m) => m.messageId), blocksFound };
}

/** true when the record is done with (every batch in it counted, now or before). */
async function ingestRecord(record: QueueMessage, deps: IngestDeps, found: Map<string, number>): Promise<boolean> {
  const where = { messageId: record.messageId, receiveCount: record.attributes?.ApproximateReceiveCount };
  let batches: ShareBatch[];
  try {
    batches = decodeMessage(record.body);
  } catch (err) {
    deps.log.error(
      { ...where, reason: (err as Error).message, bodyBytes: record.body.length },
      'malformed share batch: reported as failed so that the redrive policy moves it to the dead-letter queue',
    );
    return false;
  }
  // One batch after the other: a failure leaves the rest for the redelivery, where the counted ones are duplicates.
  for (const batch of batches) {
    const auxCoins = deps.auxCoinsOf?.(batch.coin);
    try {
      const result = await ingestBatch(deps.store, batch, {
        claim: `${deps.requestId ?? 'local'}:${record.messageId}`,
        now: deps.now,
        leaseMs: deps.leaseMs ?? DEFAULT_LEASE_MS,
        ...(deps.credit && { credit: deps.credit }),
        ...(deps.claimShares && { claimShares: true }),
        ...(auxCoins && { auxCoins }),
        ...(deps.auxAddresses && { auxAddresses: deps.auxAddresses }),
        onRepeats: (repeats) =>
          deps.log.warn({ ...where, batchId: batch.batchId, repeats }, 'repeated shares (same hash) counted once'),
        onUnknownAux: (auxCoin, what) =>
          deps.log.warn(
            { ...where, batchId: batch.batchId, coin: batch.coin, auxCoin, what },
            'aux chain not merged with this coin here: its block or address is left out, the shares are counted',
          ),
      });
      deps.log.info({ ...where, batchId: batch.batchId, shares: batch.shares.length, result }, 'share batch ingested');
      if (result === 'applied' && batch.views !== 'minutes') countBlocks(batch, auxCoins, found);
    } catch (err) {
      deps.log.warn({ ...where, batchId: batch.batchId, err }, 'share batch not ingested; it will be redelivered');
      return false;
    }
  }
  return true;
}

/** Adds the blocks an applied batch found to `found`: its coin's, and each merged aux coin's under that coin. */
function countBlocks(batch: ShareBatch, auxCoins: ReadonlySet<string> | undefined, found: Map<string, number>): void {
  const add = (coin: string) => found.set(coin, (found.get(coin) ?? 0) + 1);
  for (const s of batch.shares) {
    if (s.block) add(batch.coin);
    for (const aux of s.auxBlocks ?? []) if (auxCoins?.has(aux.coin)) add(aux.coin);
  }
}
