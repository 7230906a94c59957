import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers/promises';

/** Runs `fn` over items with at most `limit` in flight; rejects with the first failure after all settled. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  let firstError: { err: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !firstError) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        firstError ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (firstError) throw firstError.err;
}

/**
 * Runs `fn` over items in order, giving the event loop a turn whenever `sliceMs` passed since the last one: a long
 * synchronous loop (a spool segment's parse, a journal segment's fold) then holds miners' answers back for at most
 * about one slice.
 */
export async function forEachSliced<T>(
  items: readonly T[],
  sliceMs: number,
  fn: (item: T, index: number) => void,
): Promise<void> {
  let slice = performance.now();
  for (let i = 0; i < items.length; i++) {
    fn(items[i] as T, i);
    if (performance.now() - slice >= sliceMs) {
      await setImmediate();
      slice = performance.now();
    }
  }
}
