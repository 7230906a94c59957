import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexDigit, hexInto, hexU32, isHexBytes } from '../../../core/chain/hex.js';

const HEX_RE = /^[0-9a-fA-F]*$/;

describe('share field hex readers', () => {
  it('reads a digit of either case and nothing else', () => {
    for (let code = 0; code < 0x3000; code++) {
      const ch = String.fromCharCode(code);
      expect(hexDigit(code)).toBe(HEX_RE.test(ch) ? Number.parseInt(ch, 16) : -1);
    }
  });

  it('reads 8 digits as what parseInt reads, and refuses any other string as the regular expression does', () => {
    const digits = fc.constantFrom(...'0123456789abcdefABCDEF');
    const any = fc.oneof(
      fc.string({ minLength: 8, maxLength: 8, unit: digits }),
      fc.string({ minLength: 0, maxLength: 10 }),
      fc.string({
        minLength: 8,
        maxLength: 8,
        unit: fc.oneof(digits, fc.constantFrom('g', 'x', ' ', '-', '+', 'é', '٣')),
      }),
    );
    fc.assert(
      fc.property(any, (s) => {
        const valid = s.length === 8 && HEX_RE.test(s);
        expect(hexU32(s)).toBe(valid ? Number.parseInt(s, 16) >>> 0 : -1);
        expect(isHexBytes(s, 4)).toBe(valid);
      }),
    );
  });

  it('refuses values that are not strings', () => {
    for (const v of [12345678, null, undefined, ['12345678'], { length: 8 }, 0x12345678n]) {
      expect(hexU32(v)).toBe(-1);
      expect(isHexBytes(v, 4)).toBe(false);
    }
  });

  it('writes exactly the bytes Buffer.from(hex) gives, at the offset, and refuses a wrong length or digit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.boolean(), fc.nat(8), (bytes, upper, offset) => {
        let hex = Buffer.from(bytes).toString('hex');
        if (upper) hex = hex.toUpperCase();
        const out = Buffer.alloc(offset + bytes.length + 2, 0xee);
        expect(hexInto(hex, bytes.length, out, offset)).toBe(true);
        expect(out.subarray(offset, offset + bytes.length)).toEqual(Buffer.from(bytes));
        expect(out[offset + bytes.length]).toBe(0xee); // nothing written past the field
        expect(hexInto(hex, bytes.length + 1, out, offset)).toBe(false);
        expect(hexInto(`${hex.slice(0, -1)}g`, bytes.length, out, offset)).toBe(false);
        expect(hexInto(hex, bytes.length, out, out.length - bytes.length + 1)).toBe(false); // would run past the end
      }),
    );
  });
});
