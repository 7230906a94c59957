import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rssFit } from '../../bench/connections.js';

describe('the connections bench RSS fit', () => {
  it('recovers the fixed part and the part per connection from two populations', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 * 2 ** 20 }),
        fc.integer({ min: 1_000, max: 20_000 }),
        fc.integer({ min: 100, max: 5_000 }),
        fc.integer({ min: 1, max: 20_000 }),
        (fixed, perConnection, small, more) => {
          const at = (n: number) => ({ connections: n, rssBytes: fixed + perConnection * n });
          const fit = rssFit(at(small), at(small + more));
          expect(fit.perConnection).toBeCloseTo(perConnection, 6);
          expect(fit.fixed).toBeCloseTo(fixed, 0);
        },
      ),
    );
  });
});
