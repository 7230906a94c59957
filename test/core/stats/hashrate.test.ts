import { describe, expect, it } from 'vitest';
import { getCoin } from '../../../core/coins/index.js';
import { averageEffort, effort, hashesPerDifficulty, hashrate, isOffline } from '../../../core/stats/hashrate.js';

describe('stats math', () => {
  it('converts share difficulty per window into hashes per second in the coin convention', () => {
    expect(hashesPerDifficulty(getCoin('BTC'))).toBe(2 ** 32);
    expect(hashesPerDifficulty(getCoin('LTC'))).toBe(65536);
    // 10 minutes with 60 difficulty in total at scrypt: 60 × 65536 / 600 s
    const buckets = [
      { minute: 100, shares: 3, difficulty: 30 },
      { minute: 109, shares: 3, difficulty: 30 },
      { minute: 90, shares: 99, difficulty: 9999 }, // outside the window
    ];
    expect(hashrate(buckets, 109, 10, getCoin('LTC'))).toBeCloseTo((60 * 65536) / 600, 6);
  });

  it('counts an etchash share difficulty as that many hashes (target = 2^256 / difficulty)', () => {
    expect(hashesPerDifficulty(getCoin('ETC'))).toBe(1);
    // 45 shares of difficulty 4 G (4 × 10^9 hashes each) in 10 minutes: 300 MH/s
    const buckets = [{ minute: 200, shares: 45, difficulty: 45 * 4e9 }];
    expect(hashrate(buckets, 209, 10, getCoin('ETC'))).toBeCloseTo((45 * 4e9) / 600, 3);
  });

  it('flags a worker offline after ten silent minutes', () => {
    expect(isOffline(0, 10 * 60_000)).toBe(false);
    expect(isOffline(0, 10 * 60_000 + 1)).toBe(true);
  });

  it('computes effort and average effort over the last N rounds', () => {
    expect(effort(150, 100)).toBe(1.5);
    expect(averageEffort([1, 2, 3, 100], 3)).toBe(2);
    expect(averageEffort([], 64)).toBeNull();
  });
});
