import { StorageError } from '../../../core/errors.js';
import { forEachSliced } from '../../../core/limited.js';
import type { BatchTransport } from '../../../core/ports/batch-transport.js';
import type { Logger } from '../../../core/ports/logger.js';
import type { ShareAck, ShareQueue } from '../../../core/ports/share-queue.js';
import type { ShareSpool } from '../../../core/ports/share-spool.js';
import { AuxAddressTally } from '../../../core/shares/aux-addresses.js';
import { type RefusalKind, RefusalTally } from '../../../core/shares/refusals.js';
import type { AuxAddressClaim, Share, ShareBatch } from '../../../core/shares/share.js';
import { SummaryFolder } from '../../../core/shares/summary.js';

/** A share as the minute summary counts it: a plain share (its blocks, its coin's and aux chains', were recorded). */
function withoutBlocks(s: Share): Share {
  const { block: _block, auxBlocks: _auxBlocks, ...rest } = s;
  return rest;
}

/** A share that found a block of its coin or of an aux chain: its batch is shipped at once in journal mode. */
const foundBlock = (s: Share) => s.block !== undefined || s.auxBlocks !== undefined;

type QueueLog = Pick<Logger, 'info' | 'warn' | 'error'>;

/** What a journal segment is folded into before it is shipped (core/shares/summary.ts BatchSummary). */
export interface SegmentSummary {
  add(batch: ShareBatch): void;
  /** The messages to ship for the batches added, under ids derived from `id`. */
  take(id: string): ShareBatch[];
}

/** A journal segment folded as its batches were journaled (BatchingShareQueue `foldJournaled`). */
interface SegmentFold {
  summary: SegmentSummary;
  /** The segment's first batch id: its summaries' ids derive from it, as when it is read back. */
  first: string;
  /** The batches folded. */
  batches: number;
  /** The summaries, once taken: sent again as they are if the ship fails. */
  taken?: ShareBatch[];
}

/**
 * The id a journal segment's summaries derive from: its first batch's, whether the segment was folded as it was
 * written or read back after a restart, so that a segment shipped again is recognised by ingest as a duplicate.
 */
function segmentSummaryId(firstBatchId: string): string {
  return `sum-${firstBatchId}`;
}

/** Segments folded at a time: each holds a summary (an entry per worker and minute) until it is shipped. */
const MAX_FOLDS = 8;

export interface BatchingShareQueueOptions {
  transport: BatchTransport;
  spool: ShareSpool;
  /** Flush once a coin has this many shares waiting (500 keeps a batch well under the 256 KiB SQS limit). */
  maxShares?: number;
  /** Flush a share at most this long after it arrived: the floor of the submit → ack latency. */
  maxWaitMs?: number;
  /** Prefix of batch ids; unique per process so that ids never collide across stratum tasks and restarts. */
  instanceId: string;
  /** Pause between attempts to resend the spool while the transport fails. */
  replayIntervalMs?: number;
  /**
   * Most shares held in memory (waiting + being sent or spooled). Past it enqueue rejects: when neither the
   * transport nor the spool keeps up, refusing shares beats growing until the process dies and loses them all.
   */
  maxBufferedShares?: number;
  /** Batches resent per transport call during replay (SQS takes 10 messages per request). */
  replayChunk?: number;
  /**
   * When a share is acknowledged. 'queue' (default): once the queue (SQS) accepted its batch, or the spool did
   * because the queue failed. 'journal': once its batch is fsynced to the spool; a shipper sends the spool to the
   * queue every `shipIntervalMs`, many batches per compressed message. The ack stays a few milliseconds while the
   * queue sees one request per interval instead of one per batch window; what is at stake is the spool's disk
   * (see docs/performance.md).
   */
  ackAfter?: 'queue' | 'journal';
  /**
   * Journal mode: how often the spool is shipped to the queue, at multiples of it on the clock (every minute on the
   * minute for 60000), so that a shipped segment covers whole minutes. A batch with a found block is shipped at once.
   */
  shipIntervalMs?: number;
  /**
   * Journal mode: a new fold of what a shipped segment becomes, e.g. summaries (core/shares/summary.ts) instead of
   * every share. Must be deterministic in the batches and `id` (derived from the segment's first batch id), so that a
   * segment shipped again after a crash yields the same messages, which ingest then recognises.
   */
  summarize?: () => SegmentSummary;
  /** Journal mode: the longest the fold of a shipped segment holds the event loop before miners get a turn (4 ms). */
  shipSliceMs?: number;
  /**
   * `queue` mode: batches are sent as 'rounds' (what money reads) and, every this many ms on the clock, the shares
   * they carried since go out once more as a summary of their minutes ('minutes': what miner pages read), so that a
   * minute of a worker is one packed row instead of one per batch window. The summary is not acknowledged to anyone:
   * shares still in it when the process dies are missing from the per-minute charts only, never from the money.
   * Absent: every batch carries all views.
   */
  minuteSummaryMs?: number;
  /**
   * Refused-share counts (`refused`) of a coin with no accepted share to ride along with are sent on their own at
   * most this long after the first of them (default 5 s): a worker whose every share is refused still shows, without
   * a batch per refusal. In `minuteSummaryMs` mode they go with the minute summary instead.
   */
  refusalWaitMs?: number;
  /** Most workers whose refusals are tallied at once per coin (core/shares/refusals.ts RefusalTally). */
  maxRefusalWorkers?: number;
  /**
   * Merged mining: most distinct aux payout address claims (`auxAddress`) held between two batches (default 10,000);
   * past it a new claim is dropped, and the miner's next authorize offers it again.
   */
  maxAuxAddresses?: number;
  log?: QueueLog;
  /** The clock the ship and minute-summary times are aligned to (default: Date.now). */
  now?: () => number;
}

/**
 * One coin's shares waiting for a batch and, at the same index, who is told when each is durable. Two arrays rather
 * than an object per share; a batch that takes them all takes the arrays themselves (no copy).
 */
interface CoinBuffer {
  shares: Share[];
  acks: ShareAck[];
}

/** Emptied ack arrays kept for the next batches (a handful: one per batch in flight is plenty). */
const MAX_FREE_ACK_ARRAYS = 8;

export interface ShareQueueStats {
  buffered: number;
  inFlight: number;
  /** True while the transport is considered down and batches go to the spool. */
  degraded: boolean;
  sentBatches: number;
  spooledBatches: number;
  replayedBatches: number;
  rejectedShares: number;
}

const silent: QueueLog = { info() {}, warn() {}, error() {} };

/**
 * The ShareQueue of the stratum server: batches shares per coin, sends each batch through a BatchTransport, and
 * falls back to a disk spool so that a share is acknowledged only once it is durable somewhere. While the spool
 * holds batches, new batches go straight to the spool (no per-batch wait on a dead transport) and a replayer
 * resends spooled batches, with their original batch ids, until the spool is empty. Ingest counts a batch id once,
 * so a batch that was both sent and spooled is harmless.
 */
export class BatchingShareQueue implements ShareQueue {
  private readonly transport: BatchTransport;
  private readonly spool: ShareSpool;
  private readonly maxShares: number;
  private readonly maxWaitMs: number;
  private readonly instanceId: string;
  private readonly replayIntervalMs: number;
  private readonly maxBufferedShares: number;
  private readonly replayChunk: number;
  private readonly journal: boolean;
  private readonly summarize: BatchingShareQueueOptions['summarize'];
  private readonly shipSliceMs: number;
  /**
   * Journal mode with summaries: the segments this process journals to, each folded as its batches are journaled
   * (at most MAX_FOLDS at a time; a segment past that, or whose fold failed, is read back when shipped, as after a
   * restart).
   */
  private readonly folds = new Map<string, SegmentFold | 'failed'>();
  private readonly minutes: { folder: SummaryFolder; intervalMs: number } | undefined;
  private minutesTimer: ReturnType<typeof setTimeout> | undefined;
  private minutesSeq = 0;
  private readonly log: QueueLog;
  private readonly now: () => number;

  /** coin → its waiting shares; kept when empty (a queue serves a coin or a few). */
  private readonly buffers = new Map<string, CoinBuffer>();
  private readonly freeAcks: ShareAck[][] = [];
  /** coin → refused-share counts waiting for a batch. */
  private readonly refusals = new Map<string, RefusalTally>();
  private refusalTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly refusalWaitMs: number;
  private readonly maxRefusalWorkers: number;
  /** Aux payout addresses waiting for a batch (see `auxAddress`). */
  private readonly auxClaims: AuxAddressTally;
  /** The coin of the newest batch: the queue's coin, which aux address claims travel with. */
  private lastCoin: string | undefined;
  private buffered = 0;
  private inFlight = 0;
  private readonly deliveries = new Set<Promise<void>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private seq = 0;
  private closed = false;
  private fullError: StorageError | undefined;

  private degraded = false;
  private spoolDirty = false;
  private replaying: Promise<void> | undefined;
  private replayWake: (() => void) | undefined;
  private replayTimer: ReturnType<typeof setTimeout> | undefined;
  /** Journal mode: a found block waits in the spool; ship without waiting for the interval. */
  private shipNow = false;

  private readonly counters = { sentBatches: 0, spooledBatches: 0, replayedBatches: 0, rejectedShares: 0 };

  constructor(opts: BatchingShareQueueOptions) {
    this.transport = opts.transport;
    this.spool = opts.spool;
    this.maxShares = opts.maxShares ?? 500;
    this.maxWaitMs = opts.maxWaitMs ?? 25;
    this.instanceId = opts.instanceId;
    this.replayIntervalMs = opts.replayIntervalMs ?? 1000;
    this.now = opts.now ?? Date.now;
    this.maxBufferedShares = opts.maxBufferedShares ?? this.maxShares * 20;
    this.journal = opts.ackAfter === 'journal';
    if (this.journal) this.replayIntervalMs = opts.shipIntervalMs ?? 1000;
    // Journal mode ships a whole segment per call: the transport packs it into as few messages as fit.
    this.replayChunk = opts.replayChunk ?? (this.journal ? 100_000 : 10);
    this.summarize = this.journal ? opts.summarize : undefined;
    this.shipSliceMs = opts.shipSliceMs ?? 4;
    this.minutes =
      !this.journal && opts.minuteSummaryMs
        ? { folder: new SummaryFolder(), intervalMs: opts.minuteSummaryMs }
        : undefined;
    this.refusalWaitMs = opts.refusalWaitMs ?? 5_000;
    this.maxRefusalWorkers = opts.maxRefusalWorkers ?? 10_000;
    this.auxClaims = new AuxAddressTally(opts.maxAuxAddresses ?? 10_000);
    this.log = opts.log ?? silent;
    if (this.maxShares < 1) throw new RangeError('maxShares must be at least 1');
    if (this.maxBufferedShares < this.maxShares) throw new RangeError('maxBufferedShares must be >= maxShares');
  }

  /** Resends whatever a previous process left in the spool. Call once at start; it runs in the background. */
  start(): void {
    this.degraded = true;
    this.startReplay(0);
  }

  enqueue(share: Share): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return new Promise<void>((resolve, reject) => this.push(share, { durable: resolve, failed: reject }));
  }

  /** `enqueue` for the share path: no promise; a closed or full queue calls `ack.failed` before returning. */
  enqueueAck(share: Share, ack: ShareAck): void {
    const refused = this.refusal();
    if (refused) ack.failed(refused);
    else this.push(share, ack);
  }

  /** Why a share cannot be taken now (closed, or full), or undefined. */
  private refusal(): StorageError | undefined {
    if (this.closed) return new StorageError('share queue is closed');
    if (this.buffered + this.inFlight < this.maxBufferedShares) return undefined;
    this.counters.rejectedShares += 1;
    // One error for every refusal: while full, each share is refused, and a new error (its stack) per share would
    // cost more than the share itself on an already overloaded server.
    this.fullError ??= new StorageError(
      `share queue is full (${this.maxBufferedShares} shares): the queue and the spool lag behind`,
    );
    return this.fullError;
  }

  private push(share: Share, ack: ShareAck): void {
    let buf = this.buffers.get(share.coin);
    if (!buf) {
      buf = { shares: [], acks: [] };
      this.buffers.set(share.coin, buf);
    }
    buf.shares.push(share);
    buf.acks.push(ack);
    this.buffered += 1;
    if (buf.shares.length >= this.maxShares) this.flushCoin(share.coin);
    else this.timer ??= setTimeout(() => this.flushAll(), this.maxWaitMs);
  }

  /**
   * Tallies a refused share for the worker's stale/invalid/duplicate counts. `queue` mode with minute summaries: into
   * the next summary (the view the counts are read from); otherwise with the coin's next batch, or on their own after
   * `refusalWaitMs`.
   */
  refused(coin: string, miner: string, worker: string, kind: RefusalKind, at: number): void {
    if (this.closed) return;
    let tally = this.refusals.get(coin);
    if (!tally) {
      tally = new RefusalTally(this.maxRefusalWorkers);
      this.refusals.set(coin, tally);
    }
    tally.add(miner, worker, kind, at);
    if (this.minutes) this.armMinutes();
    else this.refusalTimer ??= setTimeout(() => this.flushAll(true), this.refusalWaitMs);
  }

  /**
   * Merged mining: a miner's aux payout address from its password, sent with the queue's next batch that writes the
   * per-minute view (the coin's next batch; in `queue` mode with minute summaries the summary, never a 'rounds'
   * batch), or on its own after `refusalWaitMs`. A claim needs a coin to travel with: the one the stratum server
   * serves, known from its first batch (every composition root gives a queue one coin; an address matters only to
   * a miner with shares). Each claim once per batch; ingest keeps the first per miner and aux coin. Like refusal
   * counts, claims are not acknowledged: those waiting when the process dies are lost, and the miner's next
   * authorize offers them again.
   */
  auxAddress(claim: AuxAddressClaim): void {
    if (this.closed) return;
    this.auxClaims.add(claim);
    if (this.minutes) this.armMinutes();
    else this.refusalTimer ??= setTimeout(() => this.flushAll(true), this.refusalWaitMs);
  }

  /** Sends what waits now; `minuteSummary`: the minute summary too (tests, settling a local pool). */
  async flush(opts: { minuteSummary?: boolean } = {}): Promise<void> {
    this.flushAll(true);
    await Promise.all([...this.deliveries]);
    if (opts.minuteSummary) await this.shipMinutes();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.shipMinutes();
    if (this.replayTimer) clearTimeout(this.replayTimer);
    this.replayWake?.();
    await this.replaying;
    // Journal mode: ship what the last interval journaled; what the queue refuses stays for the next start.
    if (this.journal) {
      await this.shipSpool().catch((err) => this.log.warn({ err }, 'final ship of the share journal failed'));
    }
  }

  /** Waits until the replayer has nothing left to do (tests, graceful shutdown). */
  async whenReplayed(): Promise<void> {
    while (this.replaying) await this.replaying;
  }

  stats(): ShareQueueStats {
    return { buffered: this.buffered, inFlight: this.inFlight, degraded: this.degraded, ...this.counters };
  }

  /** `withRefusals`: also send the refusal counts of coins without shares waiting (their timer, or a flush). */
  private flushAll(withRefusals = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const coin of [...this.buffers.keys()]) this.flushCoin(coin);
    if (!withRefusals || this.minutes) return;
    if (this.refusalTimer) clearTimeout(this.refusalTimer);
    this.refusalTimer = undefined;
    for (const [coin, tally] of this.refusals) {
      while (tally.size > 0) this.flushCoin(coin, true);
    }
    while (this.auxClaims.size > 0 && this.lastCoin !== undefined) this.flushCoin(this.lastCoin, true);
  }

  /** `refusalsOnly`: a batch of the coin's refusal counts and aux address claims, with no shares. */
  private flushCoin(coin: string, refusalsOnly = false): void {
    const buf = this.buffers.get(coin);
    const count = refusalsOnly || !buf ? 0 : Math.min(buf.shares.length, this.maxShares);
    if (!refusalsOnly && count === 0) return;
    const { shares, acks } = this.take(buf, count);
    this.buffered -= count;
    if (this.buffered === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.lastCoin = coin;
    // Refusal counts and aux addresses ride with a batch that writes the per-minute view (the minute summary does in
    // minutes mode: the batch schema refuses them on a 'rounds' batch).
    const rejected = this.minutes ? [] : (this.refusals.get(coin)?.take() ?? []);
    const auxAddresses = this.minutes ? [] : this.auxClaims.take();
    if (count === 0 && rejected.length === 0 && auxAddresses.length === 0) return;
    const batch: ShareBatch = {
      v: 1,
      batchId: `${this.instanceId}-${this.seq++}`,
      coin,
      shares,
      ...(this.minutes && { views: 'rounds' as const }),
      ...(rejected.length > 0 && { rejected }),
      ...(auxAddresses.length > 0 && { auxAddresses }),
    };
    this.inFlight += count;
    const delivery = this.deliver(batch).then(
      () => {
        this.foldMinutes(batch.shares);
        this.settle(acks, undefined);
      },
      (err: Error) => {
        // Refusal counts are not worth a retry of their own: lost with a batch nothing could keep.
        if (rejected.length > 0) this.log.warn({ err, batchId: batch.batchId }, 'refused-share counts lost');
        if (auxAddresses.length > 0) {
          this.log.warn({ err, batchId: batch.batchId, claims: auxAddresses.length }, 'aux payout addresses lost');
        }
        this.counters.rejectedShares += count;
        this.settle(acks, err);
      },
    );
    const tracked = delivery.finally(() => {
      this.inFlight -= count;
      this.deliveries.delete(tracked);
    });
    this.deliveries.add(tracked);
    // More than maxShares may be waiting for this coin (a burst): send the rest too.
    if (!refusalsOnly && (buf?.shares.length ?? 0) >= this.maxShares) this.flushCoin(coin);
  }

  /**
   * The first `count` shares of a coin's buffer and their acks. The common batch takes the whole buffer: its arrays
   * go as they are (the shares become the batch's array) and the buffer gets an empty one of each.
   */
  private take(buf: CoinBuffer | undefined, count: number): CoinBuffer {
    if (!buf || count === 0) return { shares: [], acks: [] };
    if (count < buf.shares.length) return { shares: buf.shares.splice(0, count), acks: buf.acks.splice(0, count) };
    const taken = { shares: buf.shares, acks: buf.acks };
    buf.shares = [];
    buf.acks = this.freeAcks.pop() ?? [];
    return taken;
  }

  /**
   * Tells each share's ack its batch's outcome, in order. An ack that throws is logged and the others are still
   * told (a promise's resolve never threw; an ack is the caller's code). The emptied array is kept for a next batch.
   */
  private settle(acks: ShareAck[], err: Error | undefined): void {
    for (let i = 0; i < acks.length; i++) {
      try {
        if (err) acks[i]!.failed(err);
        else acks[i]!.durable();
      } catch (thrown) {
        this.log.error({ err: thrown }, 'a share acknowledgement threw');
      }
    }
    acks.length = 0;
    if (this.freeAcks.length < MAX_FREE_ACK_ARRAYS) this.freeAcks.push(acks);
  }

  /** Makes one batch durable: transport first, spool on failure (spool first while degraded or in journal mode). */
  private async deliver(batch: ShareBatch): Promise<void> {
    const attempts =
      this.degraded || this.journal ? (['spool', 'transport'] as const) : (['transport', 'spool'] as const);
    const errors: unknown[] = [];
    for (const how of attempts) {
      try {
        if (how === 'transport') {
          await this.transport.send([batch]);
          this.counters.sentBatches += 1;
        } else {
          const segment = await this.spool.append(batch);
          this.foldJournaled(segment, batch);
          this.counters.spooledBatches += 1;
          this.spoolDirty = true;
          this.degraded = true;
          // A found block is recorded (and shown) within a moment rather than at the end of the interval.
          if (this.journal && batch.shares.some(foundBlock)) this.shipSoon();
          else this.startReplay(this.shipDelay());
        }
        return;
      } catch (err) {
        errors.push(err);
        this.log.warn({ err, batchId: batch.batchId, via: how }, 'share batch not accepted');
        if (how === 'transport') {
          this.degraded = true;
          // The replayer leaves degraded mode once the spool is empty and the transport answers again.
          this.startReplay(this.shipDelay());
        }
      }
    }
    throw new StorageError(`share batch ${batch.batchId} could be neither sent nor spooled`, {
      cause: new AggregateError(errors),
    });
  }

  private startReplay(delayMs: number): void {
    if (this.replaying || this.closed) return;
    this.replaying = this.replayLoop(delayMs).finally(() => {
      this.replaying = undefined;
      // An append that landed after the loop decided it was done.
      if (this.spoolDirty && !this.closed) this.startReplay(this.shipDelay());
    });
  }

  /** `minuteSummaryMs`: remembers durable shares for the next minute summary (found blocks count as plain shares). */
  private foldMinutes(shares: readonly Share[]): void {
    if (!this.minutes) return;
    this.minutes.folder.add(shares.map((s) => (foundBlock(s) ? withoutBlocks(s) : s)));
    this.armMinutes();
  }

  /** Starts the timer of the next minute summary, if none runs. */
  private armMinutes(): void {
    if (!this.minutes || this.minutesTimer || this.closed) return;
    const { intervalMs } = this.minutes;
    this.minutesTimer = setTimeout(
      () => void this.shipMinutes(),
      intervalMs - (this.now() % intervalMs) + this.maxWaitMs,
    );
  }

  /** Sends the minute summary of the shares folded so far; a failure costs chart points, never money. */
  private async shipMinutes(): Promise<void> {
    if (this.minutesTimer) clearTimeout(this.minutesTimer);
    this.minutesTimer = undefined;
    if (!this.minutes) return;
    for (const [coin, tally] of this.refusals) {
      while (tally.size > 0) this.minutes.folder.refuse(coin, tally.take());
    }
    if (this.lastCoin !== undefined && this.auxClaims.size > 0) {
      this.minutes.folder.claimAux(this.lastCoin, this.auxClaims.take(this.auxClaims.size));
    }
    if (this.minutes.folder.size === 0) return;
    const summaries = this.minutes.folder.take(`${this.instanceId}-m${this.minutesSeq++}`, 5_000, {
      views: 'minutes',
    });
    await Promise.all(
      summaries.map((b) =>
        this.deliver(b).catch((err) => this.log.warn({ err, batchId: b.batchId }, 'minute summary lost')),
      ),
    );
  }

  /** Until the next ship: journal mode ships on multiples of the interval (plus a batch window's slack). */
  private shipDelay(): number {
    if (!this.journal) return this.replayIntervalMs;
    const interval = this.replayIntervalMs;
    return interval - (this.now() % interval) + this.maxWaitMs;
  }

  private shipSoon(): void {
    this.shipNow = true;
    if (this.replaying) this.replayWake?.();
    else this.startReplay(0);
  }

  private async replayLoop(initialDelayMs: number): Promise<void> {
    let delay = initialDelayMs;
    while (!this.closed) {
      if (delay > 0 && !this.shipNow) await this.sleep(delay);
      if (this.closed) return;
      this.shipNow = false;
      delay = this.shipDelay();
      this.spoolDirty = false;
      try {
        await this.shipSpool(() => this.closed);
      } catch (err) {
        this.spoolDirty = true;
        this.log.warn({ err }, 'resending spooled share batches failed; will retry');
        continue;
      }
      if (!this.spoolDirty) {
        this.degraded = false;
        return;
      }
    }
  }

  /** Sends every sealed spool segment, oldest first; stops early when `stop()` says so. Throws on a send failure. */
  private async shipSpool(stop: () => boolean = () => false): Promise<void> {
    for (const id of await this.spool.sealSegments()) {
      if (stop()) return;
      const batches = await this.segmentMessages(id);
      for (let i = 0; i < batches.length; i += this.replayChunk) {
        const chunk = batches.slice(i, i + this.replayChunk);
        await this.transport.send(chunk);
        this.counters.replayedBatches += chunk.length;
      }
      // Only after every batch of the segment was accepted: a crash before this resends them (same ids).
      await this.spool.removeSegment(id);
      this.folds.delete(id);
      // Journal mode ships every second: only resends after a failure are worth a log line.
      if (batches.length > 0 && !this.journal)
        this.log.info({ segment: id, batches: batches.length }, 'spooled share batches resent');
    }
  }

  /**
   * Journal mode with summaries: folds a batch just journaled into its segment's summary, so that shipping the
   * segment needs no read back. Never throws (the batch is journaled and acknowledged whatever happens here): a fold
   * that failed is dropped, and its segment read back when shipped.
   */
  private foldJournaled(segment: string, batch: ShareBatch): void {
    // A spool that cannot count its segments (or no longer has this one: shipped already) gets no fold.
    if (!this.journal || !this.summarize || this.spool.appended?.(segment) === undefined) return;
    let fold = this.folds.get(segment);
    if (fold === 'failed' || (!fold && this.folds.size >= MAX_FOLDS)) return;
    try {
      if (!fold) {
        fold = { summary: this.summarize(), first: batch.batchId, batches: 0 };
        this.folds.set(segment, fold);
      }
      fold.summary.add(batch);
      fold.batches += 1;
    } catch (err) {
      this.folds.set(segment, 'failed');
      this.log.warn({ err, segment }, 'journal fold failed: the segment will be read back when shipped');
    }
  }

  /**
   * What a sealed segment ships as. Its fold, when the fold saw every batch the spool says it appended there (the
   * same batches in the same order as reading it back gives, so the same summaries under the same ids); the
   * summaries are kept until the segment is removed, so a ship that failed sends them again. Otherwise (a previous
   * process's segment, a fold that failed or lags behind) the segment read back and folded, or as it is without
   * `summarize`.
   */
  private async segmentMessages(id: string): Promise<ShareBatch[]> {
    const fold = this.folds.get(id);
    if (fold !== undefined && fold !== 'failed' && fold.batches === this.spool.appended?.(id)) {
      fold.taken ??= fold.summary.take(segmentSummaryId(fold.first));
      return fold.taken;
    }
    this.folds.delete(id);
    const journaled = await this.spool.readSegment(id);
    return this.summarize && journaled.length > 0 ? this.summarizeSegment(this.summarize(), journaled) : journaled;
  }

  /**
   * Folds a segment's batches into `summary` under the segment's id, giving the event loop a turn every
   * `shipSliceMs`: a second of journal at 50,000 shares/s is ~30 ms of folding, which in one piece was the ack tail.
   */
  private async summarizeSegment(summary: SegmentSummary, journaled: ShareBatch[]): Promise<ShareBatch[]> {
    await forEachSliced(journaled, this.shipSliceMs, (batch) => summary.add(batch));
    return summary.take(segmentSummaryId(journaled[0]!.batchId));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.replayWake = resolve;
      this.replayTimer = setTimeout(resolve, ms);
    });
  }
}
