// Share hashing backed by the native addon in fargate/native (SHA-256 per FIPS 180-4, scrypt per RFC 7914).
// Measured against node:crypto with bench/hashing.ts (80-byte headers): ~2.7x faster for sha256d, ~1.5x for scrypt, so
// there is no node:crypto path.
import type { PowAlgorithm as CoinAlgorithm } from '../../../core/coins/index.js';
import { ConfigError } from '../../../core/errors.js';
import type { Sha256Kernel } from './load-addon.js';
import { loadHashingAddon, type ScryptBatchPlan, type ScryptKernel } from './load-addon.js';
import { type HashReceiver, TurnBatchHasher } from './turn-batch.js';

export type PowAlgorithm = 'scrypt' | 'sha256d';
export type { ScryptKernel, Sha256Kernel };

const addon = loadHashingAddon();

/** SHA-256(SHA-256(data)). */
export function sha256d(data: Uint8Array): Buffer {
  // allocUnsafe(32) comes from Node's pre-allocated pool; letting the addon create the Buffer costs ~0.4 µs more a call.
  const out = Buffer.allocUnsafe(32);
  addon.sha256dInto(data, out);
  return out;
}

/** `out` ← SHA-256(SHA-256(data)) (32 bytes); `out` may overlap `data` (all of it is read first). */
export function sha256dInto(data: Uint8Array, out: Uint8Array): void {
  addon.sha256dInto(data, out);
}

/**
 * A Stratum V1 share's header hash in one native call (core/chain/work.ts `ShareHeaderHash`), over one array: `area`
 * = coinbase ‖ branch ‖ header (80 bytes) ‖ digest (32 bytes); the header's bytes 36..68 ← the merkle root of
 * sha256d(coinbase) and the branch's 32-byte steps, the digest ← sha256d(header).
 */
export function sha256dShareArea(area: Uint8Array, coinbaseLength: number, branchLength: number): void {
  addon.sha256dShareArea(area, coinbaseLength, branchLength);
}

/** The SHA-256 kernel in use (SHA-NI on x86-64, the ARMv8 SHA-2 instructions on arm64, else portable C). */
export function sha256Kernel(): Sha256Kernel {
  return addon.sha256Kernel();
}

/** The SHA-256 kernels this build and CPU can run, fastest first (always ends with "scalar"). */
export function sha256Kernels(): Sha256Kernel[] {
  return addon.sha256Kernels();
}

/** Makes every SHA-256 of the addon use `kernel` (tests, benches); "auto" returns to the fastest. */
export function useSha256Kernel(kernel: Sha256Kernel | 'auto'): void {
  addon.sha256UseKernel(kernel);
}

/** Litecoin's scrypt PoW: scrypt(header, header, N=1024, r=1, p=1, 32). */
export function scrypt(header: Uint8Array): Buffer {
  return addon.scrypt(header);
}

/**
 * Litecoin's scrypt of two headers at once: the same results as two `scrypt` calls, ~1.5× their throughput (two
 * independent Salsa20/8 chains keep the core busy). Each result is its own Buffer.
 */
export function scryptPair(h1: Uint8Array, h2: Uint8Array): [Buffer, Buffer] {
  const out = Buffer.alloc(64);
  addon.scryptPairInto(h1, h2, out);
  return [out.subarray(0, 32), out.subarray(32)];
}

/** The kernel `scryptBatch` uses unless told otherwise: the widest this build and CPU can run. */
export function scryptKernel(): ScryptKernel {
  return addon.scryptKernel();
}

/** Every kernel this build and CPU can run, widest first (always ends with "scalar"). */
export function scryptKernels(): ScryptKernel[] {
  return addon.scryptKernels();
}

/**
 * Litecoin's scrypt of many headers in one native call: exactly what `scrypt` gives for each, hashed in the SIMD lanes
 * of `kernel` (default `scryptKernel()`; one that is not available throws a RangeError) by the calls
 * `scryptBatchPlan` chooses. Each result is its own 32-byte view of one shared Buffer.
 */
export function scryptBatch(headers: Uint8Array[], kernel?: ScryptKernel): Buffer[] {
  const out = Buffer.allocUnsafe(32 * headers.length);
  addon.scryptBatchInto(headers, out, kernel);
  return splitHashes(out, headers.length);
}

/**
 * How `scryptBatch` hashes n headers on `kernel`: the cheapest sequence of its calls (lane groups, then its one-hash
 * code's pair and single; a call may pad lanes with a copy) by what each call costs on this CPU, measured once per
 * kernel on first use (ns, the best of five). The turn's remainder in one padded 16-lane call where the widest-first
 * cover made four narrow ones.
 */
export function scryptBatchPlan(n: number, kernel?: ScryptKernel): ScryptBatchPlan {
  return addon.scryptBatchPlan(n, kernel);
}

/** The same on libuv's thread pool (the headers are copied first: the caller may reuse them at once). */
export async function scryptBatchAsync(headers: Uint8Array[], kernel?: ScryptKernel): Promise<Buffer[]> {
  return splitHashes(await addon.scryptBatchAsync(headers, kernel), headers.length);
}

function splitHashes(out: Buffer, count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => out.subarray(32 * i, 32 * i + 32));
}

/**
 * General scrypt (RFC 7914 §6). N must be a power of two > 1 and 128·r·N at most 1 GiB; bad parameters throw a
 * RangeError, non-integers a TypeError.
 */
export function scryptRaw(
  password: Uint8Array,
  salt: Uint8Array,
  N: number,
  r: number,
  p: number,
  dkLen: number,
): Buffer {
  return addon.scryptRaw(password, salt, N, r, p, dkLen);
}

/** The proof-of-work hash of an 80-byte header, in internal (little-endian) byte order. */
export function powHash(algorithm: PowAlgorithm, header: Uint8Array): Buffer {
  return algorithm === 'scrypt' ? scrypt(header) : sha256d(header);
}

/**
 * A share's PoW hash of an 80-byte header (internal byte order, a new Buffer): returned now, or (undefined returned)
 * handed to `later` at the end of the turn (the scrypt batch), with no promise on the share's way.
 */
export type HeaderHasher = (header: Uint8Array, later: HashReceiver) => Buffer | undefined;
export type { HashReceiver };

/**
 * The native PoW hash of a coin's algorithm for share checks: scrypt hashes the shares of one event-loop turn together
 * in one `scryptBatch` call (turn-batch.ts: as many per lane group as the CPU's kernel has lanes), sha256d at once.
 */
export function shareHasher(algorithm: PowAlgorithm | CoinAlgorithm): HeaderHasher {
  if (algorithm === 'sha256d') return sha256d;
  // Etchash shares are no 80-byte header: the Ethereum family's verifier checks them (families/ethereum).
  if (algorithm !== 'scrypt') throw new ConfigError(`${algorithm} shares have no 80-byte header hasher`);
  // The batch plan's one-time measurement of the kernel's calls (~10 ms) now, at start-up, not in the first share's turn.
  scryptBatchPlan(0);
  return turnHasher(new TurnBatchHasher((headers) => scryptBatch(headers)));
}

/** A TurnBatchHasher as a HeaderHasher: a hash now when the process was idle, else at the end of the turn. */
export function turnHasher(turn: TurnBatchHasher): HeaderHasher {
  return (header, later) => turn.hash(header, later);
}

/** `header`'s hash by `hasher`: now, or a promise of it (for callers whose share check is a promise anyway). */
export function hashSoon(hasher: HeaderHasher, header: Uint8Array): Buffer | Promise<Buffer> {
  let receiver: HashReceiver | undefined;
  const later = new Promise<Buffer>((hashed, hashFailed) => {
    receiver = { hashed, hashFailed };
  });
  return hasher(header, receiver!) ?? later;
}
