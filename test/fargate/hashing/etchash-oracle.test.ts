// The native ethash against independent implementations: @ethereumjs/ethash (TypeScript, test-only dependency) for
// caches and hashimoto at core-geth's test-mode sizes, @noble/hashes for Keccak at every length around the block rates.
import { Ethash } from '@ethereumjs/ethash';
import { keccak_256, keccak_512 } from '@noble/hashes/sha3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildEtchashCacheSync,
  type EtchashEpoch,
  ethashSeed,
  hashimotoLight,
  keccak256,
  keccak512,
} from '../../../fargate/src/hashing/etchash.js';

describe('keccak against @noble/hashes', () => {
  it('agrees on messages of 0 to 300 bytes (several 136- and 72-byte blocks)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (data) => {
        expect(keccak256(data)).toEqual(Buffer.from(keccak_256(data)));
        expect(keccak512(data)).toEqual(Buffer.from(keccak_512(data)));
      }),
      { numRuns: 400 },
    );
  });
});

describe('ethash against @ethereumjs/ethash', () => {
  it('agrees on caches and hashimoto for small caches and datasets, any seed, header and nonce', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 1, max: 48 }),
        fc.integer({ min: 1, max: 300 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigUint64Array({ minLength: 1, maxLength: 1 }),
        (seedEpoch, cacheRows, datasetPages, header, [nonce = 0n]) => {
          const epoch: EtchashEpoch = {
            epoch: 0,
            seedEpoch,
            firstBlock: 0,
            length: 30_000,
            cacheBytes: 64 * cacheRows,
            datasetBytes: 128 * datasetPages,
          };
          const cache = buildEtchashCacheSync(epoch);
          const oracle = new Ethash();
          const oracleCache = oracle.mkcache(epoch.cacheBytes, ethashSeed(seedEpoch));
          expect(cache.bytes).toEqual(Buffer.concat(oracleCache));

          const nonceBytes = Buffer.alloc(8);
          nonceBytes.writeBigUInt64BE(nonce);
          const expected = oracle.run(header, nonceBytes, epoch.datasetBytes);
          const actual = hashimotoLight(cache, header, nonce);
          expect(actual.mix).toEqual(Buffer.from(expected.mix));
          expect(actual.result).toEqual(Buffer.from(expected.hash));
        },
      ),
      { numRuns: 40 },
    );
  });
});
