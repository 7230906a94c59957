import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineFramer, LineTooLongError } from '../../../fargate/src/stratum/framer.js';

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

describe('LineFramer', () => {
  it('yields the same lines however the stream is cut into chunks', () => {
    const line = fc
      .string({ unit: 'grapheme', maxLength: 40 })
      .filter((s) => !s.includes('\n') && !s.includes('\r') && s.trim() !== '');
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.boolean(),
        (lines, cuts, crlf) => {
          const stream = Buffer.from(lines.map((l) => l + (crlf ? '\r\n' : '\n')).join(''), 'utf8');
          const framer = new LineFramer(1024);
          const got = splitAt(stream, cuts).flatMap((c) => framer.push(c));
          expect(got).toEqual(lines);
        },
      ),
    );
  });

  it('reassembles a multi-byte character split across chunks', () => {
    const framer = new LineFramer(64);
    const bytes = Buffer.from('{"a":"€"}\n', 'utf8');
    const euro = bytes.indexOf(0xe2);
    expect(framer.push(bytes.subarray(0, euro + 1))).toEqual([]);
    expect(framer.push(bytes.subarray(euro + 1))).toEqual(['{"a":"€"}']);
  });

  it('skips blank lines', () => {
    expect(new LineFramer(64).push(Buffer.from('\n \r\n{"x":1}\n'))).toEqual(['{"x":1}']);
  });

  it('rejects a complete line over the limit', () => {
    expect(() => new LineFramer(16).push(Buffer.from(`${'x'.repeat(17)}\n`))).toThrow(LineTooLongError);
  });

  it('rejects a line over the limit before its newline arrives', () => {
    const framer = new LineFramer(16);
    framer.push(Buffer.from('x'.repeat(10)));
    expect(() => framer.push(Buffer.from('x'.repeat(10)))).toThrow(LineTooLongError);
  });
});
