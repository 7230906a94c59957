import { describe, expect, it } from 'vitest';
import { forEachLimited, forEachSliced } from '../../core/limited.js';

describe('forEachSliced', () => {
  it('runs over every item in order, with its index', async () => {
    const seen: Array<[string, number]> = [];
    await forEachSliced(['a', 'b', 'c'], 1_000, (item, i) => seen.push([item, i]));
    expect(seen).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]);
  });

  it('gives the event loop a turn once a slice has passed, and not before', async () => {
    const items = Array.from({ length: 5 }, (_, i) => i);
    // A zero slice: a turn after every item, so a callback queued before the loop runs before it ends.
    let turned = -1;
    let at = 0;
    setImmediate(() => {
      turned = at;
    });
    await forEachSliced(items, 0, (i) => {
      at = i;
    });
    expect(turned).toBe(0);
    // A slice longer than the loop: no turn, the callback waits for the loop's end.
    turned = -1;
    setImmediate(() => {
      turned = at;
    });
    await forEachSliced(items, 60_000, (i) => {
      at = i;
    });
    expect(turned).toBe(-1);
  });

  it('a throwing item stops the loop with its error', async () => {
    const seen: number[] = [];
    await expect(
      forEachSliced([1, 2, 3], 0, (i) => {
        if (i === 2) throw new Error('bad item');
        seen.push(i);
      }),
    ).rejects.toThrow('bad item');
    expect(seen).toEqual([1]);
  });
});

describe('forEachLimited', () => {
  it('keeps at most `limit` in flight and rejects with the first failure after all settled', async () => {
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    const run = forEachLimited([1, 2, 3, 4, 5, 6], 2, async (i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      if (i === 3) throw new Error('three');
      done.push(i);
    });
    await expect(run).rejects.toThrow('three');
    expect(most).toBe(2);
    expect(done).not.toContain(3);
  });
});
