import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fifo } from '../../../fargate/src/stratum/fifo.js';

type Op = { kind: 'push'; value: number } | { kind: 'pushAll'; values: number[] } | { kind: 'shift' | 'compact' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.integer().map((value) => ({ kind: 'push' as const, value })) },
  {
    weight: 2,
    arbitrary: fc.array(fc.integer(), { maxLength: 40 }).map((values) => ({ kind: 'pushAll' as const, values })),
  },
  { weight: 5, arbitrary: fc.constant({ kind: 'shift' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'compact' as const }) },
);

describe('Fifo', () => {
  it('behaves as an array taken from the front, whatever the order of pushes, takes and compactions', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const fifo = new Fifo<number>();
        const model: number[] = [];
        for (const o of ops) {
          if (o.kind === 'push') {
            fifo.push(o.value);
            model.push(o.value);
          } else if (o.kind === 'pushAll') {
            fifo.pushAll([...o.values]);
            model.push(...o.values);
          } else if (o.kind === 'shift') expect(fifo.shift()).toBe(model.shift());
          else fifo.compact();
          expect(fifo.size).toBe(model.length);
          expect(fifo.first).toBe(model[0]);
          expect(fifo.last).toBe(model[model.length - 1]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('holds at most about twice its items when it never empties (taken slots are dropped as it goes)', () => {
    const fifo = new Fifo<object>();
    for (let i = 0; i < 10; i++) fifo.push({});
    for (let i = 0; i < 100_000; i++) {
      fifo.push({});
      fifo.shift();
    }
    expect(fifo.size).toBe(10);
    // The backing array is private: its length is read as the test's one look inside.
    const items = (fifo as unknown as { items: unknown[] }).items;
    expect(items.length).toBeLessThanOrEqual(2 * 10 + 34);
    // Taken slots hold nothing (their items can be collected).
    const head = (fifo as unknown as { head: number }).head;
    expect(items.slice(0, head).every((x) => x === undefined)).toBe(true);
  });
});
