export interface VardiffOptions {
  min: number;
  max: number;
  /** Aim: one share per this many seconds. */
  targetShareSeconds: number;
  /** Reconsider at most this often. */
  retargetSeconds: number;
  /** No change while the observed interval is within ±this percent of the target. */
  variancePercent: number;
  /** Largest change factor per retarget (up or down), so one lucky streak cannot swing it wildly. */
  maxFactor?: number;
}

/**
 * Variable difficulty for one connection, with an injected clock (ms). Precise difficulties (not powers of two):
 * the share credit is the difficulty itself, so precision costs nothing and converges faster.
 * `onShare` at every accepted share and `onTick` periodically (so that a miner whose difficulty is too high, and
 * who therefore sends nothing, is retargeted down) return the new difficulty when it should change.
 */
export class Vardiff {
  private windowStart: number;
  private shares = 0;

  constructor(
    private readonly o: VardiffOptions,
    now: number,
  ) {
    this.windowStart = now;
  }

  /** Forget the window (after an externally set difficulty). */
  reset(now: number): void {
    this.windowStart = now;
    this.shares = 0;
  }

  onShare(difficulty: number, now: number): number | undefined {
    this.shares++;
    const elapsed = (now - this.windowStart) / 1000;
    // Ramp up fast: far too many shares already → retarget without waiting for the window.
    const expected = elapsed / this.o.targetShareSeconds;
    if (elapsed >= this.o.retargetSeconds || (this.shares >= 16 && this.shares > 4 * Math.max(expected, 1))) {
      return this.retarget(difficulty, now);
    }
    return undefined;
  }

  onTick(difficulty: number, now: number): number | undefined {
    const elapsed = (now - this.windowStart) / 1000;
    if (elapsed < this.o.retargetSeconds) return undefined;
    return this.retarget(difficulty, now);
  }

  private retarget(difficulty: number, now: number): number | undefined {
    const elapsed = Math.max((now - this.windowStart) / 1000, 0.001);
    // With no share in the window, treat it as one share at the end of it: a bounded step down.
    const interval = elapsed / Math.max(this.shares, 1);
    this.reset(now);
    const t = this.o.targetShareSeconds;
    const band = this.o.variancePercent / 100;
    if (interval >= t * (1 - band) && interval <= t * (1 + band)) return undefined;
    const maxFactor = this.o.maxFactor ?? 4;
    const factor = Math.min(Math.max(t / interval, 1 / maxFactor), maxFactor);
    const next = Math.min(Math.max(difficulty * factor, this.o.min), this.o.max);
    return next === difficulty ? undefined : next;
  }
}
