import { describe, expect, it } from 'vitest';
import { decodeAuxHeaderWithPow } from '../../../core/auxpow/auxpow.js';
import {
  AUX_COMMITMENT_SIZE,
  encodeAuxCommitment,
  scriptSigRoomWithCommitment,
} from '../../../core/auxpow/commitment.js';
import { buildAuxTree } from '../../../core/auxpow/tree.js';
import { buildCoinbase } from '../../../core/chain/coinbase.js';
import { sha256d } from '../../../core/chain/hash.js';
import { readTransaction } from '../../../core/chain/transaction.js';
import { ConfigError } from '../../../core/errors.js';
import { VECTOR_A, VECTOR_B } from './fixtures/dogecoin-mainnet.js';

const scriptSigOf = (hex: string) => readTransaction(decodeAuxHeaderWithPow(hex).auxpow.coinbase).inputs[0]!.script;

describe('encodeAuxCommitment', () => {
  it("writes vector A's 44 bytes from its root, size 8 and nonce 0x86989ff0", () => {
    const root = Buffer.from('25209a94048e5f4604c4a7c3996a34b30f1136a6700b72753f4a20d768712837', 'hex').reverse();
    const commitment = encodeAuxCommitment({ root, size: 8, nonce: 0x86989ff0 });
    expect(commitment).toHaveLength(AUX_COMMITMENT_SIZE);
    // After the height push (4 bytes) and the 0x2c push opcode.
    expect(commitment.equals(scriptSigOf(VECTOR_A).subarray(5, 49))).toBe(true);
  });

  it("writes vector B's single-chain commitment: the aux hash as createauxblock prints it, size 1, nonce 0", () => {
    const auxHash = sha256d(decodeAuxHeaderWithPow(VECTOR_B).header);
    const commitment = encodeAuxCommitment(buildAuxTree([{ chainId: 0x62, hash: auxHash }]));
    expect(commitment.toString('hex')).toBe(
      'fabe6d6d80f90867b16fcb6ab6bb423d20dbef7abe0ea9c60a111d886bd298263e90ba330100000000000000',
    );
    // After the 5-byte height push.
    expect(commitment.equals(scriptSigOf(VECTOR_B).subarray(5, 49))).toBe(true);
  });
});

describe('scriptSigRoomWithCommitment', () => {
  const spec = { height: 2_410_822, extranonce1Size: 4, extranonce2Size: 4, tag: Buffer.from('/edgepool/') };

  it('counts the height push, the commitment, both extranonces and the tag against 100 bytes', () => {
    // 4 + 44 + 4 + 4 + 10 = 66.
    expect(scriptSigRoomWithCommitment(spec)).toBe(34);
    expect(scriptSigRoomWithCommitment({ ...spec, aux: Buffer.alloc(3) })).toBe(31);
  });

  it('leaves exactly the room a coinbase with the commitment can still take', () => {
    const room = scriptSigRoomWithCommitment(spec);
    const commitment = encodeAuxCommitment(buildAuxTree([{ chainId: 0x62, hash: sha256d(Buffer.from('a')) }]));
    const coinbase = (tag: Buffer) => () =>
      buildCoinbase({ ...spec, tag, aux: commitment, outputs: [{ value: 1n, script: Buffer.from([0x51]) }] });
    expect(coinbase(Buffer.alloc(spec.tag.length + room))).not.toThrow();
    expect(coinbase(Buffer.alloc(spec.tag.length + room + 1))).toThrow(/101 bytes/);
  });

  it('refuses a tag that does not fit next to the commitment, naming every part and the excess', () => {
    const tag = Buffer.alloc(50);
    expect(() => scriptSigRoomWithCommitment({ ...spec, tag })).toThrow(ConfigError);
    expect(() => scriptSigRoomWithCommitment({ ...spec, tag })).toThrow(
      'the merged-mined coinbase scriptSig would be 106 bytes',
    );
    const long = { ...spec, tag: Buffer.alloc(50), extranonce2Size: 8 };
    expect(() => scriptSigRoomWithCommitment(long)).toThrow(
      'the merged-mined coinbase scriptSig would be 110 bytes (height 4 + aux 0 + extranonce1 4 + extranonce2 8 + tag 50 + commitment 44; limit 100): shorten the pool tag or the extranonce by 10 bytes',
    );
  });
});
