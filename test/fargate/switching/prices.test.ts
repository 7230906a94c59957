import { describe, expect, it } from 'vitest';
import { PRICE_SCALE, scalePrice } from '../../../core/conversion/book.js';
import type { Exchange, ExchangeBook } from '../../../core/ports/exchange.js';
import { PricePoller } from '../../../fargate/src/switching/prices.js';
import { RecordingLogger } from '../stratum/fakes.js';

/** An exchange whose books the test sets per market (undefined: the read fails). */
function exchange(id: string, books: Record<string, ExchangeBook | undefined>): Exchange {
  return {
    id,
    fetchOrderBook: async (market) => {
      const b = books[market];
      if (!b) throw new Error(`${id}: ${market} unavailable`);
      return b;
    },
  } as Exchange;
}
const at = (bid: string, ask: string, fetchedAt = 1_000): ExchangeBook => ({
  bids: [[bid, '10']],
  asks: [[ask, '10']],
  fetchedAt,
});
const BTC8 = { sourceDecimals: 8, targetDecimals: 8 };

function poller(exchanges: Exchange[], mode: 'mid' | 'bid' = 'mid') {
  const log = new RecordingLogger();
  return {
    log,
    p: new PricePoller({
      exchanges,
      coins: ['LTC', 'BTC'],
      quote: 'BTC',
      mode,
      intervalMs: 60_000,
      log,
      now: () => 5_000,
    }),
  };
}

describe('PricePoller', () => {
  it('takes the median of the exchanges that answered (one broken book alone moves nothing)', async () => {
    const { p, log } = poller([
      exchange('a', { 'LTC/BTC': at('0.00099', '0.00101', 1_000) }),
      exchange('b', { 'LTC/BTC': at('0.5', '0.5', 2_000) }), // broken
      exchange('c', { 'LTC/BTC': at('0.00100', '0.00102', 3_000) }),
      exchange('d', {}), // down
    ]);
    await p.poll();
    expect(p.price('LTC')).toEqual({ price: scalePrice('0.00101', BTC8), text: '0.00101', at: 1_000 });
    expect(log.entries.map((e) => e.msg)).toEqual(['price: book not read']);
  });

  it('reads the best bid when asked to, and the quote currency itself is worth exactly 1, now', async () => {
    const { p } = poller([exchange('a', { 'LTC/BTC': at('0.00099', '0.00101') })], 'bid');
    await p.poll();
    expect(p.price('LTC')?.text).toBe('0.00099');
    expect(p.price('BTC')).toEqual({ price: PRICE_SCALE, text: '1', at: 5_000 });
  });

  it('keeps the last price with its old time when no exchange answers, so it goes stale', async () => {
    const books: Record<string, ExchangeBook | undefined> = { 'LTC/BTC': at('0.001', '0.001', 1_000) };
    const { p } = poller([exchange('a', books)]);
    await p.poll();
    books['LTC/BTC'] = undefined;
    await p.poll();
    expect(p.price('LTC')).toMatchObject({ text: '0.001', at: 1_000 });
    books['LTC/BTC'] = { bids: [], asks: [['0.002', '1']], fetchedAt: 9_000 }; // one-sided: no mid
    await p.poll();
    expect(p.price('LTC')).toMatchObject({ text: '0.001', at: 1_000 });
  });
});
