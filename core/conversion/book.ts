import { type Decimal, floorDiv, parseDecimal } from './decimal.js';

/**
 * Prices as integers: target base units per ONE source base unit, times 10^PRICE_DECIMALS. 24 decimals keep every
 * real quote exact (a price with up to 24 + target decimals − source decimals fractional digits), e.g. LTC/BTC at
 * 0.00123 is 1.23e21 and LTC/USDT (6 decimals) at 80.5 is 8.05e23.
 */
export const PRICE_DECIMALS = 24;
export const PRICE_SCALE = 10n ** BigInt(PRICE_DECIMALS);

/** One price level of a book: selling `amount` source base units there yields amount × price / PRICE_SCALE. */
export interface Level {
  price: bigint;
  amount: bigint;
  /** The price as the exchange wrote it (whole target per whole source), for a limit order at exactly this level. */
  priceText: string;
}

/** The currencies of a market `SOURCE/TARGET` (base/quote) and their decimals. */
export interface MarketUnits {
  sourceDecimals: number;
  targetDecimals: number;
}

/** What one exchange offers for selling the source coin now. */
export interface VenueBook {
  exchange: string;
  /** Best (highest) first. */
  bids: Level[];
  /** Best (lowest) first; only the best ask is used (spread, reference). */
  asks: Level[];
  /** When the book was read (ms); a book older than the bound is not used. */
  fetchedAt: number;
  /** Taker fee in basis points of what a fill yields. */
  takerFeeBps: number;
  /** Fixed fee (target base units) to withdraw the proceeds from this exchange, paid once if the exchange is used. */
  withdrawalFee: bigint;
}

/** A decimal price (whole target per whole source) → the scaled integer price, floored. */
export function scalePrice(price: string | number | Decimal, units: MarketUnits): bigint {
  const d = typeof price === 'object' ? price : parseDecimal(price);
  return floorDiv(
    d.digits * 10n ** BigInt(units.targetDecimals + PRICE_DECIMALS),
    10n ** BigInt(d.scale + units.sourceDecimals),
  );
}

/**
 * An order book side as exchange libraries return it (`[[price, amount], …]` in whole units, numbers or strings)
 * → levels in base units. Levels that round to no amount or no price are dropped; order is kept.
 */
export function levelsFrom(
  side: ReadonlyArray<readonly [string | number, string | number, ...unknown[]]>,
  units: MarketUnits,
): Level[] {
  const out: Level[] = [];
  for (const [p, a] of side) {
    const priceText = String(p);
    const price = scalePrice(priceText, units);
    const d = parseDecimal(a);
    const amount = floorDiv(d.digits * 10n ** BigInt(units.sourceDecimals), 10n ** BigInt(d.scale));
    if (price > 0n && amount > 0n) out.push({ price, amount, priceText });
  }
  return out;
}

/** Mid price of a book (scaled), or undefined when a side is empty. */
export function midPrice(book: Pick<VenueBook, 'bids' | 'asks'>): bigint | undefined {
  const bid = book.bids[0];
  const ask = book.asks[0];
  if (!bid || !ask) return undefined;
  return (bid.price + ask.price) / 2n;
}

/** (ask − bid) / mid in basis points, rounded up; undefined for a one-sided book. A crossed book counts as 0. */
export function spreadBps(book: Pick<VenueBook, 'bids' | 'asks'>): bigint | undefined {
  const mid = midPrice(book);
  if (mid === undefined || mid === 0n) return undefined;
  const diff = book.asks[0]!.price - book.bids[0]!.price;
  if (diff <= 0n) return 0n;
  return (diff * 10_000n + mid - 1n) / mid;
}
