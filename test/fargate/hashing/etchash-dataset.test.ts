import { describe, expect, it } from 'vitest';
import {
  buildEtchashCacheSync,
  type EtchashEpoch,
  hashimotoFull,
  hashimotoLight,
  hashValue,
} from '../../../fargate/src/hashing/etchash.js';
import { buildEtchashDataset, searchEtchashDataset } from '../../../fargate/src/hashing/etchash-dataset.js';

/** Test-mode sizes with a non-zero seed: a 2 KiB cache, a 64 KiB dataset (1024 items). */
const SMALL: EtchashEpoch = {
  epoch: 0,
  seedEpoch: 3,
  firstBlock: 0,
  length: 30_000,
  cacheBytes: 2048,
  datasetBytes: 64 * 1024,
};
const header = Buffer.from('2a8de2adf89af77358250bf908bf04ba94a6e8c3ba87775564a41d269a05e4ce', 'hex');

describe('the full dataset', () => {
  const cache = buildEtchashCacheSync(SMALL);

  it('hashes as the light cache does when built in parallel ranges of odd sizes', async () => {
    const progress: number[] = [];
    const dataset = await buildEtchashDataset(cache, {
      parallel: 3,
      chunkItems: 37,
      onProgress: (done, total) => {
        expect(total).toBe(1024);
        progress.push(done);
      },
    });
    expect(progress.at(-1)).toBe(1024);
    expect(progress.length).toBe(Math.ceil(1024 / 37));
    for (let nonce = 0n; nonce < 64n; nonce++) {
      expect(hashimotoFull(dataset, SMALL.datasetBytes, header, nonce)).toEqual(hashimotoLight(cache, header, nonce));
    }
    const whole = await buildEtchashDataset(cache, { parallel: 1 });
    expect(whole).toEqual(dataset);
  });

  it('finds the first nonce at or under a target, as a light-hash scan does, or null', async () => {
    const dataset = await buildEtchashDataset(cache);
    const target = (1n << 256n) / 100n;
    let expected = 1000n;
    while (hashValue(hashimotoLight(cache, header, expected).result) > target) expected++;

    const hit = await searchEtchashDataset(dataset, SMALL.datasetBytes, header, 1000n, 100_000, target);
    expect(hit?.nonce).toBe(expected);
    expect(hit && { mix: hit.mix, result: hit.result }).toEqual(hashimotoLight(cache, header, expected));
    expect(
      await searchEtchashDataset(dataset, SMALL.datasetBytes, header, 1000n, Number(expected - 1000n), target),
    ).toBe(null);
  });

  it('refuses a dataset smaller than its size and an out-of-range target', async () => {
    const dataset = await buildEtchashDataset(cache);
    expect(() => hashimotoFull(dataset.subarray(0, 1024), SMALL.datasetBytes, header, 0n)).toThrow(
      /dataset must be 8-byte aligned and hold datasetBytes bytes/,
    );
    expect(() => searchEtchashDataset(dataset, SMALL.datasetBytes, header, 0n, 1, 1n << 256n)).toThrow(/target/);
  });
});
