import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeenHeaders } from '../../../fargate/src/jobs/seen-headers.js';

/** A 32-byte digest whose first word is one of a few values (so many share a slot run), its second `tail`. */
function digest(first: number, tail: number): Buffer {
  const d = Buffer.alloc(32);
  d.writeUInt32LE(first >>> 0, 0);
  d.writeUInt32LE(tail >>> 0, 4);
  d.writeUInt32LE((tail * 7) >>> 0, 12);
  d.fill(0xab, 16);
  return d;
}

describe('SeenHeaders', () => {
  it('answers as a set of digests would through remembers, deletes and growth, with digests crowding few slots', () => {
    const op = fc.record({
      kind: fc.constantFrom('remember', 'remember', 'delete', 'has'),
      first: fc.constantFrom(0, 1, 0x80000000, 0xffffffff, 12345),
      tail: fc.integer({ min: 0, max: 400 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
        const seen = new SeenHeaders(1_000_000);
        const model = new Set<string>();
        for (const { kind, first, tail } of ops) {
          const d = digest(first, tail);
          const key = d.toString('hex');
          if (kind === 'remember') {
            expect(seen.remember(d)).toBe(model.has(key) ? 'seen' : 'new');
            model.add(key);
          } else if (kind === 'delete') {
            seen.delete(d);
            model.delete(key);
          } else expect(seen.has(d)).toBe(model.has(key));
          expect(seen.size).toBe(model.size);
        }
        // Every digest the model holds is still found (no entry lost by a delete's shift or a growth).
        for (const key of model) expect(seen.has(Buffer.from(key, 'hex'))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('remembers a hundred thousand random digests and calls each a duplicate afterwards', () => {
    const seen = new SeenHeaders(2_000_000);
    const all = Array.from({ length: 100_000 }, () => randomBytes(32));
    for (const d of all) expect(seen.remember(d)).toBe('new');
    for (const d of all) expect(seen.remember(d)).toBe('seen');
    expect(seen.size).toBe(100_000);
  });

  it('refuses to take more at its capacity rather than forgetting one, and takes one again after a delete', () => {
    const seen = new SeenHeaders(2);
    const [a, b, c] = [digest(1, 1), digest(2, 2), digest(3, 3)];
    expect(seen.remember(a)).toBe('new');
    expect(seen.remember(b)).toBe('new');
    expect(seen.remember(c)).toBe('full');
    expect(seen.remember(a)).toBe('seen'); // still there: a duplicate, not room made
    expect(seen.has(c)).toBe(false);
    seen.delete(b);
    expect(seen.remember(c)).toBe('new');
    expect(() => new SeenHeaders(0)).toThrow(RangeError);
  });

  it('tells digests apart by their first 8 bytes; the digests of different headers differing only after them are one', () => {
    const seen = new SeenHeaders(10);
    const d = digest(5, 5);
    seen.remember(d);
    for (const at of [0, 3, 4, 7]) {
      const other = Buffer.from(d);
      other[at]! ^= 1;
      expect(seen.has(other)).toBe(false);
    }
    for (const at of [8, 15, 31]) {
      const sameFirst8 = Buffer.from(d);
      sameFirst8[at]! ^= 1; // a 2^-64 coincidence for two real headers: refused as a duplicate, never credited twice
      expect(seen.remember(sameFirst8)).toBe('seen');
    }
    expect(seen.size).toBe(1);
    expect(() => seen.remember(Buffer.alloc(7))).toThrow(RangeError);
  });
});
