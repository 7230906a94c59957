// Etchash (Ethereum Classic's proof of work): ethash with ECIP-1099's epochs. The hashing is native
// (fargate/native/src/ethash.cc); this file holds the epoch rules and the share check.
//
// ECIP-1099: from its activation block on, an epoch is 60,000 blocks; etchash epoch E takes the *seed* of ethash epoch
// 2E and the cache and dataset *sizes* of ethash epoch E. Before it, plain ethash (30,000-block epochs).
import { PoolError } from '../../../core/errors.js';
import { loadHashingAddon } from './load-addon.js';

const addon = loadHashingAddon();

/** The last epoch whose sizes are computed (core-geth's and go-etchash's tables stop at 2048 epochs). */
export const MAX_ETCHASH_EPOCH = 2047;

const ETHASH_EPOCH_LENGTH = 30_000;
const ETCHASH_EPOCH_LENGTH = 60_000;
const TWO_256 = 1n << 256n;
const HASH_BYTES = 32;

/** Refused input to the etchash functions (wrong lengths, a nonce or target out of range, an unsupported block). */
export class EtchashInputError extends PoolError {
  constructor(message: string) {
    super(message, 'ETCHASH_INPUT');
  }
}

/** What one epoch hashes with. Tests may replace the sizes (core-geth's test mode: 1 KiB cache, 32 KiB dataset). */
export interface EtchashEpoch {
  /** The epoch the sizes belong to: etchash E after activation, the ethash epoch before. */
  readonly epoch: number;
  /** The ethash epoch whose seed is used: 2E after activation, E before. */
  readonly seedEpoch: number;
  readonly firstBlock: number;
  /** Blocks in the epoch: 60,000 after activation, 30,000 before. */
  readonly length: number;
  readonly cacheBytes: number;
  readonly datasetBytes: number;
}

/**
 * The epoch of a block. `ecip1099Block` is the network's activation block (core/coins/ethash-chains.ts `ETC_CHAINS`), or null for
 * plain ethash. Throws EtchashInputError for a block beyond MAX_ETCHASH_EPOCH.
 */
export function etchashEpoch(blockNumber: number, ecip1099Block: number | null): EtchashEpoch {
  if (!Number.isSafeInteger(blockNumber) || blockNumber < 0) {
    throw new EtchashInputError(`block number must be a non-negative integer, got ${blockNumber}`);
  }
  const activated = ecip1099Block !== null && blockNumber >= ecip1099Block;
  const length = activated ? ETCHASH_EPOCH_LENGTH : ETHASH_EPOCH_LENGTH;
  const epoch = Math.floor(blockNumber / length);
  if (epoch > MAX_ETCHASH_EPOCH) {
    throw new EtchashInputError(`block ${blockNumber} is in epoch ${epoch}, beyond the supported ${MAX_ETCHASH_EPOCH}`);
  }
  const firstBlock = epoch * length;
  // core-geth's calcEpochBlock: the seed is that of the ethash epoch holding block firstBlock + 1.
  const seedEpoch = Math.floor((firstBlock + 1) / ETHASH_EPOCH_LENGTH);
  return {
    epoch,
    seedEpoch,
    firstBlock,
    length,
    cacheBytes: addon.ethashCacheSize(epoch),
    datasetBytes: addon.ethashDatasetSize(epoch),
  };
}

/** Identifies a cache's contents: the seed and the cache size. */
export function cacheKey(epoch: EtchashEpoch): string {
  return `seed ${epoch.seedEpoch}, ${epoch.cacheBytes} bytes`;
}

/** A built light cache and the epoch it serves. */
export interface EtchashCache {
  readonly epoch: EtchashEpoch;
  readonly bytes: Uint8Array;
}

/** Keccak-256 applied seedEpoch times to 32 zero bytes. */
export function ethashSeed(seedEpoch: number): Buffer {
  return addon.ethashSeed(seedEpoch);
}

/** Legacy Keccak-256 / Keccak-512 (not SHA-3: node:crypto's sha3-* differ). */
export function keccak256(data: Uint8Array): Buffer {
  return addon.keccak256(data);
}
export function keccak512(data: Uint8Array): Buffer {
  return addon.keccak512(data);
}

/** Builds an epoch's cache on the calling thread (~0.4 s at epoch 0): for tools and tests, never the event loop. */
export function buildEtchashCacheSync(epoch: EtchashEpoch): EtchashCache {
  const bytes = Buffer.allocUnsafeSlow(epoch.cacheBytes);
  addon.ethashBuildCache(ethashSeed(epoch.seedEpoch), bytes);
  return { epoch, bytes };
}

/** Builds an epoch's cache on libuv's thread pool: the event loop keeps running meanwhile. */
export async function buildEtchashCache(epoch: EtchashEpoch): Promise<EtchashCache> {
  // allocUnsafeSlow: an ArrayBuffer of its own (aligned, not from Node's small-buffer pool).
  const bytes = Buffer.allocUnsafeSlow(epoch.cacheBytes);
  await addon.ethashBuildCacheAsync(ethashSeed(epoch.seedEpoch), bytes);
  return { epoch, bytes };
}

export interface EtchashHash {
  /** The mix digest (mixHash), 32 bytes. */
  readonly mix: Buffer;
  /** The final hash, 32 bytes, compared big-endian against a target. */
  readonly result: Buffer;
}

function checkHeader(headerHash: Uint8Array): void {
  if (headerHash.length !== HASH_BYTES) {
    throw new EtchashInputError(`header hash must be 32 bytes, got ${headerHash.length}`);
  }
}

function checkNonce(nonce: bigint): void {
  if (nonce < 0n || nonce >= 1n << 64n) throw new EtchashInputError(`nonce must be a 64-bit value, got ${nonce}`);
}

function splitHash(out: Buffer): EtchashHash {
  return { mix: out.subarray(0, HASH_BYTES), result: out.subarray(HASH_BYTES) };
}

/** Hashimoto over the light cache (the share check, ~1 ms): dataset items computed on demand. */
export function hashimotoLight(cache: EtchashCache, headerHash: Uint8Array, nonce: bigint): EtchashHash {
  checkHeader(headerHash);
  checkNonce(nonce);
  const out = Buffer.allocUnsafe(2 * HASH_BYTES);
  addon.ethashHashimotoLight(cache.bytes, cache.epoch.datasetBytes, headerHash, nonce, out);
  return splitHash(out);
}

/** Hashimoto over a full dataset (etchash-dataset.ts builds one): microseconds, for test miners. */
export function hashimotoFull(
  dataset: Uint8Array,
  datasetBytes: number,
  headerHash: Uint8Array,
  nonce: bigint,
): EtchashHash {
  checkHeader(headerHash);
  checkNonce(nonce);
  const out = Buffer.allocUnsafe(2 * HASH_BYTES);
  addon.ethashHashimotoFull(dataset, datasetBytes, headerHash, nonce, out);
  return splitHash(out);
}

/** floor(2^256 / difficulty). Difficulty 1 gives 2^256, which no 32-byte target can carry (reference §1.7). */
export function targetFromDifficulty(difficulty: bigint): bigint {
  if (difficulty < 1n) throw new EtchashInputError(`difficulty must be at least 1, got ${difficulty}`);
  return TWO_256 / difficulty;
}

/** A 32-byte hash read as a big-endian integer (how results compare with targets). */
export function hashValue(hash: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex')}`);
}

export interface EtchashShare {
  /** The job's seal hash (the header without mix and nonce), 32 bytes. */
  readonly headerHash: Uint8Array;
  /** The full 64-bit nonce, as the wire's big-endian hex reads. */
  readonly nonce: bigint;
  /** The mix digest the miner submitted (EthProxy); EthereumStratum/1.0.0 sends none. */
  readonly mixDigest?: Uint8Array;
  /** floor(2^256 / share difficulty), at most 2^256. */
  readonly shareTarget: bigint;
  /** floor(2^256 / network difficulty), or the target of the node's eth_getWork. */
  readonly networkTarget: bigint;
}

export type EtchashRefusal = 'low-difficulty' | 'mix-mismatch';

export interface EtchashVerdict extends EtchashHash {
  /** A valid share: the mix (if submitted) is genuine and result ≤ shareTarget (or it is a block). */
  readonly ok: boolean;
  /** A valid share that also meets the network target: submit it to the node with `mix`. */
  readonly block: boolean;
  readonly reason?: EtchashRefusal;
}

function checkTarget(name: string, target: bigint): void {
  if (target < 1n || target > TWO_256) throw new EtchashInputError(`${name} must be in [1, 2^256], got ${target}`);
}

/**
 * Checks a share against its epoch's cache. Cheap first: with a submitted mix, the result that mix would give (two
 * Keccak calls) is compared with the share target, and only a share passing it pays for hashimoto, which confirms the
 * mix. A refused share's `mix`/`result` are then the submitted mix and the result it gives (unconfirmed); otherwise
 * they are recomputed. Malformed input throws EtchashInputError.
 */
export function verifyEtchash(cache: EtchashCache, share: EtchashShare): EtchashVerdict {
  const { headerHash, nonce, mixDigest, shareTarget, networkTarget } = share;
  checkHeader(headerHash);
  checkNonce(nonce);
  checkTarget('shareTarget', shareTarget);
  checkTarget('networkTarget', networkTarget);
  // A block is worth submitting even when the share difficulty is above the network's (a low-difficulty devnet).
  const acceptTarget = shareTarget > networkTarget ? shareTarget : networkTarget;
  if (mixDigest !== undefined) {
    if (mixDigest.length !== HASH_BYTES) {
      throw new EtchashInputError(`mix digest must be 32 bytes, got ${mixDigest.length}`);
    }
    const claimed = Buffer.allocUnsafe(HASH_BYTES);
    addon.ethashFinalHash(headerHash, nonce, mixDigest, claimed);
    if (hashValue(claimed) > acceptTarget) {
      return { ok: false, block: false, reason: 'low-difficulty', mix: Buffer.from(mixDigest), result: claimed };
    }
  }
  const hash = hashimotoLight(cache, headerHash, nonce);
  if (mixDigest !== undefined && !hash.mix.equals(mixDigest)) {
    return { ok: false, block: false, reason: 'mix-mismatch', ...hash };
  }
  const value = hashValue(hash.result);
  if (value > acceptTarget) return { ok: false, block: false, reason: 'low-difficulty', ...hash };
  return { ok: true, block: value <= networkTarget, ...hash };
}
