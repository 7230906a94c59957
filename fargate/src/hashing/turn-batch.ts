/** Where a share's PoW hash goes when it is not known at once (the end of its turn's batch): no promise, no closure. */
export interface HashReceiver {
  hashed(pow: Buffer): void;
  hashFailed(err: unknown): void;
}

/**
 * Hashes requested within one turn of the event loop, computed together when the turn's I/O is done: the native
 * scrypt hashes 4, 8 or 16 headers at once in SIMD lanes (docs/performance.md), and a busy stratum process reads many
 * connections' submits per turn. The whole turn's list goes to one `batch` call (its cheapest sequence of lane
 * groups: ScryptBatchPlan). The wait is the rest of the turn, not a timer: a share never waits for a batch to fill.
 * Each hash goes to its request's receiver; the headers and receivers are kept side by side, one entry a share.
 */
export class TurnBatchHasher {
  private headers: Uint8Array[] = [];
  private receivers: HashReceiver[] = [];
  private readonly flushTurn = () => this.flush();

  /** `batch` returns one 32-byte hash per header, in order (or a promise of them). */
  constructor(private readonly batch: (headers: Uint8Array[]) => Buffer[] | Promise<Buffer[]>) {}

  /** `header`'s hash goes to `receiver` at the end of this turn. */
  hash(header: Uint8Array, receiver: HashReceiver): void {
    if (this.headers.push(header) === 1) setImmediate(this.flushTurn);
    this.receivers.push(receiver);
  }

  /**
   * The turn's batch. A synchronous batch (the native scrypt) settles every request within this call: no promise
   * between the hash and the share's verdict (a block-solving share goes on to its submitblock at once).
   */
  private flush(): void {
    const { headers, receivers } = this;
    this.headers = [];
    this.receivers = [];
    let hashes: Buffer[] | Promise<Buffer[]>;
    try {
      hashes = this.batch(headers);
    } catch (err) {
      this.oneByOne(headers, receivers, err);
      return;
    }
    if (hashes instanceof Promise) {
      hashes.then(
        (h) => this.settle(headers, receivers, h),
        (err: unknown) => this.oneByOne(headers, receivers, err),
      );
    } else this.settle(headers, receivers, hashes);
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
