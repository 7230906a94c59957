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
  let h: Buffer = Buffer.from(coinbaseTxid);
  for (const step of branch) h = hash(Buffer.concat([h, step]));
  return h;
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
