import { describe, expect, it } from 'vitest';
import type { AuxPow } from '../../../core/auxpow/auxpow.js';
import { MERGED_MINING_MAGIC } from '../../../core/auxpow/commitment.js';
import { expectedIndex } from '../../../core/auxpow/tree.js';
import { sha256d } from '../../../core/chain/hash.js';
import { rootFromBranchAt } from '../../../core/chain/merkle.js';
import { getCoin } from '../../../core/coins/registry.js';
import { auxChainDefinition } from '../../../core/config/aux-chains.js';
import { standinChain } from '../../../local/devnet/doge-standin/params.js';
import { TAUX } from '../../helpers/aux-chains.js';
import {
  type AuxBlock,
  auxHashInternal,
  auxPowHex,
  auxTarget,
  parentAuxPow,
  withDogeStandin,
} from '../../helpers/doge-standin.js';

const DOGE_CHAIN_ID = getCoin('DOGE').auxpow!.chainId;
const TAUX_CHAIN_ID = TAUX.chainId;
const le32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

/** A nonce for which the two chain ids take different slots of a tree of two leaves. */
const NONCE = Array.from({ length: 64 }, (_, n) => n).find(
  (n) => expectedIndex(n, DOGE_CHAIN_ID, 1) !== expectedIndex(n, TAUX_CHAIN_ID, 1),
)!;

/**
 * A proof for `aux` in a tree of two leaves, the block at `chainId`'s slot for NONCE (the commitment names the tree's
 * size and NONCE), from a parent of `version` whose scrypt meets the aux target.
 */
function atSlotOf(aux: AuxBlock, chainId: number, version?: number): AuxPow {
  const index = expectedIndex(NONCE, chainId, 1);
  const branch = [sha256d(Buffer.from('the other leaf'))];
  const root = rootFromBranchAt(auxHashInternal(aux), branch, index);
  const auxData = Buffer.concat([MERGED_MINING_MAGIC, Buffer.from(root).reverse(), le32(2), le32(NONCE)]);
  return parentAuxPow({
    auxData,
    chainBranch: branch,
    chainIndex: index,
    ...(version === undefined ? {} : { version }),
    pow: { target: auxTarget(aux), want: 'meet' },
  });
}

/**
 * A stand-in playing another AuxPoW chain (TAUX, defined only in a pool config: chain id 63) checks every proof
 * against its own chain id, never DOGE's: a proof that puts its block at DOGE's slot is refused as Dogecoin refuses
 * one at another chain's slot, and only a parent of its own chain id is refused (one of DOGE's is a valid parent).
 */
describe('a stand-in playing a config-defined aux chain refuses proofs made for DOGE', () => {
  const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
  const log = { info() {}, warn: (obj: object, msg: string) => warnings.push({ obj: { ...obj }, msg }) };
  const net = withDogeStandin({ log, chain: standinChain(auxChainDefinition(TAUX, getCoin('LTC'))) });
  const node = () => net.get();
  const create = () => node().client.call<AuxBlock>('createauxblock', [node().poolAddress]);
  const submit = (hash: string, auxpow: AuxPow) =>
    node().client.call<boolean>('submitauxblock', [hash, auxPowHex(auxpow)]);

  const refused = async (build: (aux: AuxBlock) => AuxPow, reason: string) => {
    const height = await node().client.getBlockCount();
    const aux = await create();
    expect(aux.chainid).toBe(TAUX_CHAIN_ID);
    warnings.length = 0;
    expect(await submit(aux.hash, build(aux))).toBe(false);
    expect(await node().client.getBlockCount()).toBe(height);
    expect(warnings).toContainEqual(expect.objectContaining({ obj: expect.objectContaining({ reason }) }));
    return aux;
  };

  it("refuses a proof with the block at DOGE's chain id slot, and takes the same block at its own", async () => {
    expect(expectedIndex(NONCE, DOGE_CHAIN_ID, 1)).not.toBe(expectedIndex(NONCE, TAUX_CHAIN_ID, 1));
    const aux = await refused((a) => atSlotOf(a, DOGE_CHAIN_ID), 'wrong-chain-index');
    expect(await submit(aux.hash, atSlotOf(aux, TAUX_CHAIN_ID))).toBe(true);
    const block = await node().client.getBlock<{ versionHex: string }>(aux.hash, 1);
    expect(block.versionHex).toBe('003f0104'); // chain id 63, the AuxPoW flag, base version 4
  });

  it('refuses a parent carrying its own chain id, and takes one carrying DOGE’s', async () => {
    const aux = await refused((a) => atSlotOf(a, TAUX_CHAIN_ID, 0x003f0002), 'parent-has-our-chain-id');
    expect(await submit(aux.hash, atSlotOf(aux, TAUX_CHAIN_ID, 0x00620002))).toBe(true);
  });
});
