import { createHash, scryptSync } from 'node:crypto';

// PLACEHOLDER until the native addon lands: same exports, node:crypto inside.
export type PowAlgorithm = 'scrypt' | 'sha256d';

/** SHA-256(SHA-256(data)). */
export function sha256d(data: Uint8Array): Buffer {
  return createHash('sha256').update(createHash('sha256').update(data).digest()).digest();
}

/** Litecoin's scrypt PoW: scrypt(header, header, N=1024, r=1, p=1, 32). */
export function scrypt(header: Uint8Array): Buffer {
  return scryptSync(header, header, 32, { N: 1024, r: 1, p: 1 });
}

/** The proof-of-work hash of an 80-byte header, in internal (little-endian) byte order. */
export function powHash(algorithm: PowAlgorithm, header: Uint8Array): Buffer {
  return algorithm === 'scrypt' ? scrypt(header) : sha256d(header);
}
