/**
 * Hashes requested within one turn of the event loop, computed together when the turn's I/O is done: the native
 * scrypt hashes 4, 8 or 16 headers at once in SIMD lanes (docs/performance.md), and a busy stratum process reads many
 * connections' submits per turn. The whole turn's list goes to one `batch` call, which fills the widest lane groups
 * first. The wait is the rest of the turn, not a timer: a share never waits for a batch to fill.
 */
export class TurnBatchHasher {
  private pending: Request[] = [];

  /** `batch` returns one 32-byte hash per header, in order (or a promise of them). */
  constructor(private readonly batch: (headers: Uint8Array[]) => Buffer[] | Promise<Buffer[]>) {}

  hash(header: Uint8Array): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.push({ header, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  /**
   * The turn's batch. A synchronous batch (the native scrypt) settles every request within this call: no promise
   * of its own between the hash and the share's verdict (a block-solving share goes on to its submitblock at once).
   */
  private flush(): void {
    const requests = this.pending;
    this.pending = [];
    let hashes: Buffer[] | Promise<Buffer[]>;
    try {
      hashes = this.batch(requests.map((r) => r.header));
    } catch (err) {
      this.oneByOne(requests, err);
      return;
    }
    if (hashes instanceof Promise) {
      hashes.then(
        (h) => this.settle(requests, h),
        (err) => this.oneByOne(requests, err),
      );
    } else this.settle(requests, hashes);
  }

  private settle(requests: Request[], hashes: Buffer[]): void {
    if (hashes.length !== requests.length) {
      this.oneByOne(requests, new Error(`${hashes.length} hashes for ${requests.length} headers`));
      return;
    }
    for (let i = 0; i < requests.length; i++) requests[i]!.resolve(hashes[i]!);
  }

  /** One bad header must not fail the other shares of its turn: each alone, so only its own request fails. */
  private oneByOne(requests: Request[], err: unknown): void {
    if (requests.length === 1) {
      requests[0]!.reject(err);
      return;
    }
    for (const r of requests) {
      try {
        const hashes = this.batch([r.header]);
        if (hashes instanceof Promise) hashes.then((h) => this.settle([r], h), r.reject);
        else this.settle([r], hashes);
      } catch (alone) {
        r.reject(alone);
      }
    }
  }
}

interface Request {
  header: Uint8Array;
  resolve: (h: Buffer) => void;
  reject: (err: unknown) => void;
}
