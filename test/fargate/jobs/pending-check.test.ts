import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CheckListener, PendingCheck } from '../../../fargate/src/jobs/pending-check.js';
import type { ShareCheck } from '../../../fargate/src/jobs/types.js';

const ACCEPTED: ShareCheck = { ok: true, hash: 'ab', actualDifficulty: 2, networkDifficulty: 9, height: 7 };
const LOW: ShareCheck = { ok: false, code: 23, message: 'low difficulty share' };

/** A listener that writes down what it was told, in order. */
function recorder() {
  const told: Array<['checked', ShareCheck] | ['failed', unknown]> = [];
  const listener: CheckListener<ShareCheck> = {
    checked: (c) => told.push(['checked', c]),
    checkFailed: (err) => told.push(['failed', err]),
  };
  return { told, listener };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('PendingCheck', () => {
  it('tells a listener the verdict when it comes, synchronously, and a late listener at once', () => {
    const pending = new PendingCheck<ShareCheck>();
    const early = recorder();
    pending.listen(early.listener);
    expect(early.told).toEqual([]);
    pending.resolve(ACCEPTED);
    expect(early.told).toEqual([['checked', ACCEPTED]]); // within resolve: no microtask between
    const late = recorder();
    pending.listen(late.listener);
    expect(late.told).toEqual([['checked', ACCEPTED]]);
  });

  it('tells every listener, once each; the first settlement counts', () => {
    const pending = new PendingCheck<ShareCheck>();
    const all = [recorder(), recorder(), recorder()];
    for (const r of all) pending.listen(r.listener);
    pending.resolve(LOW);
    pending.resolve(ACCEPTED);
    pending.reject(new Error('late'));
    for (const r of all) expect(r.told).toEqual([['checked', LOW]]);
  });

  it('passes a failure to its listeners and to await', async () => {
    const pending = new PendingCheck<ShareCheck>();
    const r = recorder();
    pending.listen(r.listener);
    const err = new Error('hash failed');
    pending.reject(err);
    expect(r.told).toEqual([['failed', err]]);
    await expect(pending).rejects.toBe(err);
  });

  it('settles with a promise of the verdict (a block submitted first) once the promise does', async () => {
    const pending = new PendingCheck<ShareCheck>();
    const r = recorder();
    pending.listen(r.listener);
    let submitted!: (c: ShareCheck) => void;
    pending.resolve(new Promise<ShareCheck>((res) => (submitted = res)));
    await Promise.resolve();
    expect(r.told).toEqual([]);
    submitted(ACCEPTED);
    expect(await pending).toEqual(ACCEPTED);
    expect(r.told).toEqual([['checked', ACCEPTED]]);
    const failing = new PendingCheck<ShareCheck>();
    failing.resolve(Promise.reject(new Error('daemon down')));
    await expect(failing).rejects.toThrow('daemon down');
  });

  it('is awaited like a promise, before and after it settles', async () => {
    const pending = new PendingCheck<ShareCheck>();
    setImmediate(() => pending.resolve(ACCEPTED));
    expect(await pending).toBe(ACCEPTED);
    expect(await pending).toBe(ACCEPTED);
    expect(await pending.then((c) => c.ok)).toBe(true);
  });

  it('maps the verdict without a promise; a mapping that throws fails the mapped check only', async () => {
    const pending = new PendingCheck<ShareCheck>();
    const credited = pending.map((c) => (c.ok ? { ...c, coin: 'DOGE' } : c));
    const broken = pending.map((): ShareCheck => {
      throw new Error('bad mapping');
    });
    const r = recorder();
    credited.listen(r.listener);
    pending.resolve(ACCEPTED);
    expect(r.told).toEqual([['checked', { ...ACCEPTED, coin: 'DOGE' }]]);
    await expect(broken).rejects.toThrow('bad mapping');
    expect(await pending).toBe(ACCEPTED);
    const failed = new PendingCheck<ShareCheck>();
    const mapped = failed.map((c) => c);
    failed.reject(new Error('no hash'));
    await expect(mapped).rejects.toThrow('no hash');
  });

  it('still tells the other listeners when one throws, and lets the throw surface as an uncaught error', () => {
    const surfaced: Array<() => void> = [];
    vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((fn) => surfaced.push(fn));
    const pending = new PendingCheck<ShareCheck>();
    const before = recorder();
    const after = recorder();
    pending.listen(before.listener);
    pending.listen({
      checked: () => {
        throw new Error('listener bug');
      },
      checkFailed: () => {},
    });
    pending.listen(after.listener);
    pending.resolve(ACCEPTED);
    expect(before.told).toEqual([['checked', ACCEPTED]]);
    expect(after.told).toEqual([['checked', ACCEPTED]]);
    expect(surfaced).toHaveLength(1);
    expect(() => surfaced[0]!()).toThrow('listener bug');
  });
});
