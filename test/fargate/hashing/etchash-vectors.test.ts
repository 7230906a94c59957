// Known answers at real etchash sizes: ETC mainnet blocks before and after ECIP-1099, the computed etchash vectors at
// the Mordor and mainnet activation epochs, and digests of whole caches.

import { describe, expect, it } from 'vitest';
import { ETC_CHAINS } from '../../../core/coins/ethash-chains.js';
import {
  buildEtchashCacheSync,
  type EtchashCache,
  type EtchashEpoch,
  etchashEpoch,
  hashimotoLight,
  hashValue,
  keccak256,
  targetFromDifficulty,
  verifyEtchash,
} from '../../../fargate/src/hashing/etchash.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

/** One cache held at a time (they are 22–83 MB): tests of the same epoch follow each other. */
let held: EtchashCache | undefined;
function cacheOf(epoch: EtchashEpoch): EtchashCache {
  if (held?.epoch.seedEpoch !== epoch.seedEpoch || held.epoch.cacheBytes !== epoch.cacheBytes) {
    held = undefined; // the previous cache can go before the next is allocated
    held = buildEtchashCacheSync(epoch);
  }
  return held;
}

/** ETC mainnet blocks (open-etc-pool proxy/etchash_vector_test.go headers; nonce, mix and difficulty on chain). */
const MAINNET_BLOCKS = [
  {
    name: 'block 10,000,000 (ethash epoch 333, before ECIP-1099)',
    number: 10_000_000,
    sealHash: 'f0518dfafdeff5130e7351d3ca4e67fa27e26cac194cd96a377c47e472279a38',
    nonce: 0x2e56400011aa68bbn,
    mix: 'eeecef23e81ea2b635fe4ddb1b0a73f672185442c580d7ef3c069269566b9fe6',
    result: '0000000000014a7c2c3d2266a6085d84d042cd478a9da7af6ddefa81bfb5a3a9',
    difficulty: 0x8d51aa3e06d7n,
    cacheDigest: undefined,
  },
  {
    name: 'block 15,000,000 (etchash epoch 250: seed 500, sizes of 250)',
    number: 15_000_000,
    sealHash: '7fa7fa6a2b6e60576a78a7aaff610b55c4768959bd280c127b8fe577230e34de',
    nonce: 0x51722f9f5fe9570dn,
    mix: 'd42078e487ac321317e73b98cf8f6f70e5c30bbc38c1cf8d11fc03add955a096',
    result: '00000000000027443748a4a10344bda95b5c5f3a76a83209ae2a69135f937aa5',
    difficulty: 0x144350f51ecabn,
    cacheDigest: '71ed40ba88d111a36ba80e3938d741c5aab25ea81c3fa84e427af51639167886',
  },
] as const;

describe('real ETC mainnet blocks', () => {
  for (const block of MAINNET_BLOCKS) {
    it(`reproduces the on-chain mix digest of ${block.name} and finds it meets its difficulty`, () => {
      const cache = cacheOf(etchashEpoch(block.number, ETC_CHAINS.mainnet.ecip1099Block));
      if (block.cacheDigest) expect(keccak256(cache.bytes).toString('hex')).toBe(block.cacheDigest);
      const share = {
        headerHash: hex(block.sealHash),
        nonce: block.nonce,
        mixDigest: hex(block.mix),
        shareTarget: targetFromDifficulty(block.difficulty),
        networkTarget: targetFromDifficulty(block.difficulty),
      };
      const verdict = verifyEtchash(cache, share);
      expect(verdict).toMatchObject({ ok: true, block: true });
      expect(verdict.mix.toString('hex')).toBe(block.mix);
      expect(verdict.result.toString('hex')).toBe(block.result);

      const tamperedNonce = verifyEtchash(cache, { ...share, nonce: block.nonce ^ 1n });
      expect(tamperedNonce.ok).toBe(false);
      const tamperedMix = hex(block.mix);
      tamperedMix[0] = (tamperedMix[0] ?? 0) ^ 0x80;
      expect(verifyEtchash(cache, { ...share, mixDigest: tamperedMix }).ok).toBe(false);
    });
  }

  it('does not reproduce block 15,000,000 with plain-ethash sizes (the seed(2E), sizes(E) rule matters)', () => {
    const block = MAINNET_BLOCKS[1];
    const etchash = etchashEpoch(block.number, ETC_CHAINS.mainnet.ecip1099Block);
    const plain = etchashEpoch(block.number, null);
    expect(plain.seedEpoch).toBe(etchash.seedEpoch);
    const { mix } = hashimotoLight(cacheOf(plain), hex(block.sealHash), block.nonce);
    expect(mix.toString('hex')).toBe('5062837568dc061452d195d2f524e06ce2b5072adc9d2c499fc6312275bb1daf');
  });
});

describe('computed etchash vectors at the activation epochs', () => {
  const header = hex('2a8de2adf89af77358250bf908bf04ba94a6e8c3ba87775564a41d269a05e4ce');
  // [name, block, activation, mix, result, keccak256 of the whole cache]; E = 195 last, the next tests reuse its cache.
  const cases = [
    [
      'Mordor E = 42',
      2_520_000,
      ETC_CHAINS.mordor.ecip1099Block,
      '8d8e8caa73eb74e9ca1b7aa97c098849d512f5ab6b7b23141e7a9d229855095a',
      '5c0e42aa59ba5d3699352f17e13dd7f9264671ec071e3639c6fd6932973661d2',
      '36617f5d4d40076a67c328b31baf3e9c6de9d6d87f105b3fdac2a59c77b8d0c4',
    ],
    [
      'mainnet E = 200',
      12_000_000,
      ETC_CHAINS.mainnet.ecip1099Block,
      '7632a250063d15c1aa5520b5a34d14f4fef72a1672e4b2f7f27d941020c10dc8',
      '538fef2733d497de41c02f034ff6413f6f26c7ca4e43e045f5a67f6a21545815',
      undefined,
    ],
    [
      'mainnet E = 195',
      11_700_000,
      ETC_CHAINS.mainnet.ecip1099Block,
      '5612b1aef7ded650a08f0d9e9287ec2ae491a8eb1182b759b29dea7715fb2024',
      '763752d68ce082929f87604872975ad894cd79c39964bd89754db4360b3af8e1',
      '568d56c26053260e5724b58f886e53b74cdc8cc7932dc7a1053bd20c9a1f1f4a',
    ],
  ] as const;
  for (const [name, blockNumber, fork, mix, result, cacheDigest] of cases) {
    it(`builds the cache and hashes the reference header at ${name}`, () => {
      const cache = cacheOf(etchashEpoch(blockNumber, fork));
      if (cacheDigest) expect(keccak256(cache.bytes).toString('hex')).toBe(cacheDigest);
      const hash = hashimotoLight(cache, header, 0x4242424242424242n);
      expect(hash.mix.toString('hex')).toBe(mix);
      expect(hash.result.toString('hex')).toBe(result);
    });
  }

  it('hashes a second header at E = 195', () => {
    const cache = cacheOf(etchashEpoch(11_700_000, ETC_CHAINS.mainnet.ecip1099Block));
    const hash = hashimotoLight(
      cache,
      hex('bc544c2baba832600013bd5d1983f592e9557d04b0fb5ef7a100434a5fc8d52a'),
      0x4617a20003ba3f25n,
    );
    expect(hash.mix.toString('hex')).toBe('38b5fde8006b2a835c4fcb52bcf782f89812a6c23bd5509ee93d77f003b7f3ff');
    expect(hashValue(hash.result)).toBe(0xd1e6ceca6ba0b6b010b182dcca89a3f02d06da7418da2c68b8763c8350fa67b1n);
  });

  it('does not use seed(E) at E = 195 (the wrong rule gives another mix)', () => {
    const right = etchashEpoch(11_700_000, ETC_CHAINS.mainnet.ecip1099Block);
    const wrong = cacheOf({ ...right, seedEpoch: right.epoch });
    expect(hashimotoLight(wrong, header, 0x4242424242424242n).mix.toString('hex')).toBe(
      'a33bab33bb65b959b4ee38a89a166a2c1a814c31ead8e1e63597a27237948eac',
    );
  });
});
