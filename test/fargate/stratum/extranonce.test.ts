import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXTRANONCE1_SIZE, ExtranonceAllocator } from '../../../fargate/src/stratum/extranonce.js';

describe('ExtranonceAllocator', () => {
  it('hands out distinct values of the right size, each starting with the instance prefix', () => {
    const a = new ExtranonceAllocator(4, 'ab');
    const values = Array.from({ length: 5000 }, () => a.allocate(0));
    expect(new Set(values).size).toBe(5000);
    for (const v of values) expect(v).toMatch(/^ab[0-9a-f]{6}$/);
    expect(a.liveCount()).toBe(5000);
  });

  it('never hands out a value that is live, whatever the order of allocations and releases', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(-1), fc.nat()), { maxLength: 300 }), (ops) => {
        // a 1-byte counter (256 values) so that wrap-around is exercised
        const a = new ExtranonceAllocator(2, 'c0', 1000);
        const live: string[] = [];
        let now = 0;
        for (const op of ops) {
          now += 10;
          if (op === -1 || live.length === 0) {
            if (live.length >= 120) continue; // live + resumable stay below the 256 values
            const v = a.allocate(now);
            expect(live).not.toContain(v);
            expect(v.startsWith('c0')).toBe(true);
            live.push(v);
          } else {
            const [v] = live.splice(op % live.length, 1);
            a.release(v!, now);
          }
        }
        expect(a.liveCount()).toBe(live.length);
      }),
    );
  });

  it('gives the processes of one task disjoint lanes of the same prefix, also where the counter wraps', () => {
    const lanes = [0, 1, 2].map((index) => new ExtranonceAllocator(2, 'c0', 1000, { index, count: 3 }));
    // 1-byte counter: lanes of 86, 85 and 85 values; take them all, each lane from its random start.
    const values = lanes.flatMap((a, i) => Array.from({ length: i === 0 ? 86 : 85 }, () => a.allocate(0)));
    expect(new Set(values).size).toBe(256);
    for (const [i, a] of lanes.entries()) {
      expect(() => a.allocate(0)).toThrow(/exhausted/);
      expect(values.filter((v) => Number.parseInt(v.slice(2), 16) % 3 === i)).toHaveLength(i === 0 ? 86 : 85);
    }
    expect(() => new ExtranonceAllocator(4, '', 1000, { index: 2, count: 2 })).toThrow(/lane/);
  });

  it('gives a released value back to a resuming session within the window, once', () => {
    const a = new ExtranonceAllocator(4, '', 1000);
    const v = a.allocate(0);
    a.release(v, 100);
    expect(a.resume(v, 1099)).toBe(v);
    expect(a.liveCount()).toBe(1);
    expect(a.resume(v, 1099)).toBeUndefined(); // live again: a second resumer does not get it
  });

  it('refuses to resume a value that is still live', () => {
    const a = new ExtranonceAllocator(4, '', 1000);
    const v = a.allocate(0);
    expect(a.resume(v, 10)).toBeUndefined();
    expect(a.liveCount()).toBe(1);
  });

  it('refuses to resume after the window and a value it never issued', () => {
    const a = new ExtranonceAllocator(4, '', 1000);
    const v = a.allocate(0);
    a.release(v, 0);
    expect(a.resume(v, 1000)).toBeUndefined();
    expect(a.resume('deadbeef', 0)).toBeUndefined();
  });

  it('does not reissue a released value while it may still be resumed', () => {
    const a = new ExtranonceAllocator(2, '', 1000);
    const v = a.allocate(0);
    a.release(v, 0);
    for (let i = 0; i < 1000; i++) expect(a.allocate(10)).not.toBe(v);
  });

  it('refuses a prefix that is not lower-case hex or leaves no room for a counter', () => {
    expect(() => new ExtranonceAllocator(4, 'zz')).toThrow(/must be hex/);
    expect(() => new ExtranonceAllocator(4, 'abc')).toThrow(/must be hex/);
    expect(() => new ExtranonceAllocator(2, 'abcd')).toThrow(/shorter than/);
  });
});

describe('ExtranonceAllocator: resume by the same client', () => {
  it('gives a released value back only to the client (IP or IPv6 /64) that held it', () => {
    const a = new ExtranonceAllocator(EXTRANONCE1_SIZE, 'beef', 1000);
    const v = a.allocate(0);
    expect(v).toMatch(/^beef[0-9a-f]{8}$/);
    a.release(v, 0, '203.0.113.9');
    expect(a.resume(v, 10, '198.51.100.7')).toBeUndefined(); // someone guessing the session id
    expect(a.resume(v, 10)).toBeUndefined();
    expect(a.resume(v, 20, '203.0.113.9')).toBe(v);
  });
});
