import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bitsToDifficulty,
  bitsToTarget,
  DIFF1_TARGET,
  difficultyToTarget,
  hashDifficulty,
  MAX_TARGET,
  meetsTarget,
  targetToBits,
  targetToBytes,
  targetToDifficulty,
} from '../../../core/chain/target.js';

describe('compact bits', () => {
  it('decodes the genesis difficulty-1 bits to the diff1 target', () => {
    expect(bitsToTarget(0x1d00ffff)).toBe(DIFF1_TARGET);
    expect(bitsToTarget(0x1d00ffff).toString(16).padStart(64, '0')).toBe(
      '00000000ffff0000000000000000000000000000000000000000000000000000',
    );
  });

  it('decodes the regtest bits to the 7fffff target GBT reports', () => {
    expect(bitsToTarget(0x207fffff).toString(16).padStart(64, '0')).toBe(`7fffff${'0'.repeat(58)}`);
  });

  it('decodes Litecoin mainnet genesis bits (0x1e0ffff0)', () => {
    expect(bitsToTarget(0x1e0ffff0).toString(16).padStart(64, '0')).toBe(`00000ffff0${'0'.repeat(54)}`);
  });

  it('handles exponents of 3 or less by shifting the mantissa right', () => {
    expect(bitsToTarget(0x03123456)).toBe(0x123456n);
    expect(bitsToTarget(0x02123456)).toBe(0x1234n);
    expect(bitsToTarget(0x01123456)).toBe(0x12n);
  });

  it('rejects negative and overflowing encodings', () => {
    expect(() => bitsToTarget(0x04923456)).toThrow(/negative/);
    expect(() => bitsToTarget(0xff123456)).toThrow(/overflow/);
  });

  it('encodes targets back to the same bits (round trip over valid normalized bits)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 0x20 }), fc.integer({ min: 0x8000, max: 0x7fffff }), (exp, mant) => {
        const bits = (exp << 24) | mant;
        expect(targetToBits(bitsToTarget(bits))).toBe(bits);
      }),
    );
  });

  it('never encodes a target larger than the one given (precision is only dropped)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: (1n << 255n) - 1n }), (target) => {
        const back = bitsToTarget(targetToBits(target));
        expect(back <= target).toBe(true);
        // 3 significant bytes: the loss is below 2^-15 of the value
        expect((target - back) * (1n << 15n) <= target).toBe(true);
      }),
    );
  });
});

describe('difficulty', () => {
  it('sha256d difficulty 1 is the diff1 target', () => {
    expect(difficultyToTarget(1)).toBe(DIFF1_TARGET);
  });

  it('scrypt stratum difficulty 1 with multiplier 65536 is target 0x0000ffff00…', () => {
    expect(difficultyToTarget(1, 65536).toString(16).padStart(64, '0')).toBe(`0000ffff${'0'.repeat(56)}`);
  });

  it('divides the target by the difficulty', () => {
    expect(difficultyToTarget(16)).toBe(DIFF1_TARGET / 16n);
    expect(difficultyToTarget(0.5, 65536)).toBe(DIFF1_TARGET * 65536n * 2n);
  });

  it('clamps very small difficulties to the largest target', () => {
    expect(difficultyToTarget(1e-12, 65536)).toBe(MAX_TARGET);
  });

  it('rejects zero, negative and non-finite difficulties', () => {
    for (const d of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => difficultyToTarget(d)).toThrow(RangeError);
  });

  it('round-trips difficulty → target → difficulty within float precision', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 1e12, noNaN: true }),
        fc.constantFrom(1, 65536),
        (difficulty, multiplier) => {
          const back = targetToDifficulty(difficultyToTarget(difficulty, multiplier), multiplier);
          expect(Math.abs(back - difficulty) / difficulty).toBeLessThan(1e-9);
        },
      ),
    );
  });

  it('a higher difficulty never gives a larger target', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 1e9, noNaN: true }),
        fc.double({ min: 1, max: 1e3, noNaN: true }),
        (d, k) => {
          expect(difficultyToTarget(d * k, 65536) <= difficultyToTarget(d, 65536)).toBe(true);
        },
      ),
    );
  });

  it('network difficulty of the genesis bits is 1 (sha256d) and 65536 in scrypt stratum units (easier share unit)', () => {
    expect(bitsToDifficulty(0x1d00ffff)).toBe(1);
    expect(bitsToDifficulty(0x1d00ffff, 65536)).toBe(65536);
  });

  it('network difficulty of a real Bitcoin block (bits 0x1b04864c, block 100000) is about 14484.16', () => {
    expect(bitsToDifficulty(0x1b04864c)).toBeCloseTo(14484.1623612254, 6);
  });
});

describe('hashDifficulty: the difficulty a hash reached, as a float from its bytes', () => {
  it('is DIFF1 × multiplier ÷ the hash read as a number, to 14 significant digits, for hashes of any size', () => {
    const width = fc.integer({ min: 1, max: 256 });
    fc.assert(
      fc.property(
        width,
        fc.bigInt({ min: 1n, max: MAX_TARGET }),
        fc.constantFrom(1, 65536),
        (bits, raw, multiplier) => {
          const value = (raw % (1n << BigInt(bits))) + 1n; // from 1 to 2^256: leading zero bytes of every count
          fc.pre(value <= MAX_TARGET);
          // The quotient with 200 fractional bits (targetToDifficulty keeps 64: too few for a hash near 2^256).
          const exact = Number(((DIFF1_TARGET * BigInt(multiplier)) << 200n) / value) / 2 ** 200;
          const got = hashDifficulty(targetToBytes(value), multiplier);
          expect(Math.abs(got / exact - 1)).toBeLessThan(1e-14);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('is infinite for a zero hash, and refuses anything but 32 bytes', () => {
    expect(hashDifficulty(Buffer.alloc(32))).toBe(Number.POSITIVE_INFINITY);
    expect(hashDifficulty(targetToBytes(DIFF1_TARGET))).toBe(1);
    expect(hashDifficulty(targetToBytes(DIFF1_TARGET), 65536)).toBe(65536);
    expect(() => hashDifficulty(Buffer.alloc(31))).toThrow(RangeError);
  });
});

describe('meetsTarget: a big-endian hash against a target as bytes (the share path, no BigInt)', () => {
  const bytes = (n: bigint) => targetToBytes(n);

  it('meets a target exactly equal to the hash, not one below it; one below the target meets it', () => {
    for (const target of [DIFF1_TARGET, difficultyToTarget(1e6), bitsToTarget(0x207fffff), 1n, MAX_TARGET - 1n]) {
      expect(meetsTarget(bytes(target), bytes(target))).toBe(true);
      expect(meetsTarget(bytes(target + 1n), bytes(target))).toBe(false);
      expect(meetsTarget(bytes(target - 1n), bytes(target))).toBe(true);
    }
  });

  it('decides on the first differing byte: a carry into a higher byte makes the hash larger', () => {
    // 0x…00ff + 1 = 0x…0100: the low byte is smaller, the higher one decides.
    const target = 0x12_00ffn << 100n;
    expect(meetsTarget(bytes(target + (1n << 100n)), bytes(target))).toBe(false);
    expect(meetsTarget(bytes(0n), bytes(0n))).toBe(true);
    expect(meetsTarget(bytes(MAX_TARGET), bytes(MAX_TARGET))).toBe(true);
    expect(meetsTarget(bytes(1n), bytes(0n))).toBe(false);
  });

  it('agrees with the BigInt comparison for hashes around random targets', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: MAX_TARGET }),
        fc.bigInt({ min: -(1n << 64n), max: 1n << 64n }),
        (target, delta) => {
          const hash = target + delta;
          fc.pre(hash >= 0n && hash <= MAX_TARGET);
          expect(meetsTarget(bytes(hash), bytes(target))).toBe(hash <= target);
          // The same hash as a hash function writes it (internal order): the same verdict, the hash left as it was.
          const internal = Buffer.from(bytes(hash)).reverse();
          const copy = Buffer.from(internal);
          expect(meetsTarget(internal, bytes(target), 'le')).toBe(hash <= target);
          expect(internal).toEqual(copy);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses anything but 32-byte values', () => {
    expect(() => meetsTarget(Buffer.alloc(31), bytes(1n))).toThrow(RangeError);
    expect(() => meetsTarget(bytes(1n), Buffer.alloc(33))).toThrow(RangeError);
    expect(() => targetToBytes(MAX_TARGET + 1n)).toThrow(RangeError);
    expect(() => targetToBytes(-1n)).toThrow(RangeError);
  });
});
