/**
 * Retries a call whose failure `isTransient` (network errors, timeouts, rate limits), with exponential backoff;
 * anything else is thrown at once. Only for calls that are safe to repeat (reads, and writes the exchange
 * deduplicates): placing an order is never retried blindly.
 */
export async function withRetries<T>(
  call: () => Promise<T>,
  isTransient: (err: unknown) => boolean,
  opts: { attempts: number; baseDelayMs: number; sleep?: (ms: number) => Promise<void> },
): Promise<T> {
  const sleep = opts.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= opts.attempts || !isTransient(err)) throw err;
      await sleep(opts.baseDelayMs * 2 ** (attempt - 1));
    }
  }
}
