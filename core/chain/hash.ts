import { createHash } from 'node:crypto';

/**
 * Hash helpers shared by the chain code. Bitcoin-family hashes live in two byte orders: the "internal" order
 * the hash function produces (used inside headers, merkle trees and outpoints) and the reversed "display" order
 * RPC and block explorers show. Everything in core/chain keeps hashes internal and converts at the edges.
 */

/** SHA-256(SHA-256(data)): txids, merkle nodes and (for sha256d coins) block hashes. */
export function sha256d(data: Uint8Array): Buffer {
  return createHash('sha256').update(createHash('sha256').update(data).digest()).digest();
}

/** Reverses a hex string byte by byte: display order ↔ internal order. */
export function reverseHex(hex: string): string {
  return Buffer.from(hex, 'hex').reverse().toString('hex');
}

/** A 32-byte internal-order hash read as the little-endian 256-bit number PoW compares against targets. */
export function hashToBigInt(hash: Uint8Array): bigint {
  if (hash.length !== 32) throw new RangeError(`a hash is 32 bytes, got ${hash.length}`);
  return BigInt(`0x${Buffer.from(hash).reverse().toString('hex')}`);
}

/** Inverse of hashToBigInt: the internal-order 32 bytes of a 256-bit number. */
export function bigIntToHash(value: bigint): Buffer {
  if (value < 0n || value >= 1n << 256n) throw new RangeError('a hash is a 256-bit unsigned number');
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex').reverse();
}

/** Throws unless `hex` is an even-length hex string (optionally of an exact byte length). */
export function assertHex(hex: string, what: string, bytes?: number): void {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new TypeError(`${what} must be hex, got "${hex.slice(0, 80)}"`);
  if (bytes !== undefined && hex.length !== bytes * 2) {
    throw new RangeError(`${what} must be ${bytes} bytes, got ${hex.length / 2}`);
  }
}
