import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashToBigInt, reverseHex } from '../../../core/chain/hash.js';
import {
  fromStratumPrevHash,
  hexToU32,
  parseHeader,
  serializeHeader,
  toStratumPrevHash,
  u32ToHex,
} from '../../../core/chain/header.js';
import { bitsToTarget } from '../../../core/chain/target.js';
import { blockHash } from '../../../core/chain/work.js';
import { scrypt } from '../../../fargate/src/hashing/index.js';

const internal = (displayHex: string) => Buffer.from(displayHex, 'hex').reverse();

describe('block header', () => {
  it('serializes the Bitcoin genesis header from its fields', () => {
    const header = serializeHeader({
      version: 1,
      prevHash: Buffer.alloc(32),
      merkleRoot: internal('4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b'),
      ntime: 1231006505,
      bits: 0x1d00ffff,
      nonce: 2083236893,
    });
    expect(header.toString('hex')).toBe(
      `01000000${'0'.repeat(64)}3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c`,
    );
    expect(blockHash(header)).toBe('000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
  });

  it('serializes the Litecoin genesis header whose scrypt hash meets its target', () => {
    const header = serializeHeader({
      version: 1,
      prevHash: Buffer.alloc(32),
      merkleRoot: internal('97ddfbbae6be97fd6cdf3e7ca13232a3afff2353e29badfab7f73011edd4ced9'),
      ntime: 1317972665,
      bits: 0x1e0ffff0,
      nonce: 2084524493,
    });
    expect(blockHash(header)).toBe('12a765e31ffd4059bada1e25190f6e98c99d9714d334efa41a195a7e7e04bfe2');
    expect(hashToBigInt(scrypt(header)) <= bitsToTarget(0x1e0ffff0)).toBe(true);
  });
});

describe('stratum field encodings', () => {
  it('word-swaps the previous hash: display → internal → 4-byte words reversed', () => {
    // Bitcoin block 100000's previous block, a hash with leading zeros in display order.
    const prev = internal('000000000002d01c1fccc21636b607dfd930d31d01c3a62104612a1719011250');
    const stratum = toStratumPrevHash(prev);
    expect(stratum).toBe('1901125004612a1701c3a621d930d31d36b607df1fccc2160002d01c00000000');
    expect(fromStratumPrevHash(stratum).equals(prev)).toBe(true);
  });

  it('word swapping is its own inverse', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const buf = Buffer.from(bytes);
        expect(fromStratumPrevHash(toStratumPrevHash(buf)).equals(buf)).toBe(true);
      }),
    );
  });

  it('writes u32 fields as 8 big-endian hex chars and reads them back', () => {
    expect(u32ToHex(0x20000000)).toBe('20000000');
    expect(u32ToHex(1)).toBe('00000001');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        expect(hexToU32(u32ToHex(n), 'x')).toBe(n);
      }),
    );
  });

  it('rejects malformed u32 fields', () => {
    expect(() => hexToU32('1234567', 'ntime')).toThrow(/ntime/);
    expect(() => hexToU32('zzzzzzzz', 'nonce')).toThrow(/nonce/);
    expect(() => u32ToHex(2 ** 32)).toThrow(RangeError);
  });

  it('puts big-endian stratum ntime/nonce into the header little-endian', () => {
    const header = serializeHeader({
      version: hexToU32('20000000', 'version'),
      prevHash: Buffer.alloc(32),
      merkleRoot: Buffer.alloc(32),
      ntime: hexToU32('5f5e1000', 'ntime'),
      bits: hexToU32('207fffff', 'bits'),
      nonce: hexToU32('deadbeef', 'nonce'),
    });
    expect(header.subarray(0, 4).toString('hex')).toBe('00000020');
    expect(header.subarray(68).toString('hex')).toBe('00105e5fffff7f20efbeadde');
    expect(reverseHex(header.subarray(76).toString('hex'))).toBe('deadbeef');
  });
});

describe("a real Bitcoin Cash mainnet header through the pool's stratum encodings", () => {
  // Block 478559, the first block of Bitcoin Cash (1 August 2017): its fields as block explorers and the chain show
  // them, and its hash 000000000000000000651ef9…5eec, which Bitcoin Cash nodes and wallets keep as the fork checkpoint.
  const block = {
    hash: '000000000000000000651ef99cb9fcbe0dadde1d424bd9f15ff20136191a5eec',
    version: 0x20000000,
    previousblockhash: '0000000000000000011865af4122fe3b144e2cbeea86142e8ff2fb4107352d43',
    merkleroot: 'c896c91a0be4d3eed5568bab4c3084945e5e06669be38ec06b1c8ca4d84baaab',
    time: 1501611161,
    bits: 0x18014735,
    nonce: 0xe84aca22,
  };

  it('rebuilds the header a miner submits (notify prevhash, submitted ntime/nonce/version) to the block hash, meeting its bits', () => {
    // What the pool sends in mining.notify and what the miner sends back in mining.submit, as hex strings.
    const notifyPrevHash = toStratumPrevHash(internal(block.previousblockhash));
    const submitted = { ntime: u32ToHex(block.time), nonce: u32ToHex(block.nonce), version: u32ToHex(block.version) };
    const header = serializeHeader({
      version: hexToU32(submitted.version, 'version'),
      prevHash: fromStratumPrevHash(notifyPrevHash),
      merkleRoot: internal(block.merkleroot),
      ntime: hexToU32(submitted.ntime, 'ntime'),
      bits: block.bits,
      nonce: hexToU32(submitted.nonce, 'nonce'),
    });
    expect(blockHash(header)).toBe(block.hash);
    expect(BigInt(`0x${block.hash}`) <= bitsToTarget(block.bits)).toBe(true);
    // One nonce more is another hash, far above the target: the check is not vacuous.
    const other = Buffer.from(header);
    other.writeUInt32LE((block.nonce + 1) >>> 0, 76);
    expect(BigInt(`0x${blockHash(other)}`) > bitsToTarget(block.bits)).toBe(true);
  });
});

describe('parseHeader', () => {
  it('reads back every field serializeHeader wrote', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 4, maxLength: 4 }),
        (prev, root, [version, ntime, bits, nonce]) => {
          const fields = {
            version: version!,
            prevHash: Buffer.from(prev),
            merkleRoot: Buffer.from(root),
            ntime: ntime!,
            bits: bits!,
            nonce: nonce!,
          };
          expect(parseHeader(serializeHeader(fields))).toEqual(fields);
        },
      ),
    );
  });

  it('refuses anything but 80 bytes', () => {
    expect(() => parseHeader(Buffer.alloc(79))).toThrow(/80 bytes, got 79/);
  });
});
