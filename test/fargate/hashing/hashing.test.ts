import { createHash, scryptSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rootFromBranch } from '../../../core/chain/merkle.js';
import {
  powHash,
  scrypt,
  scryptPair,
  scryptRaw,
  sha256d,
  sha256dShareArea,
} from '../../../fargate/src/hashing/index.js';
import { buildHeader, display, litecoinBlock29255 } from './headers.js';

const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();
const cryptoSha256d = (data: Uint8Array): Buffer => sha256(sha256(data));
const cryptoLitecoinScrypt = (header: Uint8Array): Buffer => scryptSync(header, header, 32, { N: 1024, r: 1, p: 1 });

const asLittleEndianInteger = (hash: Buffer): bigint => BigInt(`0x${display(hash)}`);

/** Compact "bits" → target: mantissa · 256^(exponent − 3). */
function targetFromBits(bits: number): bigint {
  const exponent = bits >>> 24;
  const mantissa = BigInt(bits & 0x007fffff);
  return exponent <= 3 ? mantissa >> BigInt(8 * (3 - exponent)) : mantissa << BigInt(8 * (exponent - 3));
}

const ZERO_HASH = '00'.repeat(32);

describe('sha256d', () => {
  // FIPS 180-4 example digests (NIST CSRC "SHA-256" examples); sha256d must be SHA-256 of these.
  const nistVectors: Array<[string, string]> = [
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
    [
      'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
      'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
    ],
    ['a'.repeat(1_000_000), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
  ];

  for (const [message, inner] of nistVectors) {
    const label = message.length > 20 ? `${message.slice(0, 12)}… (${message.length} bytes)` : `"${message}"`;
    it(`hashes the NIST message ${label} to SHA-256 of its published digest`, () => {
      expect(sha256d(Buffer.from(message, 'latin1')).toString('hex')).toBe(
        sha256(Buffer.from(inner, 'hex')).toString('hex'),
      );
    });
  }

  it('hashes the Bitcoin genesis header to block 0’s hash', () => {
    const genesis = buildHeader({
      version: 1,
      prevHash: ZERO_HASH,
      merkleRoot: '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b',
      time: 1231006505,
      bits: 0x1d00ffff,
      nonce: 2083236893,
    });
    expect(display(sha256d(genesis))).toBe('000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
    expect(asLittleEndianInteger(sha256d(genesis)) <= targetFromBits(0x1d00ffff)).toBe(true);
  });

  it('reads only the viewed bytes of a Uint8Array that is a window on a larger buffer', () => {
    const backing = Buffer.from('xxabcyy', 'latin1');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, 3);
    expect(sha256d(view).toString('hex')).toBe(cryptoSha256d(Buffer.from('abc')).toString('hex'));
  });

  it('gives the same merkle root as node:crypto when the share path passes it to rootFromBranch', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 12 }),
        (txid, branch) => {
          expect(rootFromBranch(txid, branch, sha256d).equals(rootFromBranch(txid, branch))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("gives a share assembler the header and digest of node:crypto's one-call default (sha256dShareArea)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 12 }),
        fc.uint8Array({ minLength: 80, maxLength: 80 }),
        (coinbase, branch, header) => {
          const steps = Buffer.concat(branch);
          const area = Buffer.concat([coinbase, steps, header, Buffer.alloc(32)]);
          sha256dShareArea(area, coinbase.length, steps.length);
          const crypto = Buffer.from(header);
          crypto.set(rootFromBranch(cryptoSha256d(coinbase), branch), 36);
          const at = coinbase.length + steps.length;
          expect(area.subarray(at, at + 80).toString('hex')).toBe(crypto.toString('hex'));
          expect(area.subarray(at + 80).toString('hex')).toBe(cryptoSha256d(crypto).toString('hex'));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('matches node:crypto’s double SHA-256 for any input, across padding boundaries', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (data) => {
        expect(sha256d(data).equals(cryptoSha256d(data))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('scrypt (Litecoin PoW)', () => {
  const litecoinGenesis = buildHeader({
    version: 1,
    prevHash: ZERO_HASH,
    merkleRoot: '97ddfbbae6be97fd6cdf3e7ca13232a3afff2353e29badfab7f73011edd4ced9',
    time: 1317972665,
    bits: 0x1e0ffff0,
    nonce: 2084524493,
  });

  it('gives the Litecoin genesis block its sha256d hash and a scrypt hash under its target', () => {
    expect(display(sha256d(litecoinGenesis))).toBe('12a765e31ffd4059bada1e25190f6e98c99d9714d334efa41a195a7e7e04bfe2');
    expect(asLittleEndianInteger(scrypt(litecoinGenesis)) <= targetFromBits(0x1e0ffff0)).toBe(true);
  });

  it('reproduces Litecoin mainnet block 29255: its hash, its exact scrypt hash, and that it meets its target', () => {
    const { header } = litecoinBlock29255;
    expect(display(sha256d(header))).toBe(litecoinBlock29255.hash);
    expect(display(scrypt(header))).toBe(litecoinBlock29255.scrypt);
    expect(asLittleEndianInteger(scrypt(header)) <= targetFromBits(0x1d018ea7)).toBe(true);
  });

  it('rejects a Litecoin header whose nonce was changed (PoW no longer meets the target)', () => {
    const tampered = Buffer.from(litecoinGenesis);
    tampered.writeUInt32LE(litecoinGenesis.readUInt32LE(76) + 1, 76);
    // A random hash meets a 0x1e0ffff0 target with probability ~2^-20; this nonce is known not to.
    expect(asLittleEndianInteger(scrypt(tampered)) <= targetFromBits(0x1e0ffff0)).toBe(false);
  });

  it('matches node:crypto scryptSync(header, header, N=1024, r=1, p=1, 32) for random 80-byte headers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 80, maxLength: 80 }), (header) => {
        expect(scrypt(header).equals(cryptoLitecoinScrypt(header))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('gives the same answer when called repeatedly (the reused scratch area carries nothing over)', () => {
    const a = Buffer.alloc(80, 1);
    const b = Buffer.alloc(80, 2);
    const first = scrypt(a);
    scrypt(b);
    expect(scrypt(a).equals(first)).toBe(true);
  });
});

describe('scryptPair', () => {
  it('gives exactly what scrypt gives for each header of a pair', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 80, maxLength: 80 }),
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        (a, b) => {
          const [x, y] = scryptPair(a, b);
          expect(x.equals(scrypt(a))).toBe(true);
          expect(y.equals(scrypt(b))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('scryptRaw (RFC 7914)', () => {
  // RFC 7914 §12 test vectors (the N = 1048576 one needs 1 GiB and is left out).
  const vectors = [
    {
      password: '',
      salt: '',
      N: 16,
      r: 1,
      p: 1,
      dk: '77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906',
    },
    {
      password: 'password',
      salt: 'NaCl',
      N: 1024,
      r: 8,
      p: 16,
      dk: 'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
    },
    {
      password: 'pleaseletmein',
      salt: 'SodiumChloride',
      N: 16384,
      r: 8,
      p: 1,
      dk: '7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887',
    },
  ];

  for (const v of vectors) {
    it(`derives the RFC 7914 §12 key for P="${v.password}", S="${v.salt}", N=${v.N}, r=${v.r}, p=${v.p}`, () => {
      const dk = scryptRaw(Buffer.from(v.password), Buffer.from(v.salt), v.N, v.r, v.p, 64);
      expect(dk.toString('hex')).toBe(v.dk);
    });
  }

  it('matches node:crypto scryptSync for random small parameters', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.integer({ min: 1, max: 8 }).map((log2) => 2 ** log2),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 130 }),
        (password, salt, N, r, p, dkLen) => {
          const expected = scryptSync(password, salt, dkLen, { N, r, p });
          expect(scryptRaw(password, salt, N, r, p, dkLen).equals(expected)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it.each([
    ['N is not a power of two', 1000, 1, 1, 32, /N must be a power of two/],
    ['N is 1', 1, 1, 1, 32, /N must be a power of two/],
    ['N is at least 2^(16r)', 65536, 1, 1, 32, /N must be less than/],
    ['r is 0', 16, 0, 1, 32, /r must be/],
    ['p is 0', 16, 1, 0, 32, /p must be/],
    ['dkLen is 0', 16, 1, 1, 0, /dkLen must be/],
    ['128·r·N exceeds 1 GiB', 2 ** 21, 8, 1, 32, /memory cap/],
  ])('throws a RangeError when %s', (_case, N, r, p, dkLen, message) => {
    expect(() => scryptRaw(Buffer.alloc(1), Buffer.alloc(1), N, r, p, dkLen)).toThrow(RangeError);
    expect(() => scryptRaw(Buffer.alloc(1), Buffer.alloc(1), N, r, p, dkLen)).toThrow(message);
  });

  it.each([
    ['N', [16.5, 1, 1, 32]],
    ['r', [16, -1, 1, 32]],
    ['p', [16, 1, Number.NaN, 32]],
    ['dkLen', [16, 1, 1, '32']],
  ])('throws a TypeError naming %s when it is not a non-negative integer', (name, params) => {
    const call = () => (scryptRaw as (...args: unknown[]) => Buffer)(Buffer.alloc(1), Buffer.alloc(1), ...params);
    expect(call).toThrow(TypeError);
    expect(call).toThrow(`scryptRaw: ${name} must be a non-negative integer`);
  });
});

describe('argument checking', () => {
  const notBytes = fc.oneof(
    fc.anything().filter((v) => !(v instanceof Uint8Array)),
    fc.constantFrom<unknown>(
      new Uint16Array(4),
      new Int8Array(4),
      new ArrayBuffer(8),
      new DataView(new ArrayBuffer(8)),
      [1, 2, 3],
    ),
  );

  it('throws a TypeError naming the argument for anything that is not a Buffer or Uint8Array', () => {
    const loose = { sha256d, scrypt, scryptRaw } as unknown as Record<string, (...args: unknown[]) => Buffer>;
    fc.assert(
      fc.property(notBytes, (value) => {
        expect(() => loose.sha256d!(value)).toThrow(new TypeError('sha256d: data must be a Buffer or Uint8Array'));
        expect(() => loose.scrypt!(value)).toThrow(new TypeError('scrypt: header must be a Buffer or Uint8Array'));
        expect(() => loose.scryptRaw!(value, Buffer.alloc(0), 16, 1, 1, 32)).toThrow(
          new TypeError('scryptRaw: password must be a Buffer or Uint8Array'),
        );
        expect(() => loose.scryptRaw!(Buffer.alloc(0), value, 16, 1, 1, 32)).toThrow(
          new TypeError('scryptRaw: salt must be a Buffer or Uint8Array'),
        );
      }),
    );
  });

  it('throws a TypeError when the argument is missing', () => {
    expect(() => (sha256d as () => Buffer)()).toThrow(TypeError);
    expect(() => (scrypt as () => Buffer)()).toThrow(TypeError);
  });
});

describe('powHash', () => {
  it('uses scrypt for scrypt coins and sha256d for sha256d coins', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 80, maxLength: 80 }), (header) => {
        expect(powHash('scrypt', header).equals(cryptoLitecoinScrypt(header))).toBe(true);
        expect(powHash('sha256d', header).equals(cryptoSha256d(header))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});
