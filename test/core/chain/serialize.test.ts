import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeVarint, encodeVarint, readScriptNumberPush, scriptNumberPush } from '../../../core/chain/serialize.js';

describe('varint (CompactSize)', () => {
  it('uses 1, 3, 5 and 9 bytes at the boundaries', () => {
    expect(encodeVarint(0xfc).toString('hex')).toBe('fc');
    expect(encodeVarint(0xfd).toString('hex')).toBe('fdfd00');
    expect(encodeVarint(0xffff).toString('hex')).toBe('fdffff');
    expect(encodeVarint(0x10000).toString('hex')).toBe('fe00000100');
    expect(encodeVarint(0xffffffff).toString('hex')).toBe('feffffffff');
    expect(encodeVarint(0x100000000).toString('hex')).toBe('ff0000000001000000');
  });

  it('decodes what it encodes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.nat(8), (n, pad) => {
        const buf = Buffer.concat([Buffer.alloc(pad, 0xaa), encodeVarint(n), Buffer.from([0x55])]);
        const { value, size } = decodeVarint(buf, pad);
        expect(value).toBe(n);
        expect(size).toBe(encodeVarint(n).length);
      }),
    );
  });

  it('rejects negative values and truncated input', () => {
    expect(() => encodeVarint(-1)).toThrow(RangeError);
    expect(() => decodeVarint(Buffer.from('fd01', 'hex'))).toThrow(RangeError);
    expect(() => decodeVarint(Buffer.alloc(0))).toThrow(RangeError);
  });
});

describe('script number push (BIP34 height)', () => {
  it('encodes heights like CScript() << n', () => {
    expect(scriptNumberPush(0).toString('hex')).toBe('00');
    expect(scriptNumberPush(16).toString('hex')).toBe('60');
    expect(scriptNumberPush(17).toString('hex')).toBe('0111');
    expect(scriptNumberPush(127).toString('hex')).toBe('017f');
    // 128 has the sign bit set in one byte: a 0x00 byte keeps it positive
    expect(scriptNumberPush(128).toString('hex')).toBe('028000');
    expect(scriptNumberPush(434).toString('hex')).toBe('02b201');
    // Bitcoin block 227931 (BIP34 activation) starts its coinbase scriptSig with 03 5b7a03
    expect(scriptNumberPush(227931).toString('hex')).toBe('035b7a03');
    expect(scriptNumberPush(8388608).toString('hex')).toBe('0400008000');
  });

  it('reads back every height it writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (h) => {
        const push = scriptNumberPush(h);
        expect(readScriptNumberPush(push)).toEqual({ value: h, size: push.length });
      }),
    );
  });

  it('rejects negative and fractional heights', () => {
    expect(() => scriptNumberPush(-1)).toThrow(RangeError);
    expect(() => scriptNumberPush(1.5)).toThrow(RangeError);
  });
});
