import { type CoinbaseSpec, coinbaseScriptSigParts, MAX_COINBASE_SCRIPT_SIG } from '../chain/coinbase.js';
import { ConfigError } from '../errors.js';
import type { AuxTree } from './tree.js';

/**
 * The merged-mining commitment in the parent coinbase scriptSig:
 *
 *   fabe6d6d ‖ aux root (DISPLAY order: the internal root reversed) ‖ tree size (u32 LE) ‖ merkle nonce (u32 LE)
 *
 * The aux node searches the scriptSig for the reversed root it computes, so with one aux chain the 32 bytes are the
 * `hash` createauxblock printed. Writing the internal order is the classic pool bug. The pool writes the 44 bytes
 * raw (no push opcode) right after the BIP34 height: the scriptSig of a coinbase is searched, never executed.
 */

/** `pchMergedMiningHeader`: 0xfa 0xbe 'm' 'm'. */
export const MERGED_MINING_MAGIC = Buffer.from('fabe6d6d', 'hex');

/** Magic 4 + root 32 + size 4 + nonce 4. */
export const AUX_COMMITMENT_SIZE = 44;

export function encodeAuxCommitment(tree: Pick<AuxTree, 'root' | 'size' | 'nonce'>): Buffer {
  if (tree.root.length !== 32) throw new RangeError('the aux root is 32 bytes');
  const out = Buffer.alloc(AUX_COMMITMENT_SIZE);
  MERGED_MINING_MAGIC.copy(out, 0);
  Buffer.from(tree.root).reverse().copy(out, 4);
  out.writeUInt32LE(tree.size, 36);
  out.writeUInt32LE(tree.nonce, 40);
  return out;
}

/**
 * The bytes left in the parent coinbase scriptSig (limit 100) once the commitment sits next to the height push, the
 * other coinbase aux bytes, the extranonces and the pool tag. Refuses (ConfigError naming every part and the excess)
 * when they do not fit: a tag or extranonce that fits a plain Litecoin coinbase may not fit a merged-mined one.
 */
export function scriptSigRoomWithCommitment(
  spec: Pick<CoinbaseSpec, 'height' | 'aux' | 'extranonce1Size' | 'extranonce2Size' | 'tag'>,
): number {
  const parts = { ...coinbaseScriptSigParts(spec), commitment: AUX_COMMITMENT_SIZE };
  const used = Object.values(parts).reduce((a, b) => a + b, 0);
  const left = MAX_COINBASE_SCRIPT_SIG - used;
  if (left < 0) {
    const listed = Object.entries(parts)
      .map(([name, bytes]) => `${name} ${bytes}`)
      .join(' + ');
    throw new ConfigError(
      `the merged-mined coinbase scriptSig would be ${used} bytes (${listed}; limit ${MAX_COINBASE_SCRIPT_SIG}): ` +
        `shorten the pool tag or the extranonce by ${-left} bytes`,
    );
  }
  return left;
}
