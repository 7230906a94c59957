import { describe, expect, it, vi } from 'vitest';
import { lazyDeps } from '../../../lambdas/shared/lazy-deps.js';

describe('lazyDeps', () => {
  it('builds once, on first use, and shares the result with concurrent invocations', async () => {
    const make = vi.fn(async () => ({ n: 1 }));
    const deps = lazyDeps(make);
    expect(make).not.toHaveBeenCalled();
    const [a, b] = await Promise.all([deps(), deps()]);
    expect(a).toBe(b);
    expect(await deps()).toBe(a);
    expect(make).toHaveBeenCalledTimes(1);
  });

  it('does not keep a failed build: the next invocation tries again', async () => {
    const make = vi.fn().mockRejectedValueOnce(new Error('secret unreadable')).mockResolvedValue({ n: 2 });
    const deps = lazyDeps(make as () => Promise<{ n: number }>);
    await expect(deps()).rejects.toThrow('secret unreadable');
    expect(await deps()).toEqual({ n: 2 });
    expect(await deps()).toEqual({ n: 2 });
    expect(make).toHaveBeenCalledTimes(2);
  });
});
