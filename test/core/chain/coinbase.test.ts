import { Transaction } from 'bitcoinjs-lib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCoinbase, joinCoinbase, withWitnessReservedValue } from '../../../core/chain/coinbase.js';
import { readScriptNumberPush } from '../../../core/chain/serialize.js';

const payout = Buffer.from('0014c3cf9511ba28660761fd0c9d9b276955596b49aa', 'hex');
const commitment = Buffer.from(`6a24aa21a9ed${'ab'.repeat(32)}`, 'hex');

function spec(overrides: Partial<Parameters<typeof buildCoinbase>[0]> = {}) {
  return {
    height: 434,
    outputs: [
      { value: 1_250_005_310n, script: payout },
      { value: 0n, script: commitment },
    ],
    tag: Buffer.from('/edgepool/'),
    extranonce1Size: 4,
    extranonce2Size: 4,
    ...overrides,
  };
}

describe('coinbase builder', () => {
  it('produces a transaction a standard parser reads: BIP34 height, extranonce, tag, outputs', () => {
    const parts = buildCoinbase(spec());
    const tx = Transaction.fromBuffer(joinCoinbase(parts, '01020304', 'aabbccdd'));
    expect(tx.isCoinbase()).toBe(true);
    const scriptSig = Buffer.from(tx.ins[0]!.script);
    expect(readScriptNumberPush(scriptSig)).toEqual({ value: 434, size: 3 });
    expect(scriptSig.subarray(3).toString('hex')).toBe(`01020304aabbccdd${Buffer.from('/edgepool/').toString('hex')}`);
    expect(tx.ins[0]!.sequence).toBe(0xffffffff);
    expect(tx.outs.map((o) => [o.value, Buffer.from(o.script).toString('hex')])).toEqual([
      [1_250_005_310n, payout.toString('hex')],
      [0n, commitment.toString('hex')],
    ]);
    expect(tx.locktime).toBe(0);
  });

  it('puts coinb1 right before and coinb2 right after the extranonce bytes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.uint8Array({ minLength: 0, maxLength: 40 }),
        (height, en1Size, en2Size, tag) => {
          const parts = buildCoinbase(
            spec({ height, extranonce1Size: en1Size, extranonce2Size: en2Size, tag: Buffer.from(tag) }),
          );
          const en1 = 'ee'.repeat(en1Size);
          const en2 = '77'.repeat(en2Size);
          const tx = Transaction.fromBuffer(joinCoinbase(parts, en1, en2));
          const scriptSig = Buffer.from(tx.ins[0]!.script);
          const { value, size } = readScriptNumberPush(scriptSig);
          expect(value).toBe(height);
          expect(scriptSig.subarray(size, size + en1Size + en2Size).toString('hex')).toBe(en1 + en2);
        },
      ),
    );
  });

  it('refuses a scriptSig over 100 bytes and names the tag as the fix', () => {
    expect(() => buildCoinbase(spec({ tag: Buffer.alloc(90) }))).toThrow(/100.*tag/);
    // 3 (height) + 8 (extranonce) + 89 = 100: the limit itself is fine
    expect(() => buildCoinbase(spec({ tag: Buffer.alloc(89) }))).not.toThrow();
  });

  it('refuses a coinbase without outputs', () => {
    expect(() => buildCoinbase(spec({ outputs: [] }))).toThrow(RangeError);
  });

  it('segwit form keeps the txid and adds the 32-byte zero witness reserved value (BIP141)', () => {
    const stripped = joinCoinbase(buildCoinbase(spec()), '00000000', '00000001');
    const segwit = withWitnessReservedValue(stripped);
    const tx = Transaction.fromBuffer(segwit);
    expect(tx.hasWitnesses()).toBe(true);
    expect(tx.ins[0]!.witness.map((w) => Buffer.from(w).toString('hex'))).toEqual(['00'.repeat(32)]);
    expect(tx.getId()).toBe(Transaction.fromBuffer(stripped).getId());
    expect(segwit.length).toBe(stripped.length + 2 + 2 + 32);
  });
});
