import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Level, PRICE_SCALE, type VenueBook } from '../../../core/conversion/book.js';
import { ceilDiv } from '../../../core/conversion/decimal.js';
import { bestExecution, type ExecutionBounds } from '../../../core/conversion/execution.js';

const OPEN: ExecutionBounds = { maxSpreadBps: 10_000, maxSlippageBps: 10_000, maxPriceAgeMs: 60_000 };
const NOW = 1_000_000;

const level = (price: bigint, amount: bigint): Level => ({ price, amount, priceText: String(price) });

/** Bids descending from `top`, one ask above the top bid (spread within the open bounds). */
const bookArb = (exchange: string) =>
  fc
    .record({
      top: fc.bigInt({ min: 10n ** 20n, max: 10n ** 22n }),
      steps: fc.array(
        fc.record({ down: fc.bigInt({ min: 0n, max: 10n ** 19n }), amount: fc.bigInt({ min: 1n, max: 10n ** 9n }) }),
        {
          minLength: 1,
          maxLength: 8,
        },
      ),
      takerFeeBps: fc.integer({ min: 0, max: 100 }),
      withdrawalFee: fc.bigInt({ min: 0n, max: 50_000n }),
    })
    .map(({ top, steps, takerFeeBps, withdrawalFee }): VenueBook => {
      let price = top;
      const bids = steps.map((s) => {
        price = price - s.down > 1n ? price - s.down : 1n;
        return level(price, s.amount);
      });
      return {
        exchange,
        bids,
        asks: [level(top + top / 1000n, 10n ** 8n)],
        fetchedAt: NOW,
        takerFeeBps,
        withdrawalFee,
      };
    });

const booksArb = fc.tuple(bookArb('binance'), bookArb('kraken'), bookArb('okx'));

/** One exchange alone: its own bids best first, fees as the exchange charges them. Written apart from walk(). */
function single(amount: bigint, b: VenueBook): bigint | undefined {
  let left = amount;
  let value = 0n;
  for (const l of b.bids) {
    const q = l.amount < left ? l.amount : left;
    value += q * l.price;
    left -= q;
  }
  if (left > 0n) return undefined;
  const gross = value / PRICE_SCALE;
  return gross - ceilDiv(gross * BigInt(b.takerFeeBps), 10_000n) - b.withdrawalFee;
}

describe('best execution (property)', () => {
  it('is never worse than the best single exchange, all fees included', () => {
    fc.assert(
      fc.property(booksArb, fc.bigInt({ min: 1n, max: 3n * 10n ** 9n }), (books, amount) => {
        const plan = bestExecution(amount, books, OPEN, NOW);
        const singles = books.map((b) => single(amount, b)).filter((n): n is bigint => n !== undefined);
        const bestSingle = singles.reduce<bigint | undefined>((m, n) => (m === undefined || n > m ? n : m), undefined);
        if (!plan.ok) {
          // Refused only when no combination has the depth, or fees eat everything.
          expect(['depth', 'unprofitable']).toContain(plan.reason);
          if (plan.reason === 'depth') expect(bestSingle).toBeUndefined();
          else expect(bestSingle === undefined || bestSingle <= 0n).toBe(true);
          return;
        }
        if (bestSingle !== undefined) {
          expect(plan.net >= bestSingle).toBe(true);
          expect(plan.bestSingle?.net).toBe(bestSingle);
        }
      }),
    );
  });

  it('sells exactly the amount, within each book, and nets what its legs net', () => {
    fc.assert(
      fc.property(booksArb, fc.bigInt({ min: 1n, max: 3n * 10n ** 9n }), (books, amount) => {
        const plan = bestExecution(amount, books, OPEN, NOW);
        if (!plan.ok) return;
        expect(plan.legs.reduce((s, l) => s + l.amount, 0n)).toBe(amount);
        expect(plan.legs.reduce((s, l) => s + l.net, 0n)).toBe(plan.net);
        for (const leg of plan.legs) {
          const book = books.find((b) => b.exchange === leg.exchange)!;
          expect(leg.amount > 0n).toBe(true);
          expect(leg.amount <= book.bids.reduce((s, l) => s + l.amount, 0n)).toBe(true);
          expect(leg.net).toBe(leg.gross - leg.fee - leg.withdrawalFee);
          // The limit price is a level of that book and every planned fill is at or above it.
          expect(book.bids.some((l) => l.price === leg.limitPrice)).toBe(true);
          expect(leg.gross * PRICE_SCALE >= leg.amount * leg.limitPrice - PRICE_SCALE).toBe(true);
        }
        expect(bestExecution(amount, [...books].reverse(), OPEN, NOW)).toEqual(plan);
      }),
    );
  });

  it('never uses a book older than the bound', () => {
    fc.assert(
      fc.property(
        booksArb,
        fc.integer({ min: 0, max: 2 }),
        fc.bigInt({ min: 1n, max: 10n ** 8n }),
        (books, staleIndex, amount) => {
          const aged = books.map((b, i) => (i === staleIndex ? { ...b, fetchedAt: NOW - OPEN.maxPriceAgeMs - 1 } : b));
          const plan = bestExecution(amount, aged, OPEN, NOW);
          if (plan.ok) expect(plan.legs.some((l) => l.exchange === aged[staleIndex]!.exchange)).toBe(false);
        },
      ),
    );
  });
});

describe('best execution (examples)', () => {
  const P = 10n ** 21n; // 0.001 target per source, scaled
  const book = (exchange: string, bids: Level[], fee = 0, withdrawalFee = 0n, fetchedAt = NOW): VenueBook => ({
    exchange,
    bids,
    asks: [level(bids[0]!.price + bids[0]!.price / 1000n, 10n ** 8n)],
    fetchedAt,
    takerFeeBps: fee,
    withdrawalFee,
  });

  it('splits across exchanges when the better levels are spread over them', () => {
    const a = book('a', [level(P, 100_000_000n), level(P / 2n, 10n ** 9n)]);
    const b = book('b', [level(P, 100_000_000n), level(P / 2n, 10n ** 9n)]);
    const plan = bestExecution(200_000_000n, [a, b], OPEN, NOW);
    expect(plan.ok && plan.legs.map((l) => [l.exchange, l.amount])).toEqual([
      ['a', 100_000_000n],
      ['b', 100_000_000n],
    ]);
    expect(plan.ok && plan.net).toBe(200_000n);
    expect(plan.ok && plan.bestSingle?.net).toBe(150_000n);
  });

  it('does not split when a second withdrawal fee costs more than the better price gains', () => {
    const a = book('a', [level(P, 100_000_000n), level(P - P / 100n, 10n ** 9n)], 0, 5_000n);
    const b = book('b', [level(P, 100_000_000n)], 0, 5_000n);
    const plan = bestExecution(200_000_000n, [a, b], OPEN, NOW);
    // Split: 200000 − 10000 = 190000; a alone: 100000 + 99000 − 5000 = 194000.
    expect(plan.ok && plan.legs.map((l) => l.exchange)).toEqual(['a']);
    expect(plan.ok && plan.net).toBe(194_000n);
  });

  it('prefers the exchange with the lower fee at the same price', () => {
    const plan = bestExecution(
      100_000_000n,
      [book('a', [level(P, 10n ** 9n)], 20), book('b', [level(P, 10n ** 9n)], 10)],
      OPEN,
      NOW,
    );
    expect(plan.ok && plan.legs.map((l) => [l.exchange, l.fee, l.net])).toEqual([['b', 100n, 99_900n]]);
  });

  it('refuses stale prices, wide spreads, thin books, slippage and fee-eaten amounts', () => {
    const fresh = book('a', [level(P, 100_000_000n), level(P / 2n, 10n ** 9n)]);
    expect(bestExecution(1n, [book('a', [level(P, 1n)], 0, 0n, NOW - 60_001)], OPEN, NOW)).toMatchObject({
      reason: 'stale',
    });
    expect(
      bestExecution(1n, [{ ...fresh, asks: [level(P * 2n, 1n)] }], { ...OPEN, maxSpreadBps: 50 }, NOW),
    ).toMatchObject({
      reason: 'spread',
    });
    expect(bestExecution(10n ** 10n, [fresh], OPEN, NOW)).toMatchObject({ reason: 'depth' });
    expect(bestExecution(200_000_000n, [fresh], { ...OPEN, maxSlippageBps: 100 }, NOW)).toMatchObject({
      reason: 'slippage',
    });
    expect(bestExecution(100_000_000n, [book('a', [level(P, 10n ** 9n)], 0, 100_001n)], OPEN, NOW)).toMatchObject({
      reason: 'unprofitable',
    });
    expect(bestExecution(1n, [], OPEN, NOW)).toMatchObject({ reason: 'no-books' });
  });
});
