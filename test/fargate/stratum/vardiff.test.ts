import { describe, expect, it } from 'vitest';
import { Vardiff } from '../../../fargate/src/stratum/vardiff.js';

const opts = { min: 1, max: 1024, targetShareSeconds: 10, retargetSeconds: 60, variancePercent: 30 };

/** Simulates a miner whose hashrate makes one share per (difficulty × secondsPerDiff) seconds. */
function simulate(secondsPerDiff: number, start: number, rounds: number): number {
  let now = 0;
  let diff = start;
  const v = new Vardiff(opts, now);
  for (let i = 0; i < rounds; i++) {
    now += diff * secondsPerDiff * 1000;
    diff = v.onShare(diff, now) ?? diff;
  }
  return diff;
}

describe('Vardiff', () => {
  it('raises the difficulty of a fast miner toward one share per target interval', () => {
    // 1 s per difficulty unit → target 10 s means difficulty 10
    const d = simulate(1, 1, 200);
    expect(d).toBeGreaterThan(10 * 0.7);
    expect(d).toBeLessThan(10 * 1.3);
  });

  it('lowers the difficulty of a slow miner', () => {
    const d = simulate(0.05, 1000, 400); // difficulty 200 → 10 s
    expect(d).toBeGreaterThan(200 * 0.7);
    expect(d).toBeLessThan(200 * 1.3);
  });

  it('clamps to min and max and changes at most maxFactor per retarget', () => {
    expect(simulate(1000, 8, 50)).toBe(1); // hopelessly slow → min
    expect(simulate(0.0001, 8, 2000)).toBe(1024); // absurdly fast → max
    const v = new Vardiff({ ...opts, maxFactor: 2 }, 0);
    let next: number | undefined;
    for (let i = 1; i <= 16 && next === undefined; i++) next = v.onShare(8, i); // 16 shares in 16 ms
    expect(next).toBe(16);
  });

  it('keeps the difficulty while the interval is inside the variance band', () => {
    const v = new Vardiff(opts, 0);
    let changed: number | undefined;
    for (let t = 11_000; t <= 66_000; t += 11_000) changed = v.onShare(8, t) ?? changed;
    expect(changed).toBeUndefined();
  });

  it('lowers the difficulty of a miner that stopped submitting, on the periodic tick', () => {
    const v = new Vardiff(opts, 0);
    expect(v.onTick(64, 30_000)).toBeUndefined(); // before the window is over
    const next = v.onTick(64, 60_000);
    expect(next).toBeDefined();
    expect(next!).toBeLessThan(64);
  });
});
