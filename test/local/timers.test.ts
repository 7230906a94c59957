import { afterEach, describe, expect, it, vi } from 'vitest';
import { everyOnePass } from '../../local/timers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('everyOnePass (local schedules)', () => {
  it('runs at start when asked, then every interval, skipping ticks while a pass still runs', async () => {
    vi.useFakeTimers();
    const passes: Array<() => void> = [];
    const fn = vi.fn(() => new Promise<void>((resolve) => passes.push(resolve)));
    const timer = everyOnePass(1000, fn, () => {}, { atStart: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(fn).toHaveBeenCalledTimes(1); // at start, without waiting an interval
    await vi.advanceTimersByTimeAsync(3000);
    expect(fn).toHaveBeenCalledTimes(1); // still running: three ticks skipped
    passes[0]!();
    await vi.advanceTimersByTimeAsync(1000);
    expect(fn).toHaveBeenCalledTimes(2);
    clearInterval(timer);
  });

  it('waits an interval without atStart, and reports a failed pass without stopping the schedule', async () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    const fn = vi.fn(async () => {
      throw new Error('exchange down');
    });
    const timer = everyOnePass(1000, fn, (err) => errors.push(err));
    await vi.advanceTimersByTimeAsync(999);
    expect(fn).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1001);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(errors.map((e) => (e as Error).message)).toEqual(['exchange down', 'exchange down']);
    clearInterval(timer);
  });
});
