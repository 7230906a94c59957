import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAuxPow, encodeAuxPow, MalformedAuxPowError, readAuxPow } from '../../../core/auxpow/auxpow.js';
import { checkAuxPow, checkAuxPowProofOfWork } from '../../../core/auxpow/verify.js';
import { sha256d } from '../../../core/chain/hash.js';
import { bitsToTarget } from '../../../core/chain/target.js';
import { scrypt } from '../../../fargate/src/hashing/index.js';
import { DOGECOIN_CHAIN_ID, VECTOR_A } from './fixtures/dogecoin-mainnet.js';
import { auxChains, mineParent } from './parent.js';

describe('buildAuxPow', () => {
  it('gives each of DOGE, PEP and BELLS a proof that its node accepts, from one parent share meeting the aux target', () => {
    // Regtest bits: about half of the scrypt hashes meet it, so the grind is short.
    const target = bitsToTarget(0x207fffff);
    const { tree, auxpows } = mineParent(auxChains([DOGECOIN_CHAIN_ID, 63, 16]), { target, powHash: scrypt });
    expect(tree.size).toBe(4);
    for (const [i, slot] of tree.slots.entries()) {
      const sent = decodeAuxPow(encodeAuxPow(auxpows[i]!).toString('hex'));
      expect(sent.chainIndex).toBe(slot.index);
      expect(checkAuxPowProofOfWork(sent, { hash: slot.hash, chainId: slot.chainId, target }, scrypt)).toEqual({
        ok: true,
      });
    }
  });

  it("refuses one chain's proof for another chain or another chain's block", () => {
    const { tree, auxpows } = mineParent(auxChains([DOGECOIN_CHAIN_ID, 63]));
    const [doge, pep] = tree.slots;
    expect(checkAuxPow(auxpows[0]!, doge!.hash, pep!.chainId)).toMatchObject({ ok: false });
    expect(checkAuxPow(auxpows[0]!, pep!.hash, doge!.chainId)).toMatchObject({ ok: false });
  });

  it('builds proofs that verify for any set of up to 8 distinct chain ids and any merkle nonce', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (ids, nonce) => {
          const { tree, auxpows } = mineParent(auxChains(ids), { nonce });
          tree.slots.forEach((slot, i) => {
            expect(checkAuxPow(auxpows[i]!, slot.hash, slot.chainId)).toEqual({ ok: true });
          });
        },
      ),
      { numRuns: 50 },
    );
  });

  it('writes the parent header hash as hashBlock and the coinbase at index 0', () => {
    const { parent, auxpows } = mineParent(auxChains([DOGECOIN_CHAIN_ID]));
    expect(auxpows[0]!.parentBlockHash.equals(sha256d(parent.header))).toBe(true);
    expect(auxpows[0]!.coinbaseIndex).toBe(0);
    expect(auxpows[0]!.chainBranch).toEqual([]);
  });
});

describe('decodeAuxPow', () => {
  const auxpowHex = VECTOR_A.slice(160);

  it('reads a proof that is followed by more data and says where it ended', () => {
    const { end } = readAuxPow(Buffer.from(`${auxpowHex}0102`, 'hex'));
    expect(end).toBe(auxpowHex.length / 2);
  });

  it('refuses a truncated proof, trailing bytes, a branch count beyond its bytes and non-hex', () => {
    expect(() => decodeAuxPow(auxpowHex.slice(0, -2))).toThrow(MalformedAuxPowError);
    expect(() => decodeAuxPow(`${auxpowHex}00`)).toThrow(/1 bytes after it/);
    expect(() => decodeAuxPow('zz')).toThrow(MalformedAuxPowError);
    const { auxpow } = readAuxPow(Buffer.from(auxpowHex, 'hex'));
    const huge = Buffer.concat([auxpow.coinbase, auxpow.parentBlockHash, Buffer.from('fe00000001', 'hex')]);
    expect(() => decodeAuxPow(huge)).toThrow(/longer than 64/);
  });
});
