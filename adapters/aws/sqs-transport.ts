import {
  type BatchResultErrorEntry,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { StorageError } from '../../core/errors.js';
import type { BatchTransport } from '../../core/ports/batch-transport.js';
import { encodeMessages, messageBytes } from '../../core/shares/queue-message.js';
import type { ShareBatch } from '../../core/shares/share.js';

/** SQS limits: 10 entries per SendMessageBatch, 256 KiB per message and per request (all bodies together). */
export const SQS_MAX_ENTRIES = 10;
export const SQS_MAX_BYTES = 256 * 1024;

export interface SqsTransportOptions {
  /** Injected, so that tests and local mode can point it anywhere. */
  client: SQSClient;
  queueUrl: string;
  /** Attempts per entry that SQS lists in `Failed` for its own reasons (throttling, internal errors). */
  maxAttempts?: number;
  retryDelayMs?: number;
  /** Overridable for tests; SQS's own limit otherwise. */
  maxBytes?: number;
  /** Several batches per gzip-compressed message (core/shares/queue-message.ts v2); default true. */
  compress?: boolean;
}

/**
 * BatchTransport on SQS (a standard queue: ingest is idempotent per batch id, so at-least-once is enough).
 * The batches of one send go out as few gzip-compressed messages as fit (queue-message.ts), up to 10 per request.
 * A batch too big for a message is split in halves, recursively, into sub-batches `<id>.0`, `<id>.1`: the split is
 * deterministic, so a resent batch splits into the same ids and ingest still counts it once.
 */
export class SqsTransport implements BatchTransport {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly maxBytes: number;
  private readonly compress: boolean;

  constructor(opts: SqsTransportOptions) {
    this.client = opts.client;
    this.queueUrl = opts.queueUrl;
    this.maxAttempts = opts.maxAttempts ?? 3;
    this.retryDelayMs = opts.retryDelayMs ?? 50;
    this.maxBytes = opts.maxBytes ?? SQS_MAX_BYTES;
    this.compress = opts.compress ?? true;
  }

  async send(batches: ShareBatch[]): Promise<void> {
    const bodies = encodeMessages(batches, this.maxBytes, this.compress);
    const requests = packRequests(bodies, this.maxBytes);
    const results = await Promise.allSettled(requests.map((entries) => this.sendRequest(entries)));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length > 0) {
      const first = failures[0]?.reason as Error | undefined;
      throw new StorageError(
        `SQS did not accept ${failures.length} of ${requests.length} requests: ${first?.message ?? String(first)}`,
        { cause: first },
      );
    }
  }

  private async sendRequest(entries: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 1; ; attempt++) {
      const res = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }));
      const failed = res.Failed ?? [];
      if (failed.length === 0) return;
      // SenderFault: the entry itself is wrong (size, characters): resending the same bytes cannot succeed.
      const fatal = failed.find((f) => f.SenderFault);
      if (fatal || attempt >= this.maxAttempts) throw failedEntryError(fatal ?? failed[0]!, failed.length);
      const ids = new Set(failed.map((f) => f.Id));
      pending = pending.filter((e) => ids.has(e.Id));
      await new Promise((r) => setTimeout(r, this.retryDelayMs * attempt));
    }
  }
}

function failedEntryError(f: BatchResultErrorEntry, count: number): StorageError {
  return new StorageError(`SQS refused ${count} message(s): ${f.Code ?? 'unknown'}: ${f.Message ?? ''}`.trim());
}

/** Packs message bodies, in order, into requests of at most 10 entries and `maxBytes` in total. */
export function packRequests(bodies: string[], maxBytes: number = SQS_MAX_BYTES): SendMessageBatchRequestEntry[][] {
  const requests: SendMessageBatchRequestEntry[][] = [];
  let current: SendMessageBatchRequestEntry[] = [];
  let bytes = 0;
  bodies.forEach((body, i) => {
    const size = messageBytes(body);
    if (current.length === SQS_MAX_ENTRIES || (current.length > 0 && bytes + size > maxBytes)) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    // Entry ids only need to be unique within a request; the index also helps match `Failed` back in logs.
    current.push({ Id: `m${i}`, MessageBody: body });
    bytes += size;
  });
  if (current.length > 0) requests.push(current);
  return requests;
}
