import { describe, expect, it } from 'vitest';
import { ExtranonceAllocator } from '../../../fargate/src/stratum/extranonce.js';

describe('ExtranonceAllocator', () => {
  it('hands out distinct values of the right size with the instance prefix', () => {
    const a = new ExtranonceAllocator(4, 'ab');
    const values = Array.from({ length: 5000 }, () => a.allocate(0));
    expect(new Set(values).size).toBe(5000);
    for (const v of values) expect(v).toMatch(/^ab[0-9a-f]{6}$/);
    expect(a.liveCount()).toBe(5000);
  });

  it('gives a released value back to a resuming session within the window, once', () => {
    const a = new ExtranonceAllocator(4, '', 1000);
    const v = a.allocate(0);
    expect(a.resume(v, 10)).toBeUndefined(); // still live
    a.release(v, 100);
    expect(a.resume(v, 500)).toBe(v);
    expect(a.resume(v, 600)).toBeUndefined(); // taken again
  });

  it('forgets released values after the window and never reissues one in it', () => {
    const a = new ExtranonceAllocator(2, '', 1000);
    const v = a.allocate(0);
    a.release(v, 0);
    for (let i = 0; i < 1000; i++) expect(a.allocate(10)).not.toBe(v);
    expect(a.resume(v, 5000)).toBeUndefined();
  });

  it('refuses a prefix that is not hex or leaves no room', () => {
    expect(() => new ExtranonceAllocator(4, 'zz')).toThrow(/must be hex/);
    expect(() => new ExtranonceAllocator(2, 'abcd')).toThrow(/shorter than/);
  });
});
