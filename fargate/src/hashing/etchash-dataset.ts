// The full ethash dataset (the "DAG") of an epoch: what a miner hashes with, never the pool (it checks shares with the
// light cache). Test miners use it to hash at microseconds per nonce instead of a millisecond. Items are independent,
// so ranges of them are built in parallel on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise).
import { type EtchashCache, type EtchashHash, EtchashInputError } from './etchash.js';
import { loadHashingAddon } from './load-addon.js';

const addon = loadHashingAddon();

const ITEM_BYTES = 64;
/** Items per thread-pool job: ~1 s of work, so progress is reported often and the pool's other users get turns. */
const CHUNK_ITEMS = 1 << 18;

export interface DatasetBuildOptions {
  /** Ranges built at once (default 2: this pool's machines have two cores). */
  readonly parallel?: number;
  /** Items per range (default 2^18, ~1 s of work each). */
  readonly chunkItems?: number;
  /** Called after each range with the items done so far and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Builds the full dataset of the cache's epoch (epoch 0: 1 GiB). Resolves with it once every range is written. */
export async function buildEtchashDataset(cache: EtchashCache, options: DatasetBuildOptions = {}): Promise<Buffer> {
  const { datasetBytes } = cache.epoch;
  const total = datasetBytes / ITEM_BYTES;
  const chunk = options.chunkItems ?? CHUNK_ITEMS;
  const dataset = Buffer.allocUnsafeSlow(datasetBytes);
  let nextStart = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (nextStart < total) {
      const start = nextStart;
      const end = Math.min(total, start + chunk);
      nextStart = end;
      await addon.ethashBuildDatasetRangeAsync(cache.bytes, dataset, start, end);
      done += end - start;
      options.onProgress?.(done, total);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.parallel ?? 2) }, worker));
  return dataset;
}

export interface DatasetHit extends EtchashHash {
  readonly nonce: bigint;
}

/**
 * Tries `count` nonces from `start` over a full dataset on the thread pool; the first whose result ≤ target (a
 * 256-bit integer below 2^256), or null.
 */
export function searchEtchashDataset(
  dataset: Uint8Array,
  datasetBytes: number,
  headerHash: Uint8Array,
  start: bigint,
  count: number,
  target: bigint,
): Promise<DatasetHit | null> {
  if (target < 0n || target >= 1n << 256n) throw new EtchashInputError(`target must be below 2^256, got ${target}`);
  const targetBytes = Buffer.from(target.toString(16).padStart(64, '0'), 'hex');
  return addon.ethashSearchFullAsync(dataset, datasetBytes, headerHash, start, count, targetBytes);
}
