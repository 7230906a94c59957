import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../../core/errors.js';

/** scryptBatchPlan's answer: `calls` in order, `costs` widest call first (16, 8, 4 lanes; 2 and 1: pair, single). */
export interface ScryptBatchPlan {
  calls: number[];
  costs: Array<{ lanes: number; ns: number }>;
}

/** The multi-buffer scrypt kernels (fargate/native/src/scrypt.h): avx512 16 lanes, avx2 8, neon/sse2 4, scalar pairs. */
export type ScryptKernel = 'avx512' | 'avx2' | 'neon' | 'sse2' | 'scalar';

/** SHA-256 compression kernels of the addon (fargate/native/src/sha256_kernels.cc). */
export type Sha256Kernel = 'sha-ni' | 'armv8-sha2' | 'scalar';

/** What fargate/native/src/addon.cc exports. */
export interface HashingAddon {
  sha256d(data: Uint8Array): Buffer;
  /** Writes SHA-256(SHA-256(data)) into out[0..32); out must hold at least 32 bytes. */
  sha256dInto(data: Uint8Array, out: Uint8Array): void;
  /**
   * A share's header hash in one call over one array, area = coinbase ‖ branch ‖ header (80) ‖ digest (32): the
   * header's bytes 36..68 ← the merkle root of sha256d(coinbase) and the branch's 32-byte steps, then the digest ←
   * sha256d(header). A RangeError unless the area is exactly that long and the branch whole steps.
   */
  sha256dShareArea(area: Uint8Array, coinbaseLength: number, branchLength: number): void;
  /** The SHA-256 kernel every hash of the addon uses: "sha-ni", "armv8-sha2" or "scalar". */
  sha256Kernel(): Sha256Kernel;
  /** The kernels this build and CPU can run, fastest first ("scalar" last). */
  sha256Kernels(): Sha256Kernel[];
  /** Chooses the kernel ("auto": the fastest); a RangeError for one this CPU cannot run. */
  sha256UseKernel(name: Sha256Kernel | 'auto'): void;
  scrypt(header: Uint8Array): Buffer;
  /** out[0..32) = scrypt(h1), out[32..64) = scrypt(h2), hashed interleaved. */
  scryptPairInto(h1: Uint8Array, h2: Uint8Array, out: Uint8Array): void;
  /** out[32·i ..] = scrypt(headers[i]) in the lanes of `kernel` (default: the widest available). */
  scryptBatchInto(headers: Uint8Array[], out: Uint8Array, kernel?: ScryptKernel): void;
  /** The same on libuv's thread pool, on copies of the headers: resolves with the n·32 bytes. */
  scryptBatchAsync(headers: Uint8Array[], kernel?: ScryptKernel): Promise<Buffer>;
  /** The widest kernel this build and CPU can run. */
  scryptKernel(): ScryptKernel;
  /** Every kernel this build and CPU can run, widest first. */
  scryptKernels(): ScryptKernel[];
  /** The calls a batch of n makes (their lane counts) and what each call of the kernel costs here (ns). */
  scryptBatchPlan(n: number, kernel?: ScryptKernel): ScryptBatchPlan;
  scryptRaw(password: Uint8Array, salt: Uint8Array, N: number, r: number, p: number, dkLen: number): Buffer;
  /** SCHED_IDLE for one thread of this process (Linux; fargate/native/src/thread_policy.cc); throws where refused. */
  setThreadIdle(tid: number): void;
  /** Legacy Keccak (pad byte 0x01, not SHA-3's 0x06), as ethash uses it. */
  keccak256(data: Uint8Array): Buffer;
  keccak512(data: Uint8Array): Buffer;
  /** Ethash sizes of an epoch (≤ 2047), in bytes. */
  ethashCacheSize(epoch: number): number;
  ethashDatasetSize(epoch: number): number;
  /** Keccak-256 applied seedEpoch times to 32 zero bytes (seedEpoch ≤ 4095). */
  ethashSeed(seedEpoch: number): Buffer;
  /** Fills the whole of cache (a multiple of 64 bytes, 8-byte aligned) from the 32-byte seed. */
  ethashBuildCache(seed: Uint8Array, cache: Uint8Array): void;
  /** The same on libuv's thread pool; cache must not be touched until the promise settles. */
  ethashBuildCacheAsync(seed: Uint8Array, cache: Uint8Array): Promise<void>;
  /** Writes dataset items [start, end) at dataset[64·i ..]. */
  ethashBuildDatasetRange(cache: Uint8Array, dataset: Uint8Array, start: number, end: number): void;
  ethashBuildDatasetRangeAsync(cache: Uint8Array, dataset: Uint8Array, start: number, end: number): Promise<void>;
  /** out[0..32) = mix digest, out[32..64) = result; nonce as the wire's 64-bit value. */
  ethashHashimotoLight(
    cache: Uint8Array,
    datasetBytes: number,
    header: Uint8Array,
    nonce: bigint,
    out: Uint8Array,
  ): void;
  /** n shares in lockstep (2× the checks/s at a cache beyond the L3): headers n·32 bytes, nonces n·8 (little-endian), out n·64. */
  ethashHashimotoLightBatch(
    cache: Uint8Array,
    datasetBytes: number,
    headers: Uint8Array,
    nonces: Uint8Array,
    out: Uint8Array,
  ): void;
  ethashHashimotoFull(
    dataset: Uint8Array,
    datasetBytes: number,
    header: Uint8Array,
    nonce: bigint,
    out: Uint8Array,
  ): void;
  /** out[0..32) = keccak256(keccak512(header ‖ nonce LE) ‖ mix): the result if the mix is genuine. */
  ethashFinalHash(header: Uint8Array, nonce: bigint, mix: Uint8Array, out: Uint8Array): void;
  /** The first nonce from start (count of them) whose result ≤ target (32 bytes big-endian), on the thread pool. */
  ethashSearchFullAsync(
    dataset: Uint8Array,
    datasetBytes: number,
    header: Uint8Array,
    start: bigint,
    count: number,
    target: Uint8Array,
  ): Promise<{ nonce: bigint; mix: Buffer; result: Buffer } | null>;
}

/**
 * Where node-gyp puts the addon when the root package's `install` script builds fargate/native; the container image,
 * whose server is one bundled file, says where it put the addon with POOL_HASHING_ADDON.
 */
export const DEFAULT_ADDON_PATH =
  process.env.POOL_HASHING_ADDON ??
  fileURLToPath(new URL('../../native/build/Release/pool_hashing.node', import.meta.url));

/**
 * Loads the native hashing addon. There is deliberately no JavaScript fallback: a pool that silently validated
 * shares ~at node:crypto speed (or with a different implementation) would hide a broken build.
 */
export function loadHashingAddon(path: string = DEFAULT_ADDON_PATH): HashingAddon {
  const require = createRequire(import.meta.url);
  try {
    return require(path) as HashingAddon;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND';
    const problem = missing ? 'is missing' : 'failed to load (built for another Node version or platform?)';
    throw new ConfigError(
      `Native hashing addon ${path} ${problem}: run \`npm install\` (or \`npm rebuild\`) in the repository root to build fargate/native.`,
      [],
      { cause: error },
    );
  }
}
