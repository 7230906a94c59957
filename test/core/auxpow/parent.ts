import { buildAuxPow } from '../../../core/auxpow/auxpow.js';
import { encodeAuxCommitment } from '../../../core/auxpow/commitment.js';
import { type AuxChainWork, type AuxTree, buildAuxTree } from '../../../core/auxpow/tree.js';
import { buildCoinbase, joinCoinbase } from '../../../core/chain/coinbase.js';
import { hashToBigInt, sha256d } from '../../../core/chain/hash.js';
import { serializeHeader } from '../../../core/chain/header.js';
import { merkleBranch, rootFromBranch } from '../../../core/chain/merkle.js';
import { scriptNumberPush } from '../../../core/chain/serialize.js';

/**
 * A Litecoin-style parent share built the way the pool's job side will: the commitment goes between the BIP34 height
 * and the extranonces (CoinbaseSpec.aux), the coinbase is the stripped coinb1 ‖ en1 ‖ en2 ‖ coinb2, three other
 * transactions give the coinbase a real stratum branch, and the header nonce is ground until the parent's PoW hash
 * meets `target` (when given).
 */
export function mineParent(
  chains: readonly AuxChainWork[],
  options: { nonce?: number; version?: number; target?: bigint; powHash?: (h: Buffer) => Buffer } = {},
) {
  const tree: AuxTree = buildAuxTree(chains, options.nonce ?? 0);
  const parts = buildCoinbase({
    height: 2_410_822,
    outputs: [
      { value: 625_000_000n, script: Buffer.from('76a914aa3750aa18b8a0f3f0590731e1fab934856680cf88ac', 'hex') },
    ],
    tag: Buffer.from('/edgepool/'),
    aux: encodeAuxCommitment(tree),
    extranonce1Size: 4,
    extranonce2Size: 4,
  });
  const coinbase = joinCoinbase(parts, 'deadbeef', '00000001');
  const coinbaseBranch = merkleBranch([1, 2, 3].map((i) => sha256d(Buffer.from([i]))));
  const fields = {
    version: options.version ?? 0x20000000,
    prevHash: sha256d(Buffer.from('previous litecoin block')),
    merkleRoot: rootFromBranch(sha256d(coinbase), coinbaseBranch),
    ntime: 1_700_000_000,
    bits: 0x1a017bd0,
    nonce: 0,
  };
  let header = serializeHeader(fields);
  const { target, powHash } = options;
  if (target !== undefined && powHash !== undefined) {
    while (hashToBigInt(powHash(header)) > target) header = serializeHeader({ ...fields, nonce: ++fields.nonce });
  }
  const parent = { coinbase, coinbaseBranch, header };
  return { tree, parent, auxpows: tree.slots.map((slot) => buildAuxPow(parent, slot)) };
}

/** Aux work for each chain id, with a distinct made-up block hash per chain. */
export function auxChains(ids: readonly number[]): AuxChainWork[] {
  return ids.map((chainId) => ({ chainId, hash: sha256d(Buffer.from(`aux block of chain ${chainId}`)) }));
}

/** The script-number pushes Namecoin's auxpow_tests put before the merged-mining data (2809, 2013, OP_2). */
export const NAMECOIN_TEST_PREFIX = Buffer.concat([
  scriptNumberPush(2809),
  scriptNumberPush(2013),
  Buffer.from([0x52]),
]);
