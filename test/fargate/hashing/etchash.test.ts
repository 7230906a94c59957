import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ETC_CHAINS } from '../../../core/coins/ethash-chains.js';
import {
  buildEtchashCacheSync,
  type EtchashCache,
  type EtchashEpoch,
  EtchashInputError,
  etchashEpoch,
  ethashSeed,
  hashimotoLight,
  hashValue,
  keccak256,
  keccak512,
  targetFromDifficulty,
  verifyEtchash,
} from '../../../fargate/src/hashing/etchash.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const TWO_256 = 1n << 256n;

/** core-geth's test mode (algorithm_test.go): a 1 KiB cache from the zero seed, a 32 KiB dataset. */
const TINY: EtchashEpoch = {
  epoch: 0,
  seedEpoch: 0,
  firstBlock: 0,
  length: 30_000,
  cacheBytes: 1024,
  datasetBytes: 32 * 1024,
};

describe('keccak', () => {
  it('is the original Keccak (pad 0x01), not NIST SHA-3', () => {
    // Keccak-256("") and Keccak-512("") as Ethereum defines them.
    expect(keccak256(Buffer.alloc(0)).toString('hex')).toBe(
      'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    );
    expect(keccak512(Buffer.alloc(0)).toString('hex')).toBe(
      '0eab42de4c3ceb9235fc91acffe746b29c29a8c366b7c60e4e67c466f36a4304c00fa9caf9d87976ba469bcbe06713b435f091ef2769fb160cdab33d3670680e',
    );
    expect(keccak256(Buffer.alloc(0))).not.toEqual(createHash('sha3-256').update(Buffer.alloc(0)).digest());
  });

  it('hashes a short message to its known digest', () => {
    expect(keccak256(Buffer.from('testing')).toString('hex')).toBe(
      '5f16f4c7f149ac4f9510d9cf8cf384038ad348b3bcdc01915f95de12df9d1b02',
    );
  });
});

describe('etchash epochs', () => {
  it('uses 30,000-block ethash epochs before ECIP-1099 and 60,000-block epochs with seed(2E) after', () => {
    expect(etchashEpoch(11_699_999, ETC_CHAINS.mainnet.ecip1099Block)).toMatchObject({ epoch: 389, seedEpoch: 389 });
    expect(etchashEpoch(11_700_000, ETC_CHAINS.mainnet.ecip1099Block)).toMatchObject({
      epoch: 195,
      seedEpoch: 390,
      firstBlock: 11_700_000,
      length: 60_000,
      cacheBytes: 42_334_912,
      datasetBytes: 2_709_518_464,
    });
    expect(etchashEpoch(2_520_000, ETC_CHAINS.mordor.ecip1099Block)).toMatchObject({ epoch: 42, seedEpoch: 84 });
    expect(etchashEpoch(15_000_000, ETC_CHAINS.mainnet.ecip1099Block)).toMatchObject({ epoch: 250, seedEpoch: 500 });
    expect(etchashEpoch(10_000_000, ETC_CHAINS.mainnet.ecip1099Block)).toMatchObject({ epoch: 333, seedEpoch: 333 });
    expect(etchashEpoch(11_700_000, null)).toMatchObject({ epoch: 390, seedEpoch: 390, cacheBytes: 67_895_104 });
    // A devnet activating at block 0: epoch 0 is ethash's epoch 0.
    expect(etchashEpoch(59_999, 0)).toMatchObject({ epoch: 0, seedEpoch: 0, cacheBytes: 16_776_896 });
    expect(etchashEpoch(60_000, 0)).toMatchObject({ epoch: 1, seedEpoch: 2, cacheBytes: 16_907_456 });
  });

  it('computes the sizes of the reference table by the prime search', () => {
    const table: Array<[number, number, number]> = [
      [0, 16_776_896, 1_073_739_904],
      [1, 16_907_456, 1_082_130_304],
      [2, 17_039_296, 1_090_514_816],
      [42, 22_281_536, 1_426_062_464],
      [50, 23_330_752, 1_493_171_584],
      [84, 27_786_688, 1_778_382_464],
      [195, 42_334_912, 2_709_518_464],
      [250, 49_545_152, 3_170_893_184],
      [333, 60_423_872, 3_867_147_904],
      [390, 67_895_104, 4_345_295_488],
    ];
    for (const [epoch, cacheBytes, datasetBytes] of table) {
      // Before activation the epoch of block 30,000·e is e.
      expect(etchashEpoch(epoch * 30_000, null)).toMatchObject({ epoch, cacheBytes, datasetBytes });
    }
  });

  it('gives the published seed hashes', () => {
    const seeds: Array<[number, string]> = [
      [0, '0000000000000000000000000000000000000000000000000000000000000000'],
      [1, '290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e563'],
      [50, 'abad8f99f3918bf903c6a909d9bbc0fdfa5a2f4b9cb1196175ec825c6610126c'],
      [84, '002440e15267eebdf06fa7fe5aee5ccff445967925a90ecce6429aef7f8feb1f'],
      [382, 'd3d0aa11197dcdcfcb3ad3c73d415af47299bddb47fda6081d31d9dd06462f6a'],
      [390, 'e79f0f63030bf691445c2b9d0266b24a9619e355194067f2ad2c73a8e0a26c65'],
      [500, '398c942492d1d1065c5accfa3ed3d5c541d9995437065daf8e7996bd1fa39ce3'],
    ];
    for (const [epoch, seed] of seeds) expect(ethashSeed(epoch).toString('hex')).toBe(seed);
  });

  it('refuses a block beyond the supported epochs and a negative or fractional block', () => {
    expect(() => etchashEpoch(60_000 * 2048, 0)).toThrow(/beyond the supported 2047/);
    expect(() => etchashEpoch(30_000 * 2048, null)).toThrow(EtchashInputError);
    expect(() => etchashEpoch(-1, 0)).toThrow(EtchashInputError);
    expect(() => etchashEpoch(1.5, 0)).toThrow(EtchashInputError);
  });
});

describe('hashimoto light, test-mode sizes', () => {
  const cache = buildEtchashCacheSync(TINY);

  it("reproduces core-geth's TestHashimoto vector", () => {
    const header = hex('c9149cc0386e689d789a1c2f3d5d169a61a6218ed30e74414dc736e442ef3d1f');
    const { mix, result } = hashimotoLight(cache, header, 0n);
    expect(mix.toString('hex')).toBe('e4073cffaef931d37117cefd9afd27ea0f1cad6a981dd2605c4a1ac97c519800');
    expect(result.toString('hex')).toBe('d3539235ee2e6f8db665c0a72169f55b7f6c605712330b778ec3944f0eb5a557');
  });

  it('refuses a header or nonce of the wrong size', () => {
    expect(() => hashimotoLight(cache, Buffer.alloc(31), 0n)).toThrow(/header hash must be 32 bytes, got 31/);
    expect(() => hashimotoLight(cache, Buffer.alloc(32), 1n << 64n)).toThrow(/nonce must be a 64-bit value/);
    expect(() => hashimotoLight(cache, Buffer.alloc(32), -1n)).toThrow(EtchashInputError);
  });
});

describe('hashimoto light, real sizes', () => {
  let epoch0: EtchashCache;
  beforeAll(() => {
    epoch0 = buildEtchashCacheSync(etchashEpoch(0, 0));
  });

  it('builds the epoch-0 cache of ethereum/tests PoWTests', () => {
    expect(keccak256(epoch0.bytes).toString('hex')).toBe(
      '35ded12eecf2ce2e8da2e15c06d463aae9b84cb2530a00b932e4bbc484cde353',
    );
  });

  it('reproduces the epoch-0 ethash vectors (blocks 0 and 2)', () => {
    const cases = [
      [
        '2a8de2adf89af77358250bf908bf04ba94a6e8c3ba87775564a41d269a05e4ce',
        0x4242424242424242n,
        '58f759ede17a706c93f13030328bcea40c1d1341fb26f2facd21ceb0dae57017',
        'dd47fd2d98db51078356852d7c4014e6a5d6c387c35f40e2875b74a256ed7906',
      ],
      [
        '100cbec5e5ef82991290d0d93d758f19082e71f234cf479192a8b94df6da6bfe',
        0x307692cf71b12f6dn,
        'e55d02c555a7969361cf74a9ec6211d8c14e4517930a00442f171bdb1698d175',
        'ab9b13423cface72cbec8424221651bc2e384ef0f7a560e038fc68c8d8684829',
      ],
    ] as const;
    for (const [header, nonce, mix, result] of cases) {
      const hash = hashimotoLight(epoch0, hex(header), nonce);
      expect(hash.mix.toString('hex')).toBe(mix);
      expect(hash.result.toString('hex')).toBe(result);
    }
  });

  describe('verifyEtchash', () => {
    const header = hex('2a8de2adf89af77358250bf908bf04ba94a6e8c3ba87775564a41d269a05e4ce');
    const nonce = 0x4242424242424242n;
    const mix = hex('58f759ede17a706c93f13030328bcea40c1d1341fb26f2facd21ceb0dae57017');
    const result = 0xdd47fd2d98db51078356852d7c4014e6a5d6c387c35f40e2875b74a256ed7906n;

    it('accepts a share at exactly its target and calls it a block only under the network target', () => {
      const verdict = verifyEtchash(epoch0, {
        headerHash: header,
        nonce,
        mixDigest: mix,
        shareTarget: result,
        networkTarget: result - 1n,
      });
      expect(verdict).toMatchObject({ ok: true, block: false });
      expect(verdict.mix).toEqual(mix);
      expect(hashValue(verdict.result)).toBe(result);
      expect(
        verifyEtchash(epoch0, { headerHash: header, nonce, shareTarget: TWO_256, networkTarget: result }),
      ).toMatchObject({ ok: true, block: true });
    });

    it('refuses a share one above its target as low difficulty, without a mix as well', () => {
      const share = { headerHash: header, nonce, shareTarget: result - 1n, networkTarget: 1n };
      expect(verifyEtchash(epoch0, share)).toMatchObject({ ok: false, block: false, reason: 'low-difficulty' });
      expect(verifyEtchash(epoch0, { ...share, mixDigest: mix })).toMatchObject({ reason: 'low-difficulty' });
    });

    it('refuses a submitted mix that differs from the recomputed one', () => {
      const forged = Buffer.from(mix);
      forged[31] = (forged[31] ?? 0) ^ 1;
      const verdict = verifyEtchash(epoch0, {
        headerHash: header,
        nonce,
        mixDigest: forged,
        shareTarget: TWO_256,
        networkTarget: TWO_256,
      });
      expect(verdict).toMatchObject({ ok: false, block: false, reason: 'mix-mismatch' });
      expect(verdict.mix).toEqual(mix);
    });

    it('accepts difficulty 1 (target 2^256, which no 32-byte target holds)', () => {
      expect(targetFromDifficulty(1n)).toBe(TWO_256);
      expect(
        verifyEtchash(epoch0, { headerHash: header, nonce, shareTarget: targetFromDifficulty(1n), networkTarget: 1n }),
      ).toMatchObject({ ok: true, block: false });
    });

    it('submits a block even when the share difficulty is above the network difficulty', () => {
      expect(
        verifyEtchash(epoch0, { headerHash: header, nonce, shareTarget: 1n, networkTarget: result }),
      ).toMatchObject({ ok: true, block: true });
    });

    it('refuses malformed shares with a clear error', () => {
      const good = { headerHash: header, nonce, shareTarget: TWO_256, networkTarget: TWO_256 };
      expect(() => verifyEtchash(epoch0, { ...good, mixDigest: Buffer.alloc(31) })).toThrow(
        /mix digest must be 32 bytes, got 31/,
      );
      expect(() => verifyEtchash(epoch0, { ...good, headerHash: Buffer.alloc(33) })).toThrow(/header hash/);
      expect(() => verifyEtchash(epoch0, { ...good, shareTarget: 0n })).toThrow(/shareTarget/);
      expect(() => verifyEtchash(epoch0, { ...good, networkTarget: TWO_256 + 1n })).toThrow(/networkTarget/);
      expect(() => targetFromDifficulty(0n)).toThrow(EtchashInputError);
    });
  });
});
