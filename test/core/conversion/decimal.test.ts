import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { levelsFrom, scalePrice, spreadBps } from '../../../core/conversion/book.js';
import { formatUnits, parseDecimal, toUnits } from '../../../core/conversion/decimal.js';

describe('exact decimals at the exchange boundary', () => {
  it('parses plain, signed and exponent forms exactly', () => {
    expect(parseDecimal('12.345')).toEqual({ digits: 12345n, scale: 3 });
    expect(parseDecimal('-0.1')).toEqual({ digits: -1n, scale: 1 });
    expect(parseDecimal(1e-7)).toEqual({ digits: 1n, scale: 7 });
    expect(parseDecimal('2.5E+3')).toEqual({ digits: 2500n, scale: 0 });
    expect(() => parseDecimal('abc')).toThrow(RangeError);
    expect(() => parseDecimal(Number.NaN)).toThrow(RangeError);
  });

  it('takes a float the way it was written, not its binary value', () => {
    // 0.1 + 0.2 in binary is 0.30000000000000004; the number 0.3 is "0.3".
    expect(toUnits(0.3, 8)).toBe(30_000_000n);
    expect(toUnits(0.00123, 8)).toBe(123_000n);
    expect(toUnits('1.999999999', 8)).toBe(199_999_999n); // floored
  });

  it('round-trips base units through their decimal string', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 18 }), (units, decimals) => {
        expect(toUnits(formatUnits(units, decimals), decimals)).toBe(units);
      }),
    );
  });

  it('scales prices to target base units per source base unit × 1e24', () => {
    expect(scalePrice('0.00123', { sourceDecimals: 8, targetDecimals: 8 })).toBe(123n * 10n ** 19n);
    // 80.5 USDT (6 decimals) per LTC (8 decimals): 0.805 micro-USDT per litoshi.
    expect(scalePrice(80.5, { sourceDecimals: 8, targetDecimals: 6 })).toBe(805n * 10n ** 21n);
  });

  it('turns [price, amount] levels into base units and drops empty ones', () => {
    const units = { sourceDecimals: 8, targetDecimals: 8 };
    const levels = levelsFrom(
      [
        [0.0012, 1.5],
        ['0.0011', '0'],
      ],
      units,
    );
    expect(levels).toEqual([{ price: 12n * 10n ** 20n, amount: 150_000_000n, priceText: '0.0012' }]);
  });

  it('measures the spread against the mid price', () => {
    const units = { sourceDecimals: 8, targetDecimals: 8 };
    const book = { bids: levelsFrom([[99, 1]], units), asks: levelsFrom([[101, 1]], units) };
    expect(spreadBps(book)).toBe(200n);
    expect(spreadBps({ bids: book.bids, asks: [] })).toBeUndefined();
  });
});
