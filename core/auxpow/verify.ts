import { hashToBigInt, sha256d } from '../chain/hash.js';
import { parseHeader } from '../chain/header.js';
import { rootFromBranchAt } from '../chain/merkle.js';
import { bitsToTarget } from '../chain/target.js';
import { readTransaction } from '../chain/transaction.js';
import type { AuxPow } from './auxpow.js';
import { MERGED_MINING_MAGIC } from './commitment.js';
import { expectedIndex, MAX_CHAIN_MERKLE_HEIGHT } from './tree.js';

/**
 * The rules an aux node applies to an AuxPoW, in the order Dogecoin Core and Namecoin Core apply them
 * (`CAuxPow::check`, then `CheckAuxPowProofOfWork`), each refusal with a stable reason and the node's own message
 * (the node logs it and answers only `false`; the pool can say why before submitting, and the stand-in node alike).
 */

export type AuxPowRejection =
  | 'not-coinbase'
  | 'parent-has-our-chain-id'
  | 'chain-branch-too-long'
  | 'parent-merkle-root-mismatch'
  | 'coinbase-without-input'
  | 'missing-chain-root'
  | 'multiple-merged-mining-headers'
  | 'header-not-before-root'
  | 'legacy-root-too-late'
  | 'missing-size-and-nonce'
  | 'wrong-merkle-size'
  | 'wrong-chain-index'
  | 'parent-has-auxpow-flag'
  | 'wrong-chain-id'
  | 'auxpow-flag-without-auxpow'
  | 'auxpow-without-flag'
  | 'pow-too-weak';

export type AuxPowVerdict = { ok: true } | { ok: false; reason: AuxPowRejection; message: string };

/** `VERSION_AUXPOW`: the bit an aux block's version carries when an AuxPoW follows its header. */
export const AUXPOW_VERSION_FLAG = 0x100;

/** A block version's chain id: its high 16 bits (`nVersion >> 16`). */
export function chainIdOf(version: number): number {
  return version >>> 16;
}

/** The PoW hash of an 80-byte parent header, internal byte order (scrypt for Litecoin; passed in, core hashes no PoW). */
export type ParentPowHash = (header: Buffer) => Buffer;

const OK: AuxPowVerdict = { ok: true };
const reject = (reason: AuxPowRejection, message: string): AuxPowVerdict => ({ ok: false, reason, message });

/**
 * `CAuxPow::check(auxBlockHash, chainId)`: the proof commits to this aux block for this chain. `auxHash` is the aux
 * header's sha256d, internal byte order. Strict chain id (Dogecoin's and Namecoin's setting) is always on.
 */
export function checkAuxPow(auxpow: AuxPow, auxHash: Buffer, chainId: number): AuxPowVerdict {
  if (auxpow.coinbaseIndex !== 0) return reject('not-coinbase', 'AuxPow is not a generate');
  const parent = parseHeader(auxpow.parentHeader);
  if (chainIdOf(parent.version) === chainId)
    return reject('parent-has-our-chain-id', 'Aux POW parent has our chain ID');
  const height = auxpow.chainBranch.length;
  if (height > MAX_CHAIN_MERKLE_HEIGHT) return reject('chain-branch-too-long', 'Aux POW chain merkle branch too long');

  // No slot is negative (Dogecoin's CheckMerkleBranch yields a null root for -1, which no coinbase commits to).
  if (auxpow.chainIndex < 0) return reject('wrong-chain-index', 'Aux POW wrong index');
  // The root as the coinbase must hold it: display order.
  const rootDisplay = rootFromBranchAt(auxHash, auxpow.chainBranch, auxpow.chainIndex).reverse();
  const coinbase = readTransaction(auxpow.coinbase);
  const txid = sha256d(coinbase.stripped);
  if (!rootFromBranchAt(txid, auxpow.coinbaseBranch, auxpow.coinbaseIndex).equals(parent.merkleRoot)) {
    return reject('parent-merkle-root-mismatch', 'Aux POW merkle root incorrect');
  }
  const script = coinbase.inputs[0]?.script;
  if (script === undefined) return reject('coinbase-without-input', 'Aux POW parent coinbase has no input');

  const head = script.indexOf(MERGED_MINING_MAGIC);
  const at = script.indexOf(rootDisplay);
  if (at < 0) return reject('missing-chain-root', 'Aux POW missing chain merkle root in parent coinbase');
  if (head >= 0) {
    if (script.indexOf(MERGED_MINING_MAGIC, head + 1) >= 0) {
      return reject('multiple-merged-mining-headers', 'Multiple merged mining headers in coinbase');
    }
    if (head + MERGED_MINING_MAGIC.length !== at) {
      return reject('header-not-before-root', 'Merged mining header is not just before chain merkle root');
    }
  } else if (at > 20) {
    // Legacy form without the magic: the root must start within the first 20 bytes.
    return reject(
      'legacy-root-too-late',
      'Aux POW chain merkle root must start in the first 20 bytes of the parent coinbase',
    );
  }

  const tail = at + 32;
  if (script.length - tail < 8) {
    return reject('missing-size-and-nonce', 'Aux POW missing chain merkle tree size and nonce in parent coinbase');
  }
  if (script.readUInt32LE(tail) !== 2 ** height) {
    return reject('wrong-merkle-size', 'Aux POW merkle branch size does not match parent coinbase');
  }
  const nonce = script.readUInt32LE(tail + 4);
  if (auxpow.chainIndex !== expectedIndex(nonce, chainId >>> 0, height)) {
    return reject('wrong-chain-index', 'Aux POW wrong index');
  }
  return OK;
}

/**
 * What the pool (and the node, from the aux header) checks of a proof for an aux block it knows by hash and target:
 * the parent must not claim to be an aux block itself, the proof must commit to this block, and the parent's PoW hash
 * must meet the AUX target.
 */
export function checkAuxPowProofOfWork(
  auxpow: AuxPow,
  aux: { hash: Buffer; chainId: number; target: bigint },
  powHash: ParentPowHash,
): AuxPowVerdict {
  if ((parseHeader(auxpow.parentHeader).version & AUXPOW_VERSION_FLAG) !== 0) {
    return reject('parent-has-auxpow-flag', 'auxpow parent block has auxpow version');
  }
  const inner = checkAuxPow(auxpow, aux.hash, aux.chainId);
  if (!inner.ok) return inner;
  if (hashToBigInt(powHash(auxpow.parentHeader)) > aux.target) {
    return reject('pow-too-weak', 'AuxPow proof of work failed');
  }
  return OK;
}

/**
 * Dogecoin's `CheckAuxPowProofOfWork(block, params)` for an aux block header and its proof (or none): strict chain id,
 * the auxpow flag present exactly when a proof is, then the proof against the header's own hash and nBits. Without a
 * proof (a legacy block), the header's own PoW hash must meet its nBits.
 */
export function checkAuxBlockProofOfWork(
  header: Buffer,
  auxpow: AuxPow | undefined,
  chainId: number,
  powHash: ParentPowHash,
): AuxPowVerdict {
  const fields = parseHeader(header);
  if (!isLegacyVersion(fields.version) && chainIdOf(fields.version) !== chainId) {
    return reject('wrong-chain-id', 'block does not have our chain ID');
  }
  const flagged = (fields.version & AUXPOW_VERSION_FLAG) !== 0;
  const target = bitsToTarget(fields.bits);
  if (auxpow === undefined) {
    if (flagged) return reject('auxpow-flag-without-auxpow', 'no auxpow on block with auxpow version');
    if (hashToBigInt(powHash(header)) > target) return reject('pow-too-weak', 'non-AUX proof of work failed');
    return OK;
  }
  if (!flagged) return reject('auxpow-without-flag', 'auxpow on block with non-auxpow version');
  return checkAuxPowProofOfWork(auxpow, { hash: sha256d(header), chainId, target }, powHash);
}

/**
 * A block from before chain ids (`CPureBlockHeader::IsLegacy`): version 1, and in Dogecoin also version 2 without a
 * chain id (one such block is in its history). Namecoin accepts only version 1 as legacy.
 */
function isLegacyVersion(version: number): boolean {
  // Dogecoin writes `nVersion == 2 && GetChainId() == 0`: the chain id of 2 is 0, so the version alone decides.
  return version === 1 || version === 2;
}
