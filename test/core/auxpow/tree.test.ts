import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildAuxTree, expectedIndex, MAX_CHAIN_MERKLE_HEIGHT } from '../../../core/auxpow/tree.js';
import { rootFromBranchAt } from '../../../core/chain/merkle.js';
import { auxChains } from './parent.js';

/** getExpectedIndex in unbounded integers reduced by hand: an oracle independent of Math.imul and >>> 0. */
function expectedIndexBig(nonce: number, chainId: number, height: number): number {
  const m = 1n << 32n;
  let rand = BigInt(nonce);
  rand = (rand * 1103515245n + 12345n) % m;
  rand = (rand + BigInt(chainId)) % m;
  rand = (rand * 1103515245n + 12345n) % m;
  return Number(rand % (1n << BigInt(height)));
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const chainIds = (max: number) => fc.uniqueArray(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: max });
const hashOf = (chainId: number) => auxChains([chainId])[0]!.hash;

describe('expectedIndex (getExpectedIndex)', () => {
  it('puts Dogecoin (0x62) at slot 0 of a tree of 8 with nonce 0x86989ff0, as mainnet vector A does', () => {
    expect(expectedIndex(0x86989ff0, 0x62, 3)).toBe(0);
  });

  it('wraps around 32 bits exactly as unsigned C arithmetic does, for any nonce, chain id and height', () => {
    fc.assert(
      fc.property(u32, u32, fc.integer({ min: 0, max: MAX_CHAIN_MERKLE_HEIGHT }), (nonce, chainId, height) => {
        expect(expectedIndex(nonce, chainId, height)).toBe(expectedIndexBig(nonce, chainId, height));
      }),
    );
  });

  it('is always slot 0 in a tree of one', () => {
    fc.assert(fc.property(u32, u32, (nonce, chainId) => expectedIndex(nonce, chainId, 0) === 0));
  });

  it('refuses a height above 30, a negative or fractional nonce', () => {
    expect(() => expectedIndex(0, 98, 31)).toThrow(/height must be 0..30/);
    expect(() => expectedIndex(-1, 98, 3)).toThrow(/nonce must be a u32/);
    expect(() => expectedIndex(0.5, 98, 3)).toThrow(/nonce must be a u32/);
  });

  it('separates two chains whatever the nonce exactly when their ids differ modulo the tree size', () => {
    fc.assert(
      fc.property(u32, u32, u32, fc.integer({ min: 0, max: 12 }), (nonce, a, b, height) => {
        const collide = expectedIndex(nonce, a, height) === expectedIndex(nonce, b, height);
        expect(collide).toBe(a % 2 ** height === b % 2 ** height);
      }),
    );
  });
});

describe('buildAuxTree', () => {
  it('is the aux hash itself for one chain: size 1, slot 0, empty branch', () => {
    const hash = hashOf(98);
    const tree = buildAuxTree([{ chainId: 98, hash }]);
    expect(tree).toMatchObject({ height: 0, size: 1, nonce: 0 });
    expect(tree.root.equals(hash)).toBe(true);
    expect(tree.slots).toEqual([{ chainId: 98, hash, index: 0, branch: [] }]);
  });

  it('gives up to 8 distinct chains their expected slots, no two alike, in the smallest tree that separates them', () => {
    fc.assert(
      fc.property(chainIds(8), u32, (ids, nonce) => {
        const tree = buildAuxTree(auxChains(ids), nonce);
        expect(tree.size).toBe(2 ** tree.height);
        expect(new Set(tree.slots.map((s) => s.index)).size).toBe(ids.length);
        for (const slot of tree.slots) expect(slot.index).toBe(expectedIndex(nonce, slot.chainId, tree.height));
        // Every smaller tree puts two of the chains in one slot.
        for (let h = 0; h < tree.height; h++) {
          expect(new Set(ids.map((id) => expectedIndex(nonce, id, h))).size).toBeLessThan(ids.length);
        }
      }),
    );
  });

  it("folds every chain's hash through its own branch into the one root", () => {
    fc.assert(
      fc.property(chainIds(8), u32, (ids, nonce) => {
        const tree = buildAuxTree(auxChains(ids), nonce);
        for (const slot of tree.slots) {
          expect(slot.branch).toHaveLength(tree.height);
          expect(rootFromBranchAt(slot.hash, slot.branch, slot.index).equals(tree.root)).toBe(true);
        }
      }),
    );
  });

  it('needs a tree of 4 for DOGE (98), PEP (63) and BELLS (16), since 98 and 16 share a slot in a tree of 2', () => {
    const tree = buildAuxTree([
      { chainId: 98, hash: hashOf(98) },
      { chainId: 63, hash: hashOf(63) },
      { chainId: 16, hash: hashOf(16) },
    ]);
    // 98, 63 and 16 are 2, 3 and 0 modulo 4, and 98 ≡ 16 modulo 2.
    expect(tree.size).toBe(4);
  });

  it('refuses no chains, a chain id twice and a hash that is not 32 bytes', () => {
    expect(() => buildAuxTree([])).toThrow(/at least one aux chain/);
    expect(() =>
      buildAuxTree([
        { chainId: 98, hash: hashOf(1) },
        { chainId: 98, hash: hashOf(2) },
      ]),
    ).toThrow(/chain id 98 appears twice/);
    expect(() => buildAuxTree([{ chainId: 98, hash: Buffer.alloc(31) }])).toThrow(/not 32 bytes/);
  });
});
