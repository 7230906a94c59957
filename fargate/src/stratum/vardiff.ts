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
 * A window that saw no reason to change keeps counting (the more shares it holds, the finer the error it can tell
 * from chance) until it spans this many retarget intervals; then its older half is forgotten, so a rig that slows
 * down or speeds up is still followed.
 */
const MAX_WINDOWS = 16;
/**
 * Shares are a Poisson process: n shares in a window estimate the rate to about ±1/√n (relative, in log terms).
 * The difficulty moves at a retarget only when the observed rate is this many of those deviations off the target…
 */
const NOISE_SIGMAS = 2.5;
/** …or at once, before the retarget interval, when it is this many off (a rig far below its difficulty). */
const FAST_SIGMAS = 4;
/** How far short of the window's estimate a move stops, in the same deviations. */
const CAUTION_SIGMAS = 1;
/** Shares needed before a move ahead of the retarget interval. */
const FAST_MIN_SHARES = 16;

/**
 * Variable difficulty for one connection, with an injected clock (ms). Precise difficulties (not powers of two):
 * the share credit is the difficulty itself, so precision costs nothing and converges faster.
 * `onShare` at every accepted share and `onTick` periodically (so that a miner whose difficulty is too high, and
 * who therefore sends nothing, is retargeted down) return the new difficulty when it should change.
 *
 * Far from the target it jumps (up to maxFactor per retarget, at once when shares pour in); near it, it moves only
 * when the window's share count makes the error certain, so a rig on target stays put (an ASIC at 18 shares/min
 * does not see its difficulty bounce with every lucky minute).
 */
export class Vardiff {
  private windowStart: number;
  private shares = 0;
  /** The lowest difficulty a retarget may reach: the port's minimum, or what the miner asked for (suggest). */
  private floor: number;

  constructor(
    private readonly o: VardiffOptions,
    now: number,
  ) {
    this.windowStart = now;
    this.floor = o.min;
  }

  /** The miner's own lowest difficulty (mining.suggest_difficulty, BIP310 minimum-difficulty), within min/max. */
  setFloor(difficulty: number): void {
    this.floor = Math.min(Math.max(difficulty, this.o.min), this.o.max);
  }

  /** Forget the window (after an externally set difficulty). */
  reset(now: number): void {
    this.windowStart = now;
    this.shares = 0;
  }

  onShare(difficulty: number, now: number): number | undefined {
    this.shares++;
    const elapsed = (now - this.windowStart) / 1000;
    // Ramp fast: shares far off the target already (a 1 PH/s proxy at an S19's start difficulty) → retarget now.
    const fast =
      this.shares >= FAST_MIN_SHARES && surprise(this.shares, elapsed / this.o.targetShareSeconds) >= FAST_SIGMAS;
    if (elapsed >= this.o.retargetSeconds || fast) return this.retarget(difficulty, now);
    return undefined;
  }

  onTick(difficulty: number, now: number): number | undefined {
    const elapsed = (now - this.windowStart) / 1000;
    if (elapsed < this.o.retargetSeconds) return undefined;
    return this.retarget(difficulty, now);
  }

  private retarget(difficulty: number, now: number): number | undefined {
    const elapsed = Math.max((now - this.windowStart) / 1000, 0.001);
    const t = this.o.targetShareSeconds;
    const band = this.o.variancePercent / 100;
    // With no share in the window, treat it as one share at the end of it: a bounded step down.
    const interval = elapsed / Math.max(this.shares, 1);
    const inBand = interval >= t * (1 - band) && interval <= t * (1 + band);
    if (inBand || surprise(this.shares, elapsed / t) < NOISE_SIGMAS) {
      // Inside the band, or not certain yet: keep counting, a longer window is a finer estimate.
      if (elapsed >= MAX_WINDOWS * this.o.retargetSeconds) {
        this.windowStart = now - (elapsed * 1000) / 2;
        this.shares /= 2;
      }
      return undefined;
    }
    const shares = this.shares;
    this.reset(now);
    // Move to the cautious end of what the window shows (CAUTION_SIGMAS/√n short of the estimate, in log terms): a
    // lucky streak of a few shares cannot overshoot, and a rig already near the target takes only a small step.
    const estimate = Math.log(t / interval);
    const caution = shares > 0 ? CAUTION_SIGMAS / Math.sqrt(shares) : 0;
    const step = Math.sign(estimate) * Math.max(Math.abs(estimate) - caution, 0);
    const maxFactor = this.o.maxFactor ?? 4;
    const factor = Math.min(Math.max(Math.exp(step), 1 / maxFactor), maxFactor);
    const next = Math.min(Math.max(difficulty * factor, this.floor), this.o.max);
    return next === difficulty ? undefined : next;
  }
}

/**
 * How many standard deviations of chance separate `shares` from the `expected` count (|ln(n/expected)|·√n). An
 * empty window counts as certain once 3 shares were due (e^-3 ≈ 5% by luck).
 */
function surprise(shares: number, expected: number): number {
  if (shares === 0) return expected >= 3 ? Number.POSITIVE_INFINITY : 0;
  return Math.abs(Math.log(shares / expected)) * Math.sqrt(shares);
}

/**
 * Vardiff of a SHA-256 ASIC port (docs/deploy.md): ~18 shares a minute per connection, starting where a 100 TH/s
 * rig is already close (65536 × 2^32 hashes a share: one per 2.8 s), reaching a 1 TH/s board and a 1 PH/s farm
 * proxy within a few retargets. The floor keeps a miner that suggests a tiny difficulty from flooding the pool.
 */
export const SHA256_ASIC_PORT_DIFFICULTY = Object.freeze({
  initial: 65536,
  min: 256,
  max: 2 ** 32,
  targetShareSeconds: 60 / 18,
  retargetSeconds: 30,
  variancePercent: 20,
});
