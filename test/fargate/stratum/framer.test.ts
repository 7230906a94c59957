import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineFramer, LineTooLongError } from '../../../fargate/src/stratum/framer.js';

const LIMIT = 24;

/** Cuts `buf` at the given offsets (taken modulo its length + 1), in order. */
function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

/** Lines up to the limit (multi-byte characters included), never blank, without line breaks. */
const line = fc
  .string({ unit: 'grapheme', maxLength: LIMIT })
  .filter((s) => !/[\r\n]/.test(s) && s.trim() !== '' && Buffer.byteLength(s) <= LIMIT);

describe('LineFramer', () => {
  it('yields the same lines however a stream of lines up to the limit is cut into chunks (\\n or \\r\\n)', () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.boolean(),
        (lines, cuts, crlf) => {
          const stream = Buffer.from(lines.map((l) => l + (crlf ? '\r\n' : '\n')).join(''), 'utf8');
          const framer = new LineFramer(LIMIT);
          expect(splitAt(stream, cuts).flatMap((c) => framer.push(c))).toEqual(lines);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts a line of exactly the limit whose \\r\\n is split between chunks', () => {
    const framer = new LineFramer(8);
    expect(framer.push(Buffer.from('12345678\r'))).toEqual([]);
    expect(framer.push(Buffer.from('\n'))).toEqual(['12345678']);
  });

  it('strips the \\r of \\r\\n line ends', () => {
    expect(new LineFramer(64).push(Buffer.from('{"a":1}\r\n{"b":2}\r\n'))).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('reassembles a multi-byte character split across chunks', () => {
    const bytes = Buffer.from('{"a":"€𝄞"}\n', 'utf8');
    const euro = bytes.indexOf(0xe2);
    const clef = bytes.indexOf(0xf0);
    for (const cuts of [[euro + 1], [euro + 2], [clef + 1, clef + 3], [euro + 1, clef + 2]]) {
      const framer = new LineFramer(64);
      expect(splitAt(bytes, cuts).flatMap((c) => framer.push(c))).toEqual(['{"a":"€𝄞"}']);
    }
  });

  it('skips blank lines', () => {
    expect(new LineFramer(64).push(Buffer.from('\n \r\n{"x":1}\n'))).toEqual(['{"x":1}']);
  });

  it('skips exactly the lines that are whitespace only (Unicode whitespace too), however the stream is cut', () => {
    const blank = fc.string({ unit: fc.constantFrom(' ', '\t', '\u00a0', '\u2028', '\ufeff', '\u3000'), maxLength: 4 });
    const any = fc.oneof(line, blank, fc.constantFrom('\u00a0x', ' x', '\tx ', '\u007f', '\u0001'));
    fc.assert(
      fc.property(fc.array(any, { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 20 }), (lines, cuts) => {
        const stream = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
        const framer = new LineFramer(LIMIT);
        expect(splitAt(stream, cuts).flatMap((c) => framer.push(c))).toEqual(lines.filter((l) => l.trim() !== ''));
      }),
      { numRuns: 500 },
    );
  });

  it('throws LineTooLongError for a complete line over the limit', () => {
    expect(() => new LineFramer(16).push(Buffer.from(`${'x'.repeat(17)}\n`))).toThrow(LineTooLongError);
    // bytes, not characters: 6 × "€" is 18 bytes
    expect(() => new LineFramer(16).push(Buffer.from(`${'€'.repeat(6)}\n`))).toThrow(LineTooLongError);
  });

  it('measures a line by what it decodes to: invalid UTF-8 bytes become 3-byte U+FFFD', () => {
    // 3 stray bytes decode to 9 bytes (within 10), 4 to 12 (over): the check runs whenever 3 × bytes could pass it.
    const stray = (n: number) => Buffer.concat([Buffer.alloc(n, 0xff), Buffer.from('\n')]);
    expect(new LineFramer(10).push(stray(3))).toEqual(['\ufffd'.repeat(3)]);
    expect(() => new LineFramer(10).push(stray(4))).toThrow(LineTooLongError);
    expect(() => new LineFramer(11).push(stray(4))).toThrow(LineTooLongError);
    expect(new LineFramer(12).push(stray(4))).toEqual(['\ufffd'.repeat(4)]);
  });

  it('throws LineTooLongError for a partial line over the limit before its newline arrives', () => {
    const framer = new LineFramer(16);
    expect(framer.push(Buffer.from('x'.repeat(10)))).toEqual([]);
    expect(() => framer.push(Buffer.from('x'.repeat(10)))).toThrow(LineTooLongError);
  });

  it('throws for any over-long line, however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 4 }),
        fc.integer({ min: LIMIT + 1, max: 3 * LIMIT }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (before, longLength, cuts) => {
          const stream = Buffer.from(`${before.map((l) => `${l}\n`).join('')}${'y'.repeat(longLength)}\n`);
          const framer = new LineFramer(LIMIT);
          expect(() => {
            for (const c of splitAt(stream, cuts)) framer.push(c);
          }).toThrow(LineTooLongError);
        },
      ),
    );
  });
});
