/**
 * Hashes requested within one turn of the event loop, computed in pairs when the turn's I/O is done: two scrypt
 * hashes interleaved in one native call run ~1.5× as fast as one after the other (docs/performance.md), and a busy
 * stratum process reads many connections' submits per turn. An odd one out is hashed alone. The wait is the rest of
 * the turn, not a timer.
 */
export class PairingHasher {
  private pending: Array<{ header: Uint8Array; resolve: (h: Buffer) => void; reject: (err: unknown) => void }> = [];

  constructor(
    private readonly single: (header: Uint8Array) => Buffer,
    private readonly pair: (a: Uint8Array, b: Uint8Array) => [Buffer, Buffer],
  ) {}

  hash(header: Uint8Array): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.push({ header, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    for (let i = 0; i < batch.length; i += 2) {
      const a = batch[i]!;
      const b = batch[i + 1];
      try {
        if (b) {
          const [x, y] = this.pair(a.header, b.header);
          a.resolve(x);
          b.resolve(y);
        } else {
          a.resolve(this.single(a.header));
        }
      } catch (err) {
        a.reject(err);
        b?.reject(err);
      }
    }
  }
}
