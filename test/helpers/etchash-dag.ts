// A full etchash dataset (DAG) for test miners that must find blocks at a real node's difficulty (core-geth's minimum,
// 131,072, is ~2 minutes of light hashing a block, ~1 s over the DAG). Built once in parallel ranges and kept on disk
// under the git-ignored .tools/cache/ (epoch 0: 1 GiB, about a minute on two cores), then read back and checked.
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildEtchashCache,
  type EtchashCache,
  type EtchashEpoch,
  hashimotoFull,
  hashimotoLight,
} from '../../fargate/src/hashing/etchash.js';
import { buildEtchashDataset } from '../../fargate/src/hashing/etchash-dataset.js';

export const DAG_CACHE_DIR = fileURLToPath(new URL('../../.tools/cache/', import.meta.url));

export interface EtchashDag {
  readonly cache: EtchashCache;
  readonly dataset: Buffer;
}

/** Whether a dataset hashes as its light cache does (a truncated or stale file does not). */
function agrees(cache: EtchashCache, dataset: Buffer): boolean {
  const header = Buffer.alloc(32, 0x5a);
  for (let nonce = 0n; nonce < 8n; nonce++) {
    const full = hashimotoFull(dataset, cache.epoch.datasetBytes, header, nonce);
    if (!full.result.equals(hashimotoLight(cache, header, nonce).result)) return false;
  }
  return true;
}

/** The full dataset of an epoch, from .tools/cache/ when a checked copy is there, else built and stored. */
export async function etchashDag(
  epoch: EtchashEpoch,
  o: { dir?: string; onProgress?: (done: number, total: number) => void } = {},
): Promise<EtchashDag> {
  const dir = o.dir ?? DAG_CACHE_DIR;
  const file = join(dir, `etchash-seed${epoch.seedEpoch}-${epoch.cacheBytes}-${epoch.datasetBytes}.dag`);
  const cache = await buildEtchashCache(epoch);
  const size = await stat(file).then(
    (s) => s.size,
    () => -1,
  );
  if (size === epoch.datasetBytes) {
    const dataset = await readFile(file);
    if (agrees(cache, dataset)) return { cache, dataset };
  }
  const dataset = await buildEtchashDataset(cache, { parallel: 2, onProgress: o.onProgress });
  await mkdir(dir, { recursive: true });
  await writeFile(`${file}.tmp`, dataset);
  await rename(`${file}.tmp`, file);
  return { cache, dataset };
}
