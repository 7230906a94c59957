import { describe, expect, it } from 'vitest';
import { RewardAverage } from '../../../core/switching/reward-average.js';

describe('RewardAverage', () => {
  it('averages the newest coinbase value of each of the last N heights, floored', () => {
    const r = new RewardAverage(3);
    expect(r.average()).toBeUndefined();
    r.observe(100, 10n);
    r.observe(100, 12n); // fees came in: the newest value of the height counts
    r.observe(101, 20n);
    expect(r.average()).toBe(16n);
    r.observe(102, 31n);
    r.observe(103, 40n); // height 100 drops out
    expect(r.average()).toBe(30n);
    r.observe(99, 1000n); // a height below the window (a reorg's) does not displace the highest ones
    expect(r.average()).toBe(30n);
    r.observe(102, 61n); // the same height again (a reorg's other block): its newest value
    expect(r.average()).toBe(40n);
  });

  it('refuses a window of no blocks', () => {
    expect(() => new RewardAverage(0)).toThrow(RangeError);
  });
});
