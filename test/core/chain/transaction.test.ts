import { describe, expect, it } from 'vitest';
import { buildCoinbase, joinCoinbase, withWitnessReservedValue } from '../../../core/chain/coinbase.js';
import { reverseHex, sha256d } from '../../../core/chain/hash.js';
import { readTransaction } from '../../../core/chain/transaction.js';

// Bitcoin's genesis coinbase (public chain data) and its txid.
const GENESIS_COINBASE =
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000';

describe('readTransaction', () => {
  it("reads Bitcoin's genesis coinbase: its scriptSig, its 50 BTC output and its txid", () => {
    const tx = readTransaction(Buffer.from(GENESIS_COINBASE, 'hex'));
    expect(tx.inputs).toHaveLength(1);
    expect(tx.inputs[0]!.prevIndex).toBe(0xffffffff);
    expect(tx.inputs[0]!.script.toString('latin1')).toContain('The Times 03/Jan/2009');
    expect(tx.outputs[0]!.value).toBe(5_000_000_000n);
    expect(tx.end).toBe(GENESIS_COINBASE.length / 2);
    expect(reverseHex(sha256d(tx.stripped).toString('hex'))).toBe(
      '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b',
    );
  });

  it('strips the witness of a segwit coinbase back to the exact txid form the pool built', () => {
    const parts = buildCoinbase({
      height: 1000,
      outputs: [
        { value: 1n, script: Buffer.from([0x51]) },
        { value: 0n, script: Buffer.alloc(38, 0x6a) },
      ],
      tag: Buffer.from('tag'),
      extranonce1Size: 4,
      extranonce2Size: 4,
    });
    const stripped = joinCoinbase(parts, '01020304', '05060708');
    const witness = withWitnessReservedValue(stripped);
    const tx = readTransaction(Buffer.concat([Buffer.from('ff', 'hex'), witness, Buffer.from('ee', 'hex')]), 1);
    expect(tx.raw.equals(witness)).toBe(true);
    expect(tx.stripped.equals(stripped)).toBe(true);
    expect(tx.end).toBe(1 + witness.length);
    expect(tx.outputs.map((o) => o.value)).toEqual([1n, 0n]);
  });

  it('refuses a truncated transaction and an input count beyond its bytes', () => {
    expect(() => readTransaction(Buffer.from(GENESIS_COINBASE.slice(0, -2), 'hex'))).toThrow(
      /truncated in its locktime/,
    );
    expect(() => readTransaction(Buffer.from('01000000fe00000001', 'hex'))).toThrow(/input count 16777216 exceeds/);
  });
});
