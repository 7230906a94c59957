import { merkleBranchAt, merkleRoot } from '../chain/merkle.js';

/**
 * The aux merkle tree of merged mining: the block hashes of every aux chain mined at once are the leaves of one tree
 * of 2^h leaves, whose root the parent coinbase commits to. Each chain's leaf (its slot) is not chosen by the pool:
 * the aux node recomputes it from the chain id and the tree's nonce and size (`expectedIndex`) and refuses a proof
 * whose chain index differs. Hashes are in internal byte order throughout, as the merkle hashing uses them.
 */

/** Dogecoin and Namecoin refuse a chain merkle branch longer than this (`vChainMerkleBranch.size() <= 30`). */
export const MAX_CHAIN_MERKLE_HEIGHT = 30;

/**
 * The slot of a chain in a tree of 2^height leaves: Dogecoin's and Namecoin's `CAuxPow::getExpectedIndex`, two steps
 * of the C library's linear congruential generator seeded with the nonce, the chain id added in between, all in
 * unsigned 32-bit arithmetic (Math.imul keeps the product's low 32 bits, as the C++ `unsigned` product does).
 */
export function expectedIndex(nonce: number, chainId: number, height: number): number {
  assertU32(nonce, 'merkle nonce');
  assertU32(chainId, 'chain id');
  if (!Number.isInteger(height) || height < 0 || height > MAX_CHAIN_MERKLE_HEIGHT) {
    throw new RangeError(`chain merkle height must be 0..${MAX_CHAIN_MERKLE_HEIGHT}, got ${height}`);
  }
  let rand = nonce;
  rand = (Math.imul(rand, 1103515245) + 12345) >>> 0;
  rand = (rand + chainId) >>> 0;
  rand = (Math.imul(rand, 1103515245) + 12345) >>> 0;
  // 2^height ≤ 2^30, so the remainder stays a 32-bit safe number.
  return rand % 2 ** height;
}

export interface AuxChainWork {
  /** The aux chain's id (Dogecoin 98, Namecoin 1): the high 16 bits of its block versions. */
  chainId: number;
  /** The aux block hash to commit to (from createauxblock), internal byte order. */
  hash: Buffer;
}

/** One chain's place in the tree: what its AuxPoW carries as `nChainIndex` and the chain merkle branch. */
export interface AuxSlot {
  chainId: number;
  /** Internal byte order. */
  hash: Buffer;
  index: number;
  /** Sibling hashes from the chain's leaf to the root, internal byte order (empty for a tree of one). */
  branch: Buffer[];
}

export interface AuxTree {
  /** h: the tree has 2^h leaves; every branch has h hashes. */
  height: number;
  /** 2^h, written into the commitment. */
  size: number;
  nonce: number;
  /** Internal byte order (the commitment writes it reversed). */
  root: Buffer;
  /** In the order of the chains given. */
  slots: AuxSlot[];
}

/**
 * The smallest tree that gives every chain its own slot, with the chains' hashes at their expected indexes and
 * 32 zero bytes in the unused leaves.
 *
 * Why only the size is searched: the slot is the generator's output modulo 2^h, and the low h bits of a product or
 * sum modulo 2^32 depend only on the low h bits of its operands. So a slot depends only on nonce mod 2^h and
 * chainId mod 2^h, and because the generator step is a bijection modulo 2^h (odd multiplier), two chains collide
 * exactly when their ids are equal modulo 2^h — whatever the nonce. Trying other nonces (as some pools do) cannot
 * separate them; a larger tree can. The nonce is still the caller's to choose (any value gives the same tree shape).
 */
export function buildAuxTree(chains: readonly AuxChainWork[], nonce = 0): AuxTree {
  if (chains.length === 0) throw new RangeError('an aux tree needs at least one aux chain');
  assertU32(nonce, 'merkle nonce');
  const ids = new Set<number>();
  for (const chain of chains) {
    if (chain.hash.length !== 32) throw new RangeError(`the aux block hash of chain ${chain.chainId} is not 32 bytes`);
    if (ids.has(chain.chainId)) throw new RangeError(`chain id ${chain.chainId} appears twice among the aux chains`);
    ids.add(chain.chainId);
  }
  for (let height = Math.ceil(Math.log2(chains.length)); height <= MAX_CHAIN_MERKLE_HEIGHT; height++) {
    const indexes = chains.map((c) => expectedIndex(nonce, c.chainId, height));
    if (new Set(indexes).size < chains.length) continue;
    const size = 2 ** height;
    const leaves: Buffer[] = Array.from({ length: size }, () => Buffer.alloc(32));
    chains.forEach((c, i) => {
      leaves[indexes[i]!] = c.hash;
    });
    return {
      height,
      size,
      nonce,
      root: merkleRoot(leaves),
      slots: chains.map((c, i) => ({
        chainId: c.chainId,
        hash: c.hash,
        index: indexes[i]!,
        branch: merkleBranchAt(leaves, indexes[i]!),
      })),
    };
  }
  // Unreachable for distinct ids below 2^30; kept so that a future change of the formula cannot loop silently.
  throw new RangeError(`no tree of at most 2^${MAX_CHAIN_MERKLE_HEIGHT} leaves separates chain ids ${[...ids]}`);
}

function assertU32(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`${what} must be a u32, got ${n}`);
}
