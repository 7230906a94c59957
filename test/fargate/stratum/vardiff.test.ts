import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Vardiff } from '../../../fargate/src/stratum/vardiff.js';

const opts = { min: 1, max: 1024, targetShareSeconds: 10, retargetSeconds: 60, variancePercent: 30 };

/**
 * Simulates, on an injected clock, a miner whose hashrate makes one share per (difficulty × secondsPerDiff) seconds.
 * Returns the difficulty it ends with.
 */
function simulate(secondsPerDiff: number, start: number, rounds: number, o = opts): number {
  let now = 1_000_000;
  let diff = start;
  const v = new Vardiff(o, now);
  for (let i = 0; i < rounds; i++) {
    now += diff * secondsPerDiff * 1000;
    diff = v.onShare(diff, now) ?? diff;
  }
  return diff;
}

describe('Vardiff', () => {
  it('raises the difficulty of a miner whose shares come too fast until they come about once per target interval', () => {
    // 1 s per difficulty unit and a 10 s target → difficulty 10
    const d = simulate(1, 1, 200);
    expect(d).toBeGreaterThan(10 * 0.7);
    expect(d).toBeLessThan(10 * 1.3);
  });

  it('lowers the difficulty of a miner whose shares come too slowly toward the target interval', () => {
    const d = simulate(0.05, 1000, 400); // difficulty 200 → one share per 10 s
    expect(d).toBeGreaterThan(200 * 0.7);
    expect(d).toBeLessThan(200 * 1.3);
  });

  it('never retargets below the floor a miner asked for, however slow it is', () => {
    let now = 0;
    const v = new Vardiff(opts, now);
    v.setFloor(100);
    let diff = 400;
    for (let i = 0; i < 20; i++) {
      now += 120_000; // no share at all
      diff = v.onTick(diff, now) ?? diff;
    }
    expect(diff).toBe(100);
    v.setFloor(0.001); // clamped to the port's minimum
    for (let i = 0; i < 20; i++) {
      now += 120_000;
      diff = v.onTick(diff, now) ?? diff;
    }
    expect(diff).toBe(1);
  });

  it('never leaves the port range', () => {
    expect(simulate(1000, 8, 50)).toBe(1); // hopelessly slow → min
    expect(simulate(0.0001, 8, 2000)).toBe(1024); // absurdly fast → max
  });

  it('changes by at most maxFactor per retarget, up or down', () => {
    const up = new Vardiff({ ...opts, maxFactor: 2 }, 0);
    let next: number | undefined;
    for (let i = 1; i <= 16 && next === undefined; i++) next = up.onShare(8, i); // 16 shares in 16 ms
    expect(next).toBe(16);
    const down = new Vardiff({ ...opts, maxFactor: 4 }, 0);
    expect(down.onShare(64, 3_600_000)).toBe(16); // one share in an hour: ÷4, not ÷360
  });

  it('stays within [min, max] and within maxFactor of the old difficulty for any share timing', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1024, noNaN: true }),
        fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 2, max: 8 }),
        (start, gaps, maxFactor) => {
          const v = new Vardiff({ ...opts, maxFactor }, 0);
          let now = 0;
          let diff = start;
          for (const gap of gaps) {
            now += gap;
            const next = v.onShare(diff, now);
            if (next === undefined) continue;
            expect(next).toBeGreaterThanOrEqual(opts.min);
            expect(next).toBeLessThanOrEqual(opts.max);
            expect(next / diff).toBeLessThanOrEqual(maxFactor * (1 + 1e-9));
            expect(diff / next).toBeLessThanOrEqual(maxFactor * (1 + 1e-9));
            diff = next;
          }
        },
      ),
    );
  });

  it('keeps the difficulty while the share interval is inside the variance band', () => {
    for (const interval of [7_500, 10_000, 12_500]) {
      const v = new Vardiff(opts, 0);
      const changes: number[] = [];
      for (let t = interval; t <= 600_000; t += interval) {
        const next = v.onShare(8, t);
        if (next !== undefined) changes.push(next);
      }
      expect(changes).toEqual([]);
    }
    // just outside the band it does change, once enough shares make it more than luck, by less than the raw estimate
    const v = new Vardiff(opts, 0);
    let changed: number | undefined;
    for (let t = 5_000; t <= 180_000 && changed === undefined; t += 5_000) changed = v.onShare(8, t);
    expect(changed).toBeGreaterThan(8 * 1.3);
    expect(changed).toBeLessThanOrEqual(16);
  });

  it('lowers the difficulty on the periodic tick when no shares arrive, once per window', () => {
    const v = new Vardiff(opts, 0);
    expect(v.onTick(64, 30_000)).toBeUndefined(); // the window is not over
    const next = v.onTick(64, 60_000);
    expect(next).toBe(16); // no share in 60 s: the largest step down
    expect(v.onTick(16, 90_000)).toBeUndefined(); // a new window started at the retarget
    expect(v.onTick(16, 120_000)).toBe(4);
  });

  it('does not lower on the tick a miner whose shares arrive on target', () => {
    const v = new Vardiff(opts, 0);
    for (let t = 10_000; t < 60_000; t += 10_000) expect(v.onShare(8, t)).toBeUndefined();
    expect(v.onTick(8, 60_000)).toBeUndefined(); // 5 shares in 60 s = 12 s each: inside the band
  });
});
