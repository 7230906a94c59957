/**
 * Hashes requested within one turn of the event loop, computed together when the turn's I/O is done: the native
 * scrypt hashes 4, 8 or 16 headers at once in SIMD lanes (docs/performance.md), and a busy stratum process reads many
 * connections' submits per turn. The whole turn's list goes to one `batch` call, which fills the widest lane groups
 * first. The wait is the rest of the turn, not a timer: a share never waits for a batch to fill.
 */
export class TurnBatchHasher {
  private pending: Array<{ header: Uint8Array; resolve: (h: Buffer) => void; reject: (err: unknown) => void }> = [];

  /** `batch` returns one 32-byte hash per header, in order (or a promise of them). */
  constructor(private readonly batch: (headers: Uint8Array[]) => Buffer[] | Promise<Buffer[]>) {}

  hash(header: Uint8Array): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.push({ header, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private async flush(): Promise<void> {
    const requests = this.pending;
    this.pending = [];
    try {
      const hashes = await this.hashAll(requests.map((r) => r.header));
      for (const [i, r] of requests.entries()) r.resolve(hashes[i]!);
    } catch (err) {
      if (requests.length === 1) return requests[0]!.reject(err);
      // One bad header must not fail the other shares of its turn: each alone, so only its own request fails.
      for (const r of requests) {
        this.hashAll([r.header]).then(([hash]) => r.resolve(hash!), r.reject);
      }
    }
  }

  private async hashAll(headers: Uint8Array[]): Promise<Buffer[]> {
    const hashes = await this.batch(headers);
    if (hashes.length !== headers.length) throw new Error(`${hashes.length} hashes for ${headers.length} headers`);
    return hashes;
  }
}
