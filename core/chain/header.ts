import { assertHex } from './hash.js';

/**
 * The 80-byte block header and the stratum V1 encodings of its fields.
 *
 * Header layout: version u32 LE ‖ prevhash (internal order) ‖ merkle root (internal order) ‖ ntime u32 LE ‖
 * bits u32 LE ‖ nonce u32 LE.
 *
 * Stratum sends version, nbits and ntime as big-endian hex of the u32 (so "20000000" is version 0x20000000),
 * and miners submit ntime and nonce the same way. The previous hash goes out in the historical "word-swapped"
 * form: the internal-order bytes with each 4-byte word byte-reversed (miners treat the header as 32-bit words).
 */

export interface HeaderFields {
  version: number;
  /** Internal byte order. */
  prevHash: Buffer;
  /** Internal byte order. */
  merkleRoot: Buffer;
  ntime: number;
  bits: number;
  nonce: number;
}

export function serializeHeader(h: HeaderFields): Buffer {
  if (h.prevHash.length !== 32 || h.merkleRoot.length !== 32) throw new RangeError('header hashes are 32 bytes');
  const out = Buffer.alloc(80);
  out.writeUInt32LE(h.version >>> 0, 0);
  h.prevHash.copy(out, 4);
  h.merkleRoot.copy(out, 36);
  out.writeUInt32LE(h.ntime >>> 0, 68);
  out.writeUInt32LE(h.bits >>> 0, 72);
  out.writeUInt32LE(h.nonce >>> 0, 76);
  return out;
}

/** The fields of an 80-byte header (the inverse of serializeHeader). */
export function parseHeader(header: Uint8Array): HeaderFields {
  if (header.length !== 80) throw new RangeError(`a block header is 80 bytes, got ${header.length}`);
  const b = Buffer.from(header);
  return {
    version: b.readUInt32LE(0),
    prevHash: b.subarray(4, 36),
    merkleRoot: b.subarray(36, 68),
    ntime: b.readUInt32LE(68),
    bits: b.readUInt32LE(72),
    nonce: b.readUInt32LE(76),
  };
}

/** A u32 as stratum's 8-hex-char big-endian field. */
export function u32ToHex(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not a u32: ${n}`);
  return n.toString(16).padStart(8, '0');
}

/** Parses a stratum 8-hex-char big-endian u32 field (ntime, nonce, version, nbits). */
export function hexToU32(hex: string, what: string): number {
  assertHex(hex, what, 4);
  return Number.parseInt(hex, 16) >>> 0;
}

/** Internal-order hash → stratum notify prevhash (each 4-byte word reversed). The swap is its own inverse. */
export function toStratumPrevHash(prevHashInternal: Buffer): string {
  return swapWords(prevHashInternal).toString('hex');
}

/** Stratum notify prevhash → internal-order hash. */
export function fromStratumPrevHash(hex: string): Buffer {
  assertHex(hex, 'prevhash', 32);
  return swapWords(Buffer.from(hex, 'hex'));
}

function swapWords(buf: Buffer): Buffer {
  const out = Buffer.from(buf);
  for (let i = 0; i + 4 <= out.length; i += 4) out.subarray(i, i + 4).reverse();
  return out;
}
