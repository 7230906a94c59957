import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEtchashCacheSync, type EtchashCache, hashimotoLight } from '../../../fargate/src/hashing/etchash.js';
import { loadHashingAddon } from '../../../fargate/src/hashing/load-addon.js';

const addon = loadHashingAddon();

/** Real epoch-0 sizes; the lockstep path runs 4 shares at a time and the rest one by one. */
const EPOCH0 = {
  epoch: 0,
  seedEpoch: 0,
  firstBlock: 0,
  length: 30_000,
  cacheBytes: addon.ethashCacheSize(0),
  datasetBytes: addon.ethashDatasetSize(0),
};

function batch(cache: EtchashCache, headers: Buffer, nonces: bigint[]): Buffer {
  const nonceBytes = Buffer.alloc(8 * nonces.length);
  for (const [i, nonce] of nonces.entries()) nonceBytes.writeBigUInt64LE(nonce, 8 * i);
  const out = Buffer.alloc(64 * nonces.length);
  addon.ethashHashimotoLightBatch(cache.bytes, cache.epoch.datasetBytes, headers, nonceBytes, out);
  return out;
}

describe('etchash light check of several shares in lockstep', () => {
  let cache: EtchashCache;
  beforeAll(() => {
    cache = buildEtchashCacheSync(EPOCH0);
  });

  it.each([1, 4, 6, 9])('gives each of %i shares the mix and result of a check on its own', (count) => {
    const headers = randomBytes(32 * count);
    const nonces = Array.from({ length: count }, (_, i) => (BigInt(i) << 40n) ^ 0xfedcba9876543210n);
    const out = batch(cache, headers, nonces);
    for (let i = 0; i < count; i++) {
      const alone = hashimotoLight(cache, headers.subarray(32 * i, 32 * i + 32), nonces[i] as bigint);
      expect(out.subarray(64 * i, 64 * i + 32).toString('hex')).toBe(alone.mix.toString('hex'));
      expect(out.subarray(64 * i + 32, 64 * i + 64).toString('hex')).toBe(alone.result.toString('hex'));
    }
  });

  it('refuses headers and nonces of different share counts', () => {
    const out = Buffer.alloc(128);
    expect(() =>
      addon.ethashHashimotoLightBatch(cache.bytes, EPOCH0.datasetBytes, randomBytes(64), Buffer.alloc(8), out),
    ).toThrow(/headers must be n·32 bytes and nonces n·8 bytes/);
    expect(() =>
      addon.ethashHashimotoLightBatch(
        cache.bytes,
        EPOCH0.datasetBytes,
        randomBytes(64),
        Buffer.alloc(16),
        Buffer.alloc(64),
      ),
    ).toThrow(/out must hold at least 128 bytes/);
  });
});
