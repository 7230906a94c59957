import { describe, expect, it } from 'vitest';
import { bitsToDifficulty, bitsToTarget } from '../../../core/chain/target.js';
import { PRICE_SCALE, scalePrice } from '../../../core/conversion/book.js';
import { earningsPerHash, percentAbove, perTerahash } from '../../../core/switching/earnings.js';

const BTC_UNITS = { sourceDecimals: 8, targetDecimals: 8 };

describe('earningsPerHash', () => {
  it('is reward × price × P(hash meets target), the difficulty form of the issue', () => {
    // Litecoin block 2,500,000-like: 6.25 LTC + fees, difficulty ~ 30 M (scrypt multiplier 65536), LTC at 0.0012 BTC.
    const bits = 0x1a01f3a4;
    const target = bitsToTarget(bits);
    const price = scalePrice('0.0012', BTC_UNITS);
    const reward = 625_123_456n;
    const e = earningsPerHash([{ reward, target, price }]);
    // The same figure in floats, by difficulty: reward × price / (difficulty × hashes per difficulty) per hash,
    // × 10^12 per TH; a difficulty-1 block takes 2^256 / (0xffff × 2^208) = 2^48 / 0xffff (≈ 2^32) hashes.
    const difficulty = bitsToDifficulty(bits);
    const expectedSatPerTh = (Number(reward) * 0.0012 * 1e12) / ((difficulty * 2 ** 48) / 0xffff);
    expect(Number(perTerahash(e))).toBeCloseTo(expectedSatPerTh, 6);
  });

  it('adds each merged chain’s reward at its own target and price', () => {
    const ltc = { reward: 625_000_000n, target: bitsToTarget(0x1a01f3a4), price: scalePrice('0.0012', BTC_UNITS) };
    const doge = {
      reward: 1_000_000_000_000n,
      target: bitsToTarget(0x1a00ffff),
      price: scalePrice('0.0000025', BTC_UNITS),
    };
    expect(earningsPerHash([ltc, doge])).toBe(earningsPerHash([ltc]) + earningsPerHash([doge]));
    expect(earningsPerHash([doge])).toBeGreaterThan(0n);
  });

  it('doubles with the price or the reward and halves with twice the difficulty (half the target), exactly', () => {
    const target = 1n << 200n;
    const base = earningsPerHash([{ reward: 10n, target: target - 1n, price: PRICE_SCALE }]);
    expect(earningsPerHash([{ reward: 20n, target: target - 1n, price: PRICE_SCALE }])).toBe(2n * base);
    expect(earningsPerHash([{ reward: 10n, target: target - 1n, price: 2n * PRICE_SCALE }])).toBe(2n * base);
    expect(2n * earningsPerHash([{ reward: 10n, target: target / 2n - 1n, price: PRICE_SCALE }])).toBe(base);
  });

  it('refuses negative inputs', () => {
    expect(() => earningsPerHash([{ reward: -1n, target: 1n, price: 1n }])).toThrow(RangeError);
  });
});

describe('perTerahash', () => {
  it('shows quote base units per 10^12 hashes exactly: a coin worth 1 base unit, 1 base unit reward, target 2^256/10^12', () => {
    // P(hit) = (target + 1) / 2^256 = 1 / 2^24 here; 10^12 hashes earn 10^12 / 2^24 = 59604.644775390625 units.
    const e = earningsPerHash([{ reward: 1n, target: (1n << 232n) - 1n, price: PRICE_SCALE }]);
    expect(perTerahash(e)).toBe('59604.644775390625');
  });
});

describe('percentAbove', () => {
  it('is (a − b) / b in percent with two decimals', () => {
    expect(percentAbove(1125n, 1000n)).toBe('12.5');
    expect(percentAbove(1000n, 1000n)).toBe('0');
    expect(percentAbove(1n, 0n)).toBe('∞');
  });
});
