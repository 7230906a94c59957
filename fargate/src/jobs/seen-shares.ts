/**
 * The shares accepted on one previous block, by their header: a header is the work, whatever job id it was sent
 * under. Two jobs of one previous block can build the same headers (a refreshed template that came back to an earlier
 * state, a job differing only in its start ntime), so a set per job would credit one solution once per job.
 *
 * Bounded: at `capacity` it refuses to take more rather than forgetting the oldest, because a forgotten share could
 * be credited again under any job still live. The capacity is far above what a pool at sane difficulties accepts
 * in one block interval; reaching it means the minimum difficulty is too low (the job manager logs it).
 */
export class SeenShares {
  private readonly keys = new Set<string>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`share capacity must be >= 1, got ${capacity}`);
  }

  get size(): number {
    return this.keys.size;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Remembers `key`; false (and nothing remembered) when the set is full. */
  add(key: string): boolean {
    if (this.keys.size >= this.capacity) return false;
    this.keys.add(key);
    return true;
  }

  delete(key: string): void {
    this.keys.delete(key);
  }
}
