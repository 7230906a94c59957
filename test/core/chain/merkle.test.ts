import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reverseHex, sha256d } from '../../../core/chain/hash.js';
import {
  merkleBranch,
  merkleBranchAt,
  merkleRoot,
  rootFromBranch,
  rootFromBranchAt,
} from '../../../core/chain/merkle.js';

const internal = (displayHex: string) => Buffer.from(displayHex, 'hex').reverse();
const display = (buf: Buffer) => reverseHex(buf.toString('hex'));

// Bitcoin block 100000 (public chain data): its four txids and the merkle root in its header.
const BLOCK_100000_TXIDS = [
  '8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87',
  'fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4',
  '6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4',
  'e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d',
];
const BLOCK_100000_ROOT = 'f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766';

describe('merkle root', () => {
  it('matches the header of Bitcoin block 100000', () => {
    expect(display(merkleRoot(BLOCK_100000_TXIDS.map(internal)))).toBe(BLOCK_100000_ROOT);
  });

  it('is the txid itself for a coinbase-only block (Bitcoin genesis)', () => {
    const genesisTxid = internal('4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b');
    expect(merkleRoot([genesisTxid]).equals(genesisTxid)).toBe(true);
  });

  it('pairs an odd last node with itself', () => {
    const [a, b, c] = [1, 2, 3].map((i) => sha256d(Buffer.from([i])));
    const expected = sha256d(Buffer.concat([sha256d(Buffer.concat([a!, b!])), sha256d(Buffer.concat([c!, c!]))]));
    expect(merkleRoot([a!, b!, c!]).equals(expected)).toBe(true);
  });

  it('refuses an empty transaction list', () => {
    expect(() => merkleRoot([])).toThrow(RangeError);
  });
});

describe('stratum merkle branch', () => {
  it('folds the coinbase of block 100000 into its merkle root', () => {
    const [coinbase, ...rest] = BLOCK_100000_TXIDS.map(internal);
    const branch = merkleBranch(rest);
    expect(branch).toHaveLength(2);
    expect(display(rootFromBranch(coinbase!, branch))).toBe(BLOCK_100000_ROOT);
  });

  it('is empty when the coinbase is the only transaction', () => {
    expect(merkleBranch([])).toEqual([]);
  });

  it('gives the same root as the full tree for any number of transactions', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 40 }),
        (txids) => {
          const [coinbase, ...rest] = txids;
          const viaBranch = rootFromBranch(coinbase!, merkleBranch(rest));
          expect(viaBranch.equals(merkleRoot(txids))).toBe(true);
          expect(merkleBranch(rest).length).toBe(Math.ceil(Math.log2(txids.length)));
        },
      ),
    );
  });
});

describe('merkle branch of any leaf', () => {
  it('folds every txid of Bitcoin block 100000 back to its header root', () => {
    const leaves = BLOCK_100000_TXIDS.map(internal);
    leaves.forEach((leaf, i) => {
      expect(display(rootFromBranchAt(leaf, merkleBranchAt(leaves, i), i))).toBe(BLOCK_100000_ROOT);
    });
  });

  it('is the stratum branch at index 0, and any leaf of any tree folds to the root', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 17 }), fc.nat(), (n, pick) => {
        const leaves = Array.from({ length: n }, (_, i) => sha256d(Buffer.from([i, n])));
        const i = pick % n;
        expect(merkleBranchAt(leaves, 0)).toEqual(merkleBranch(leaves.slice(1)));
        expect(rootFromBranchAt(leaves[i]!, merkleBranchAt(leaves, i), i).equals(merkleRoot(leaves))).toBe(true);
      }),
    );
  });

  it('refuses a leaf index outside the tree', () => {
    expect(() => merkleBranchAt([sha256d(Buffer.from('a'))], 1)).toThrow(/outside a tree of 1/);
    expect(() => rootFromBranchAt(Buffer.alloc(32), [], -1)).toThrow(/non-negative integer/);
  });
});
