import { createHash, randomUUID } from 'node:crypto';
import { appendFile, open, readFile, rename } from 'node:fs/promises';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { StorageError } from '../../core/errors.js';
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
  /**
   * Makes the queue durable like SQS: every sent message is appended and fsynced here before `send` resolves, and
   * marked done once handled; `open()` redelivers what a crashed process left unhandled (ingest is idempotent).
   */
  journalFile?: string;
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
  private readonly journalFile: string | undefined;
  private journalLock: Promise<unknown> = Promise.resolve();
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
    this.journalFile = opts.journalFile;
    this.onError = opts.onError ?? (() => {});
  }

  async send(batches: ShareBatch[]): Promise<void> {
    if (this.closed) throw new StorageError('local queue is closed');
    const now = Date.now();
    const fresh: Message[] = batches.map((b) => ({
      messageId: randomUUID(),
      body: JSON.stringify(b),
      sentAt: now,
      receiveCount: 0,
      availableAt: now,
    }));
    // Accepted means durable: journal first (when journaling), then deliver.
    await this.journal(
      fresh.map((m) => ({ t: 'm', id: m.messageId, body: m.body, sentAt: m.sentAt })),
      true,
    );
    this.messages.push(...fresh);
    this.plan();
  }

  /**
   * Loads the journal: messages sent but never handled by a previous process are delivered again. The journal is
   * then rewritten with only those, so it does not grow across restarts. No-op without `journalFile`.
   */
  async open(): Promise<number> {
    if (!this.journalFile) return 0;
    let text = '';
    try {
      text = await readFile(this.journalFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const pending = new Map<string, Message>();
    for (const line of text.split('\n')) {
      if (!line) continue;
      let entry: { t: string; id: string; body?: string; sentAt?: number };
      try {
        entry = JSON.parse(line);
      } catch {
        continue; // a line torn by a crash: its send had not resolved, so nothing was acknowledged for it
      }
      if (entry.t === 'm' && typeof entry.body === 'string') {
        const sentAt = entry.sentAt ?? Date.now();
        pending.set(entry.id, { messageId: entry.id, body: entry.body, sentAt, receiveCount: 0, availableAt: 0 });
      } else if (entry.t === 'd') pending.delete(entry.id);
    }
    const tmp = `${this.journalFile}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      for (const m of pending.values()) {
        await fh.write(`${JSON.stringify({ t: 'm', id: m.messageId, body: m.body, sentAt: m.sentAt })}\n`);
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.journalFile);
    this.messages.push(...pending.values());
    this.plan();
    return pending.size;
  }

  private journal(entries: object[], sync: boolean): Promise<void> {
    const file = this.journalFile;
    if (!file || entries.length === 0) return Promise.resolve();
    const run = this.journalLock.then(async () => {
      const fh = await open(file, 'a');
      try {
        await fh.write(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
        if (sync) await fh.sync();
      } finally {
        await fh.close();
      }
    });
    this.journalLock = run.catch(() => {});
    return run;
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

  /** Stops delivering; waits for the handler call in progress and for the journal writes it queued (done marks),
   * so a queue closed cleanly redelivers nothing it handled. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 5));
    await this.journalLock;
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
    // Not fsynced: losing a done mark only means one idempotent redelivery after a crash.
    this.journal([{ t: 'd', id: m.messageId }], false).catch(this.onError);
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
