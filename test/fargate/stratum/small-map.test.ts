import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SmallMap } from '../../../fargate/src/stratum/small-map.js';

type Op = { op: 'set'; key: string; value: number } | { op: 'delete'; key: string } | { op: 'get'; key: string };

const key = fc.constantFrom('a', 'b', 'c', 'job-1', '');
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key, value: fc.integer() }),
  fc.record({ op: fc.constant('delete' as const), key }),
  fc.record({ op: fc.constant('get' as const), key }),
);

describe('SmallMap', () => {
  it('answers every sequence of set, delete and get as a Map does, entries in insertion order', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const small = new SmallMap<string, number>();
        const map = new Map<string, number>();
        for (const o of ops) {
          if (o.op === 'set') {
            expect(small.set(o.key, o.value)).toBe(small);
            map.set(o.key, o.value);
          } else if (o.op === 'delete') expect(small.delete(o.key)).toBe(map.delete(o.key));
          else expect(small.get(o.key)).toBe(map.get(o.key));
          expect(small.size).toBe(map.size);
          expect([...small.keys()]).toEqual([...map.keys()]);
          expect([...small.values()]).toEqual([...map.values()]);
          for (const k of ['a', 'b', 'c', 'job-1', '', 'x']) expect(small.has(k)).toBe(map.has(k));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('tells an empty key from no entry', () => {
    const small = new SmallMap<string, number>();
    expect(small.has('')).toBe(false);
    small.set('', 7);
    expect(small.get('')).toBe(7);
    expect(small.size).toBe(1);
  });
});
