import type { VenueBook } from '../../core/conversion/book.js';
import { quoteAmount, quoteFromBooks } from '../../core/conversion/quote.js';
import type { ConvertDeps } from './deps.js';

/**
 * Stores what miners are shown for a target (core/conversion/quote.ts), from the books this run read anyway: the
 * stats API reads it back (the stats Lambda has no exchange library). When no exchange answered, a quote already
 * stored is kept (it turns stale with age in the API) rather than replaced by "no books"; a failed write is logged
 * and never stops the conversion pass.
 */
export async function recordQuote(
  deps: Pick<ConvertDeps, 'coin' | 'decimals' | 'config' | 'store' | 'log' | 'now'>,
  target: string,
  books: readonly VenueBook[],
  bounds: Parameters<typeof quoteFromBooks>[0]['bounds'],
): Promise<void> {
  try {
    if (books.length === 0 && (await deps.store.getQuote(deps.coin, target))) return;
    const quote = quoteFromBooks({
      target,
      amount: quoteAmount(deps.decimals, BigInt(deps.config.minimum)),
      books,
      bounds,
      feeShareBps: deps.config.feeShareBps,
      now: deps.now(),
    });
    await deps.store.putQuote(deps.coin, quote);
  } catch (err) {
    deps.log.error({ coin: deps.coin, target, err: (err as Error).message }, 'conversion quote not stored');
  }
}
