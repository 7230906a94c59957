import { sha256d } from './hash.js';

/**
 * Merkle trees over transaction ids (internal byte order), Bitcoin style: pairs are hashed with sha256d
 * and an odd last node is paired with itself.
 */

/** The merkle root of a block's txids (coinbase first). */
export function merkleRoot(txids: readonly Uint8Array[]): Buffer {
  if (txids.length === 0) throw new RangeError('a block has at least the coinbase transaction');
  let level: Buffer[] = txids.map((t) => Buffer.from(t));
  while (level.length > 1) level = nextLevel(level);
  return level[0]!;
}

/**
 * The stratum merkle branch: the sibling hashes on the path from the coinbase (index 0) to the root, given
 * the txids of every transaction except the coinbase. A miner folds them into its coinbase hash with
 * `h = sha256d(h ‖ step)` in order (see rootFromBranch).
 */
export function merkleBranch(otherTxids: readonly Uint8Array[]): Buffer[] {
  const branch: Buffer[] = [];
  // `level` holds the nodes right of the coinbase path; index 0 of it is the path node's sibling.
  let level: Buffer[] = otherTxids.map((t) => Buffer.from(t));
  while (level.length > 0) {
    branch.push(level[0]!);
    // The path node absorbs level[0]; what remains pairs up among itself (an odd tail pairs with itself).
    level = level.length > 1 ? nextLevel(level.slice(1)) : [];
  }
  return branch;
}

/** Folds a stratum merkle branch into a coinbase txid: the merkle root the header commits to. */
export function rootFromBranch(
  coinbaseTxid: Uint8Array,
  branch: readonly Uint8Array[],
  hash: (data: Buffer) => Buffer = sha256d,
): Buffer {
  return rootFromBranchAt(coinbaseTxid, branch, 0, hash);
}

/**
 * Folds the branch of the leaf at `index` into the root (Bitcoin's CheckMerkleBranch, which AuxPoW applies to both of
 * its branches): the index's low bit says whether the sibling sits left (1) or right (0) on each level.
 */
export function rootFromBranchAt(
  leaf: Uint8Array,
  branch: readonly Uint8Array[],
  index: number,
  hash: (data: Buffer) => Buffer = sha256d,
): Buffer {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`a merkle index is a non-negative integer: ${index}`);
  let h: Buffer = Buffer.from(leaf);
  let i = index;
  for (const step of branch) {
    h = hash(i & 1 ? Buffer.concat([step, h]) : Buffer.concat([h, step]));
    i = Math.floor(i / 2);
  }
  return h;
}

/** The sibling hashes from the leaf at `index` up to the root of the tree over `leaves` (what rootFromBranchAt folds). */
export function merkleBranchAt(leaves: readonly Uint8Array[], index: number): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`leaf index ${index} is outside a tree of ${leaves.length}`);
  }
  const branch: Buffer[] = [];
  let level: Buffer[] = leaves.map((t) => Buffer.from(t));
  let i = index;
  while (level.length > 1) {
    branch.push(level[i ^ 1] ?? level[i]!);
    level = nextLevel(level);
    i = Math.floor(i / 2);
  }
  return branch;
}

function nextLevel(level: Buffer[]): Buffer[] {
  const next: Buffer[] = [];
  for (let i = 0; i < level.length; i += 2) {
    const left = level[i]!;
    const right = level[i + 1] ?? left;
    next.push(sha256d(Buffer.concat([left, right])));
  }
  return next;
}
