import { describe, expect, it } from 'vitest';
import { type AuxPow, decodeAuxHeaderWithPow, encodeAuxPow } from '../../../core/auxpow/auxpow.js';
import { MERGED_MINING_MAGIC } from '../../../core/auxpow/commitment.js';
import { expectedIndex } from '../../../core/auxpow/tree.js';
import { checkAuxBlockProofOfWork } from '../../../core/auxpow/verify.js';
import { hashToBigInt, reverseHex, sha256d } from '../../../core/chain/hash.js';
import { parseHeader } from '../../../core/chain/header.js';
import { rootFromBranchAt } from '../../../core/chain/merkle.js';
import { bitsToTarget } from '../../../core/chain/target.js';
import { readTransaction } from '../../../core/chain/transaction.js';
import { scrypt } from '../../../fargate/src/hashing/index.js';
import { DOGECOIN_CHAIN_ID, VECTOR_A, VECTOR_B } from './fixtures/dogecoin-mainnet.js';

const display = (b: Buffer) => reverseHex(b.toString('hex'));

/** Everything a node recomputes from a proof, derived here step by step with the core helpers. */
function recompute(header: Buffer, auxpow: AuxPow) {
  const aux = parseHeader(header);
  const parent = parseHeader(auxpow.parentHeader);
  const auxHash = sha256d(header);
  const coinbase = readTransaction(auxpow.coinbase);
  const txid = sha256d(coinbase.stripped);
  const script = coinbase.inputs[0]!.script;
  const magicAt = script.indexOf(MERGED_MINING_MAGIC);
  return {
    aux,
    parent,
    auxHash: display(auxHash),
    txid: display(txid),
    parentMerkleRoot: display(rootFromBranchAt(txid, auxpow.coinbaseBranch, auxpow.coinbaseIndex)),
    auxRoot: display(rootFromBranchAt(auxHash, auxpow.chainBranch, auxpow.chainIndex)),
    script,
    committedRoot: script.subarray(magicAt + 4, magicAt + 36).toString('hex'),
    size: script.readUInt32LE(magicAt + 36),
    nonce: script.readUInt32LE(magicAt + 40),
    parentScrypt: display(scrypt(auxpow.parentHeader)),
    parentHash: display(sha256d(auxpow.parentHeader)),
  };
}

describe.each([
  ['A', VECTOR_A, 731],
  ['B', VECTOR_B, 459],
])('Dogecoin mainnet AuxPoW, vector %s', (_, hex, bytes) => {
  const { header, auxpow } = decodeAuxHeaderWithPow(hex);

  it(`re-encodes to the identical ${bytes} bytes`, () => {
    expect(hex.length / 2).toBe(bytes);
    expect(Buffer.concat([header, encodeAuxPow(auxpow)]).toString('hex')).toBe(hex);
  });

  it('passes every consensus check Dogecoin applies, with the parent scrypt PoW against the aux bits', () => {
    expect(checkAuxBlockProofOfWork(header, auxpow, DOGECOIN_CHAIN_ID, scrypt)).toEqual({ ok: true });
  });
});

describe('Dogecoin mainnet AuxPoW, vector A (tree of 8 under Litecoin 1,427,793)', () => {
  const { header, auxpow } = decodeAuxHeaderWithPow(VECTOR_A);
  const r = recompute(header, auxpow);

  it('is aux block 79e9e6f4… of chain 0x62 with the auxpow flag and bits 0x1a045540', () => {
    expect(r.auxHash).toBe('79e9e6f4400cf591f43662d718683113ccb03aaefc813cd8c4a239836fa92ef3');
    expect(r.aux.version).toBe(0x00620103);
    expect(r.aux.bits).toBe(0x1a045540);
  });

  it('has a 100-byte non-witness Litecoin coinbase with height 1,427,793 and a 25.04394923 LTC output', () => {
    const coinbase = readTransaction(auxpow.coinbase);
    expect(coinbase.raw.equals(coinbase.stripped)).toBe(true);
    expect(r.script.length).toBe(100);
    expect(r.script.subarray(0, 4).toString('hex')).toBe('0351c915');
    expect(coinbase.outputs[0]!.value).toBe(2_504_394_923n);
    expect(r.parent.version).toBe(0x20000000);
    expect(r.parent.bits).toBe(0x1a017bd0);
  });

  it('folds the coinbase txid through its 6-hash branch into the parent merkle root', () => {
    expect(r.txid).toBe('3f388cb1d204d53f69c33f7df246046fecf4acf4f2999acc8eab979d6f0e5112');
    expect(auxpow.coinbaseBranch).toHaveLength(6);
    expect(r.parentMerkleRoot).toBe('3c9e93bbc4e33da98c5364819caba72b96ea754ebc1e06f9cb66977469318fd3');
    expect(display(r.parent.merkleRoot)).toBe(r.parentMerkleRoot);
  });

  it('folds the aux hash through its 3-hash chain branch into the root the coinbase commits to, in display order', () => {
    expect(auxpow.chainBranch).toHaveLength(3);
    expect(r.auxRoot).toBe('25209a94048e5f4604c4a7c3996a34b30f1136a6700b72753f4a20d768712837');
    expect(r.committedRoot).toBe(r.auxRoot);
    expect(r.size).toBe(8);
    expect(r.nonce).toBe(0x86989ff0);
  });

  it('puts chain 0x62 at slot 0 = getExpectedIndex(0x86989ff0, 0x62, 3)', () => {
    expect(auxpow.chainIndex).toBe(0);
    expect(expectedIndex(r.nonce, DOGECOIN_CHAIN_ID, 3)).toBe(auxpow.chainIndex);
  });

  it('has a parent whose scrypt hash 00…013f7a5a meets the Dogecoin target of bits 0x1a045540', () => {
    expect(r.parentScrypt).toBe('000000000000013f7a5aa1ffaaa4e4f84232b5036d4f9aaf2c5040b403b530be');
    expect(hashToBigInt(scrypt(auxpow.parentHeader)) <= bitsToTarget(r.aux.bits)).toBe(true);
    expect(r.parentHash).toBe('a4cdb6f92674703ac28b622111ece7b9bb338cffd2751c41928d91c87ede20f7');
    expect(display(auxpow.parentBlockHash)).toBe(r.parentScrypt);
  });
});

describe('Dogecoin mainnet AuxPoW, vector B (one aux chain, witness-serialized parent coinbase)', () => {
  const { header, auxpow } = decodeAuxHeaderWithPow(VECTOR_B);
  const r = recompute(header, auxpow);

  it('is aux block 80f90867… with version 0x00620104 and bits 0x1a03c5a2', () => {
    expect(r.auxHash).toBe('80f90867b16fcb6ab6bb423d20dbef7abe0ea9c60a111d886bd298263e90ba33');
    expect(r.aux.version).toBe(0x00620104);
    expect(r.aux.bits).toBe(0x1a03c5a2);
  });

  it('takes its txid from the stripped form of the witness coinbase and folds it into the parent merkle root', () => {
    const coinbase = readTransaction(auxpow.coinbase);
    expect(coinbase.stripped.length).toBeLessThan(coinbase.raw.length);
    expect(r.script.length).toBe(57);
    expect(r.txid).toBe('6514816fa7e6ff2030910fbaf9c4b4b74c12cab9466f913148d5102e1bf8c88b');
    expect(auxpow.coinbaseBranch).toHaveLength(1);
    expect(r.parentMerkleRoot).toBe('9e29efbd5871f90d594df1af0043709f3beaa8a3b1d89777a1183961b8cd7c9d');
    expect(display(r.parent.merkleRoot)).toBe(r.parentMerkleRoot);
  });

  it('commits to the aux hash itself in display order, size 1, nonce 0, with an empty chain branch', () => {
    expect(auxpow.chainBranch).toHaveLength(0);
    expect(r.auxRoot).toBe(r.auxHash);
    expect(r.committedRoot).toBe(r.auxHash);
    expect([r.size, r.nonce, auxpow.chainIndex]).toEqual([1, 0, 0]);
    expect(auxpow.parentBlockHash.equals(Buffer.alloc(32))).toBe(true);
  });

  it('has a parent whose scrypt hash 00…010eff3d meets the target of bits 0x1a03c5a2', () => {
    expect(r.parentScrypt).toBe('000000000000010eff3db406f71743e92761d6e60159a43bd9c3c30858f8bf68');
    expect(hashToBigInt(scrypt(auxpow.parentHeader)) <= bitsToTarget(r.aux.bits)).toBe(true);
    expect(r.parentHash).toBe('c664b9cd30e9e63b957e4da69dae8702e18d5d78c1d2dd94d452152ad2d0a0a2');
  });
});
