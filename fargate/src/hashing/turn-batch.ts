import { performance } from 'node:perf_hooks';

/** Where a share's PoW hash goes when it is not known at once (the end of its turn's batch): no promise, no closure. */
export interface HashReceiver {
  hashed(pow: Buffer): void;
  hashFailed(err: unknown): void;
}

/**
 * How long the event loop must have slept since the last hash work for a request to be hashed at once. A lone
 * share's hash takes ~0.25 ms, so a request hashed alone by mistake costs about that.
 */
const IDLE_MS = 1;

/** Milliseconds the event loop has spent waiting for I/O since it started (libuv's count; ~50 ns a read). */
const loopSlept = (): number => performance.nodeTiming.idleTime;

/**
 * Hashes requested within one turn of the event loop, computed together when the turn's I/O is done: the native
 * scrypt hashes 4, 8 or 16 headers at once in SIMD lanes (docs/performance.md), and a busy stratum process reads many
 * connections' submits per turn. The whole turn's list goes to one `batch` call (its cheapest sequence of lane
 * groups: ScryptBatchPlan). The wait is the rest of the turn, not a timer: a share never waits for a batch to fill.
 * Each hash goes to its request's receiver; the headers and receivers are kept side by side, one entry a share.
 *
 * An idle process does not wait for the turn: when the event loop has slept (blocked waiting for I/O) `idleMs` or more
 * since the last hash work, the request (a lone share, a found block at a quiet pool) is hashed at once, alone, and
 * its hash returned, which is what its turn's batch of one would do ~30–100 µs later (docs/performance.md, "Tenth
 * stop"). A busy process's loop does not sleep between its turns, however long they take: its shares wait for their
 * turn's batch as before. (Time since the last batch is a weaker sign: a busy turn's reads, checks, queue encoding and
 * answers can take milliseconds while the loop never sleeps.)
 */
export class TurnBatchHasher {
  private headers: Uint8Array[] = [];
  private receivers: HashReceiver[] = [];
  private readonly flushTurn = () => this.flush();
  private readonly idleMs: number;
  private readonly slept: () => number;
  /**
   * How long the loop had slept when the last hash work ended (`slept`'s count): none yet, so the first request
   * finds the process idle (finite: an `idleMs` of Infinity is never reached).
   */
  private sleptAtLastWork = -Number.MAX_VALUE;

  /**
   * `batch` returns one 32-byte hash per header, in order (or a promise of them). A request is hashed at once when
   * `slept` (ms the event loop has spent waiting for I/O in all, default Node's `performance.nodeTiming.idleTime`)
   * has grown by `idleMs` (default 1 ms; `Infinity`: always the turn's batch) since the last hash work.
   */
  constructor(
    private readonly batch: (headers: Uint8Array[]) => Buffer[] | Promise<Buffer[]>,
    options: { idleMs?: number; slept?: () => number } = {},
  ) {
    this.idleMs = options.idleMs ?? IDLE_MS;
    this.slept = options.slept ?? loopSlept;
  }

  /**
   * `header`'s hash: returned now when the process was idle (its receiver is then not told), else undefined and
   * handed to `receiver` at the end of this turn. A hash that fails at once is told to `receiver` before this returns.
   */
  hash(header: Uint8Array, receiver: HashReceiver): Buffer | undefined {
    if (this.headers.length === 0 && this.slept() - this.sleptAtLastWork >= this.idleMs)
      return this.alone(header, receiver);
    if (this.headers.push(header) === 1) setImmediate(this.flushTurn);
    this.receivers.push(receiver);
    return undefined;
  }

  /** One header hashed now (the process was idle): its hash, or undefined when its receiver has been or will be told. */
  private alone(header: Uint8Array, receiver: HashReceiver): Buffer | undefined {
    const headers = [header];
    const receivers = [receiver];
    const hashes = this.compute(headers, receivers);
    if (hashes?.length === 1) return hashes[0];
    if (hashes) this.settle(headers, receivers, hashes);
    return undefined;
  }

  /**
   * The turn's batch. A synchronous batch (the native scrypt) settles every request within this call: no promise
   * between the hash and the share's verdict (a block-solving share goes on to its submitblock at once).
   */
  private flush(): void {
    const { headers, receivers } = this;
    this.headers = [];
    this.receivers = [];
    const hashes = this.compute(headers, receivers);
    if (hashes) this.settle(headers, receivers, hashes);
  }

  /**
   * `batch` of the headers: their hashes when it answered at once, else undefined and each receiver is told (a batch
   * that threw, at once; one that answered with a promise, when it settles).
   */
  private compute(headers: Uint8Array[], receivers: HashReceiver[]): Buffer[] | undefined {
    // The loop's sleep count does not move within a synchronous call: read here, it is the count at the work's end.
    this.sleptAtLastWork = this.slept();
    let hashes: Buffer[] | Promise<Buffer[]>;
    try {
      hashes = this.batch(headers);
    } catch (err) {
      this.oneByOne(headers, receivers, err);
      return undefined;
    }
    if (!(hashes instanceof Promise)) return hashes;
    hashes.then(
      (h) => this.settle(headers, receivers, h),
      (err: unknown) => this.oneByOne(headers, receivers, err),
    );
    return undefined;
  }

  private settle(headers: Uint8Array[], receivers: HashReceiver[], hashes: Buffer[]): void {
    if (hashes.length !== receivers.length) {
      this.oneByOne(headers, receivers, new Error(`${hashes.length} hashes for ${receivers.length} headers`));
      return;
    }
    for (let i = 0; i < receivers.length; i++) handTo(receivers[i]!, hashes[i]!);
  }

  /** One bad header must not fail the other shares of its turn: each alone, so only its own request fails. */
  private oneByOne(headers: Uint8Array[], receivers: HashReceiver[], err: unknown): void {
    if (receivers.length === 1) {
      failTo(receivers[0]!, err);
      return;
    }
    for (let i = 0; i < receivers.length; i++) {
      const one = [headers[i]!];
      const receiver = [receivers[i]!];
      try {
        const hashes = this.batch(one);
        if (hashes instanceof Promise) {
          hashes.then(
            (h) => this.settle(one, receiver, h),
            (alone: unknown) => failTo(receiver[0]!, alone),
          );
        } else this.settle(one, receiver, hashes);
      } catch (alone) {
        failTo(receiver[0]!, alone);
      }
    }
  }
}

/** A receiver that throws has failed its own share: the turn's other shares still get their hashes. */
function handTo(receiver: HashReceiver, pow: Buffer): void {
  try {
    receiver.hashed(pow);
  } catch (err) {
    failTo(receiver, err);
  }
}

function failTo(receiver: HashReceiver, err: unknown): void {
  try {
    receiver.hashFailed(err);
  } catch (thrown) {
    queueMicrotask(() => {
      throw thrown; // surfaces as an uncaught error, as a promise callback's throw would; the batch goes on
    });
  }
}
