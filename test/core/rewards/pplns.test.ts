import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { weightOf } from '../../../core/rewards/allocate.js';
import { pplnsWindow, type ShareChunk } from '../../../core/rewards/pplns.js';

const chunkArb = fc.record({
  at: fc.integer({ min: 0, max: 12 }),
  miner: fc.constantFrom('m1', 'm2', 'm3', 'm4', 'm5', 'm6'),
  difficulty: fc.double({ min: 0.001, max: 1000, noNaN: true }),
});
const chunksArb = fc.array(chunkArb, { maxLength: 30 });
const windowArb = fc.bigInt({ min: 0n, max: 5n * 10n ** 11n });

/** The reference: groups newest first, and the index of the group that crosses the window. */
function groups(chunks: ShareChunk[]) {
  const ats = [...new Set(chunks.map((c) => c.at))].sort((a, b) => b - a);
  return ats.map((at) => {
    const cs = chunks.filter((c) => c.at === at);
    const w = new Map<string, bigint>();
    for (const c of cs) w.set(c.miner, (w.get(c.miner) ?? 0n) + weightOf(c.difficulty));
    return { at, w, total: [...w.values()].reduce((s, x) => s + x, 0n) };
  });
}

describe('PPLNS window over share chunks', () => {
  it('never counts more than the window, and counts it all when there are enough shares (within flooring)', () => {
    fc.assert(
      fc.property(chunksArb, windowArb, (chunks, window) => {
        const w = pplnsWindow(chunks, window);
        const counted = [...w.values()].reduce((s, x) => s + x, 0n);
        const total = groups(chunks).reduce((s, g) => s + g.total, 0n);
        const want = total < window ? total : window;
        expect(counted).toBeLessThanOrEqual(want);
        expect(want - counted).toBeLessThan(6n); // at most one unit floored per miner of the boundary group
        for (const v of w.values()) expect(v).toBeGreaterThan(0n);
      }),
    );
  });

  it('never credits shares older than the window boundary; the boundary group counts pro rata', () => {
    fc.assert(
      fc.property(chunksArb, windowArb, (chunks, window) => {
        const w = pplnsWindow(chunks, window);
        const expected = new Map<string, bigint>();
        let left = window;
        for (const g of groups(chunks)) {
          if (left <= 0n || g.total === 0n) continue;
          for (const [m, x] of g.w) {
            const part = g.total <= left ? x : (x * left) / g.total;
            if (part > 0n) expected.set(m, (expected.get(m) ?? 0n) + part);
          }
          left = g.total <= left ? left - g.total : 0n;
        }
        expect(new Map([...w].sort())).toEqual(new Map([...expected].sort()));
      }),
    );
  });

  it('gives the same weights whatever the order of the chunks', () => {
    fc.assert(
      fc.property(
        chunksArb.chain((cs) => fc.tuple(fc.constant(cs), fc.shuffledSubarray(cs, { minLength: cs.length }))),
        windowArb,
        ([chunks, shuffled], window) => {
          expect(pplnsWindow(shuffled, window)).toEqual(pplnsWindow(chunks, window));
        },
      ),
    );
  });

  it('drops a miner whose shares are all before the boundary group', () => {
    const chunks: ShareChunk[] = [
      { at: 30, miner: 'new', difficulty: 5 },
      { at: 20, miner: 'mid', difficulty: 10 },
      { at: 20, miner: 'new', difficulty: 10 },
      { at: 10, miner: 'old', difficulty: 1 },
    ];
    const w = pplnsWindow(chunks, weightOf(15));
    expect(Object.fromEntries(w)).toEqual({ new: weightOf(5) + weightOf(5), mid: weightOf(5) });
    expect(w.has('old')).toBe(false);
  });
});
