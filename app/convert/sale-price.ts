import { levelsFrom } from '../../core/conversion/book.js';
import { TARGET_CURRENCIES, type TargetCurrency } from '../../core/conversion/config.js';
import { bestExecution } from '../../core/conversion/execution.js';
import type { ConversionLeg, ConversionRecord } from '../../core/conversion/record.js';
import { ExchangeRejectedError, ExchangeUnavailableError } from '../../core/ports/exchange.js';
import { boundsOf, type ConvertDeps } from './deps.js';

/**
 * The legs a conversion leaving `pending` sells at. A conversion ordered right after its plan keeps the planned limit
 * prices; one that waited longer than `maxPriceAgeSeconds` (deposits being confirmed, a crash) has its books read
 * again: each leg's fixed amount (its coins are on that exchange now) is walked on its exchange's current book
 * within the bounds (staleness, spread, slippage, depth) and gets that limit price. Undefined — keep waiting, sell
 * nothing — when a book does not answer or is outside the bounds. Amounts and client order ids never change, so a
 * retry still finds an order by its id; the prices are recorded with the move to `ordered`, before any order.
 */
export async function saleLegs(
  deps: Pick<ConvertDeps, 'decimals' | 'config' | 'exchanges' | 'log' | 'now'>,
  r: ConversionRecord,
): Promise<ConversionLeg[] | undefined> {
  const bounds = boundsOf(deps.config);
  if (deps.now() - r.createdAt <= bounds.maxPriceAgeMs) return r.legs;
  const units = { sourceDecimals: deps.decimals, targetDecimals: TARGET_CURRENCIES[r.target as TargetCurrency] };
  const legs: ConversionLeg[] = [];
  for (const leg of r.legs) {
    const client = deps.exchanges.get(leg.exchange);
    let why: string;
    try {
      if (!client) throw new ExchangeUnavailableError(leg.exchange, 'not configured');
      const book = await client.fetchOrderBook(r.market);
      const venue = {
        exchange: leg.exchange,
        bids: levelsFrom(book.bids, units),
        asks: levelsFrom(book.asks, units),
        fetchedAt: book.fetchedAt,
        takerFeeBps: leg.takerFeeBps,
        withdrawalFee: leg.withdrawalFee,
      };
      const plan = bestExecution(leg.amount, [venue], bounds, deps.now());
      if (plan.ok) {
        legs.push({ ...leg, limitPriceText: plan.legs[0]!.limitPriceText, expectedNet: plan.net });
        continue;
      }
      why = `${plan.reason}: ${plan.detail}`;
    } catch (err) {
      if (!(err instanceof ExchangeUnavailableError || err instanceof ExchangeRejectedError)) throw err;
      why = err.message;
    }
    deps.log.warn({ conversion: r.id, exchange: leg.exchange, why }, 'sale waits for a book within the bounds');
    return undefined;
  }
  return legs;
}
