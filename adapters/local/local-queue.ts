import { createHash, randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { BatchTransport } from '../../core/ports/batch-transport.js';
import type { ShareBatch } from '../../core/shares/share.js';

/** An SQS-consumer Lambda handler: the very function deployed to AWS runs behind this queue locally. */
export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

export interface LocalQueueOptions {
  handler: SqsHandler;
  /** Shown in the records' eventSourceARN. */
  name?: string;
  /** Records per handler call, like the event source mapping's BatchSize. */
  batchSize?: number;
  /** How long a partial batch waits for more messages, like MaximumBatchingWindowInSeconds. */
  batchWindowMs?: number;
  /** A failed record comes back after this long, like the visibility timeout. */
  visibilityTimeoutMs?: number;
  /** After this many failed receives a record goes to the dead letters, like a redrive policy. */
  maxReceiveCount?: number;
  /** Dead letters are also appended here as JSON lines, so that they outlive the process. */
  deadLetterFile?: string;
  onError?: (err: unknown) => void;
}

export interface DeadLetter {
  messageId: string;
  body: string;
  receiveCount: number;
  failedAt: number;
}

interface Message {
  messageId: string;
  body: string;
  sentAt: number;
  firstReceivedAt?: number;
  receiveCount: number;
  availableAt: number;
}

/**
 * The local stand-in for SQS + its Lambda event source mapping: a BatchTransport that keeps messages in memory and
 * hands them to the ingest handler as SQS events, honouring partial batch responses (`batchItemFailures`),
 * redelivery after a visibility timeout, and a dead-letter list after maxReceiveCount — so local mode exercises
 * the same handler and the same failure paths as AWS. One handler call at a time, like a mapping with
 * maximum concurrency 1. Messages live in memory: what is accepted but not yet handled is lost if the process
 * dies (in AWS, SQS holds them).
 */
export class LocalQueue implements BatchTransport {
  private readonly handler: SqsHandler;
  private readonly arn: string;
  private readonly batchSize: number;
  private readonly batchWindowMs: number;
  private readonly visibilityTimeoutMs: number;
  private readonly maxReceiveCount: number;
  private readonly deadLetterFile: string | undefined;
  private readonly onError: (err: unknown) => void;

  private readonly messages: Message[] = [];
  private readonly dead: DeadLetter[] = [];
  private busy = false;
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerDue = Number.POSITIVE_INFINITY;
  private idleWaiters: Array<() => void> = [];

  constructor(opts: LocalQueueOptions) {
    this.handler = opts.handler;
    this.arn = `arn:aws:sqs:local:000000000000:${opts.name ?? 'shares'}`;
    this.batchSize = opts.batchSize ?? 10;
    this.batchWindowMs = opts.batchWindowMs ?? 20;
    this.visibilityTimeoutMs = opts.visibilityTimeoutMs ?? 1000;
    this.maxReceiveCount = opts.maxReceiveCount ?? 5;
    this.deadLetterFile = opts.deadLetterFile;
    this.onError = opts.onError ?? (() => {});
  }

  async send(batches: ShareBatch[]): Promise<void> {
    if (this.closed) throw new Error('local queue is closed');
    const now = Date.now();
    for (const b of batches) {
      this.messages.push({
        messageId: randomUUID(),
        body: JSON.stringify(b),
        sentAt: now,
        receiveCount: 0,
        availableAt: now,
      });
    }
    this.plan();
  }

  /** Records that failed maxReceiveCount times. */
  deadLetters(): readonly DeadLetter[] {
    return this.dead;
  }

  /** Messages waiting or being handled (dead letters excluded). */
  depth(): number {
    return this.messages.length;
  }

  /** Resolves once every message was handled or dead-lettered. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops delivering; waits for the handler call in progress. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 5));
  }

  private isIdle(): boolean {
    return this.messages.length === 0 && !this.busy;
  }

  /** Schedules the next delivery: at once for a full batch, after the window for a partial one. */
  private plan(): void {
    if (this.closed || this.busy) return;
    if (this.isIdle()) {
      for (const w of this.idleWaiters.splice(0)) w();
      return;
    }
    const now = Date.now();
    const ready = this.messages.filter((m) => m.availableAt <= now).length;
    let due: number;
    if (ready >= this.batchSize) due = now;
    else if (ready > 0)
      due = Math.min(...this.messages.filter((m) => m.availableAt <= now).map((m) => m.sentAt)) + this.batchWindowMs;
    else due = Math.min(...this.messages.map((m) => m.availableAt));
    if (this.timer && this.timerDue <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerDue = Number.POSITIVE_INFINITY;
        void this.deliver();
      },
      Math.max(0, due - now),
    );
  }

  private async deliver(): Promise<void> {
    if (this.closed || this.busy) return;
    const now = Date.now();
    const taken = this.messages.filter((m) => m.availableAt <= now).slice(0, this.batchSize);
    if (taken.length === 0) return this.plan();
    this.busy = true;
    for (const m of taken) {
      m.receiveCount += 1;
      m.firstReceivedAt ??= now;
      // Invisible until handled; a failed one becomes visible again after the visibility timeout.
      m.availableAt = Number.POSITIVE_INFINITY;
    }
    let failed: Set<string>;
    try {
      const res = await this.handler({ Records: taken.map((m) => this.toRecord(m)) });
      failed = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (err) {
      // A handler that throws fails the whole batch, as in Lambda.
      this.onError(err);
      failed = new Set(taken.map((m) => m.messageId));
    }
    const after = Date.now();
    for (const m of taken) {
      if (!failed.has(m.messageId)) {
        this.remove(m);
      } else if (m.receiveCount >= this.maxReceiveCount) {
        this.remove(m);
        await this.deadLetter({ messageId: m.messageId, body: m.body, receiveCount: m.receiveCount, failedAt: after });
      } else {
        m.availableAt = after + this.visibilityTimeoutMs;
      }
    }
    this.busy = false;
    this.plan();
  }

  private remove(m: Message): void {
    const i = this.messages.indexOf(m);
    if (i >= 0) this.messages.splice(i, 1);
  }

  private async deadLetter(d: DeadLetter): Promise<void> {
    this.dead.push(d);
    if (!this.deadLetterFile) return;
    try {
      await appendFile(this.deadLetterFile, `${JSON.stringify(d)}\n`);
    } catch (err) {
      this.onError(err);
    }
  }

  private toRecord(m: Message): SQSRecord {
    return {
      messageId: m.messageId,
      receiptHandle: `${m.messageId}:${m.receiveCount}`,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(m.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: 'local',
    };
  }
}
