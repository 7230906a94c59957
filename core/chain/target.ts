/**
 * Targets, compact "bits" and difficulty.
 *
 * A hash meets a target when, read as a little-endian 256-bit number, it is <= the target. Difficulty is
 * a ratio to the "difficulty 1" target of Bitcoin (0x00000000FFFF << 208). Stratum difficulty of a coin is
 * scaled by its `stratumDiffMultiplier`: scrypt pools (and cpuminer `-a scrypt`) use 65536, so scrypt stratum
 * difficulty 1 means target 0x0000FFFF00…; sha256d uses 1.
 */

export const MAX_TARGET = (1n << 256n) - 1n;

/** Bitcoin's difficulty-1 target (the bits 0x1d00ffff of the genesis block). */
export const DIFF1_TARGET = 0xffffn << 208n;

/**
 * Decodes compact bits (a base-256 float: 1 byte exponent, 3 bytes mantissa, as in Bitcoin's arith_uint256
 * SetCompact). Negative or overflowing encodings are never valid network targets and throw.
 */
export function bitsToTarget(bits: number): bigint {
  if (!Number.isInteger(bits) || bits < 0 || bits > 0xffffffff) throw new RangeError(`invalid compact bits ${bits}`);
  const exponent = bits >>> 24;
  const mantissa = bits & 0x007fffff;
  if (mantissa !== 0 && (bits & 0x00800000) !== 0) throw new RangeError(`negative compact bits 0x${hex8(bits)}`);
  const target =
    exponent <= 3 ? BigInt(mantissa >>> (8 * (3 - exponent))) : BigInt(mantissa) << BigInt(8 * (exponent - 3));
  if (target > MAX_TARGET) throw new RangeError(`compact bits 0x${hex8(bits)} overflow 256 bits`);
  return target;
}

/** Encodes a target as compact bits (arith_uint256 GetCompact); precision beyond 3 bytes is dropped. */
export function targetToBits(target: bigint): number {
  if (target < 0n || target > MAX_TARGET) throw new RangeError('a target is a 256-bit unsigned number');
  let size = byteLength(target);
  let mantissa = size <= 3 ? Number(target << BigInt(8 * (3 - size))) : Number(target >> BigInt(8 * (size - 3)));
  // The mantissa's top bit is a sign bit: shift one byte right instead of encoding a negative number.
  if (mantissa & 0x00800000) {
    mantissa >>>= 8;
    size += 1;
  }
  return ((size << 24) | mantissa) >>> 0;
}

/**
 * The share target for a stratum difficulty: DIFF1 × multiplier / difficulty, clamped to 2^256 - 1.
 * Difficulty may be fractional; it is scaled by 2^64 so that integer division keeps its precision.
 */
export function difficultyToTarget(difficulty: number, multiplier = 1): bigint {
  if (!Number.isFinite(difficulty) || difficulty <= 0)
    throw new RangeError(`difficulty must be > 0, got ${difficulty}`);
  if (!Number.isInteger(multiplier) || multiplier <= 0) throw new RangeError(`invalid multiplier ${multiplier}`);
  const scaled = BigInt(Math.round(difficulty * 2 ** 64));
  if (scaled === 0n) return MAX_TARGET;
  const target = ((DIFF1_TARGET * BigInt(multiplier)) << 64n) / scaled;
  return target > MAX_TARGET ? MAX_TARGET : target;
}

/** The stratum difficulty a target (or a hash value) corresponds to: DIFF1 × multiplier / target. */
export function targetToDifficulty(target: bigint, multiplier = 1): number {
  if (target <= 0n) return Number.POSITIVE_INFINITY;
  const numerator = DIFF1_TARGET * BigInt(multiplier);
  // Keep 64 fractional bits through the integer division, then let the float take the rounding.
  return Number((numerator << 64n) / target) / 2 ** 64;
}

/** DIFF1_TARGET as a float (exact: 0xffff × 2^208). */
const DIFF1 = 0xffff * 2 ** 208;

/**
 * targetToDifficulty of a hash given as 32 big-endian bytes (display order), in floating point: no BigInt and no
 * division of 256-bit numbers. Within a few parts in 10^15 of the exact value (the bytes summed as a double, one
 * rounding per step); for statistics (an accepted share's actual difficulty), never for a decision or an amount.
 */
export function hashDifficulty(hash: Uint8Array, multiplier = 1): number {
  if (hash.length !== 32) throw new RangeError('a hash is 32 bytes');
  let value = 0;
  for (let i = 0; i < 32; i++) value = value * 256 + hash[i]!;
  return value === 0 ? Number.POSITIVE_INFINITY : (DIFF1 * multiplier) / value;
}

/** A target as the 32 big-endian bytes a display-order (reversed) hash is compared with (meetsTarget). */
export function targetToBytes(target: bigint): Buffer {
  if (target < 0n || target > MAX_TARGET) throw new RangeError('a target is a 256-bit unsigned number');
  return Buffer.from(target.toString(16).padStart(64, '0'), 'hex');
}

/**
 * Whether a hash meets a target (32 big-endian bytes, from targetToBytes): hash <= target as 256-bit numbers, with
 * no BigInt. The hash in display order (big-endian, the default), or with `order` 'le' as the hash function wrote it
 * (internal order, little-endian: read from its last byte, so it need not be reversed first). The most significant
 * differing byte decides; equal is met.
 */
export function meetsTarget(hash: Uint8Array, target: Uint8Array, order: 'be' | 'le' = 'be'): boolean {
  if (hash.length !== 32 || target.length !== 32) throw new RangeError('hash and target are 32 bytes each');
  const reversed = order === 'le';
  for (let i = 0; i < 32; i++) {
    const h = hash[reversed ? 31 - i : i]!;
    const t = target[i]!;
    if (h !== t) return h < t;
  }
  return true;
}

/** Network difficulty of compact bits, in the coin's stratum convention. */
export function bitsToDifficulty(bits: number, multiplier = 1): number {
  return targetToDifficulty(bitsToTarget(bits), multiplier);
}

function byteLength(n: bigint): number {
  return n === 0n ? 0 : Math.ceil(n.toString(16).length / 2);
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}
