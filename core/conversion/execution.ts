import { midPrice, PRICE_SCALE, spreadBps, type VenueBook } from './book.js';
import { ceilDiv } from './decimal.js';

/** Operator bounds of a conversion (the coin's `conversion` config). */
export interface ExecutionBounds {
  /** A book whose bid/ask spread is wider than this is not used. */
  maxSpreadBps: number;
  /** The average fill price may be at most this far below the reference (mid of the best book). */
  maxSlippageBps: number;
  /** A book read longer ago than this is not used. */
  maxPriceAgeMs: number;
}

/** What to sell on one exchange, and what it should yield. */
export interface Leg {
  exchange: string;
  /** Source base units to sell. */
  amount: bigint;
  /** Target base units the fills yield before fees. */
  gross: bigint;
  /** Taker fee (rounded up: never promise more than the exchange pays). */
  fee: bigint;
  withdrawalFee: bigint;
  /** gross − fee − withdrawalFee. */
  net: bigint;
  /** The lowest level the walk reached: a limit-IOC order at this price cannot fill worse than planned. */
  limitPrice: bigint;
  limitPriceText: string;
}

export interface ExecutionPlan {
  ok: true;
  amount: bigint;
  legs: Leg[];
  gross: bigint;
  net: bigint;
  /** Mid price (scaled) of the best usable book: the rate slippage is measured against. */
  reference: bigint;
  /** How far the average gross fill price is below the reference, basis points rounded up (0 when above). */
  slippageBps: bigint;
  /** The best any one exchange alone would give for the whole amount (all fees included), if any can. */
  bestSingle: { exchange: string; net: bigint } | undefined;
}

export type RefusalReason = 'no-books' | 'stale' | 'spread' | 'depth' | 'slippage' | 'unprofitable';

export interface Refusal {
  ok: false;
  reason: RefusalReason;
  detail: string;
}

/** Subsets are enumerated: 2^n plans. Conversion is configured with a handful of exchanges. */
export const MAX_VENUES = 8;

/**
 * Best execution of selling `amount` source base units across exchanges. For every subset of usable exchanges the
 * merged bids are walked greedily by price net of each exchange's taker fee — optimal for the part that is linear
 * in the amount — and each exchange used pays its fixed withdrawal fee once; trying every subset handles those
 * fixed fees exactly. The best net wins (ties: fewer legs, then exchange names), so the result is never worse than
 * any single exchange's walk of its own book with the same fees.
 *
 * Refuses instead of trading when no book is fresh (older than maxPriceAgeMs), every fresh book's spread is wider
 * than maxSpreadBps, no subset has the depth, the average fill is further than maxSlippageBps below the reference
 * (mid of the usable book with the best bid), or nothing would be left after fees.
 */
export function bestExecution(
  amount: bigint,
  books: readonly VenueBook[],
  bounds: ExecutionBounds,
  now: number,
): ExecutionPlan | Refusal {
  if (amount <= 0n) throw new RangeError(`cannot convert ${amount}`);
  if (books.length > MAX_VENUES) throw new RangeError(`at most ${MAX_VENUES} exchanges, got ${books.length}`);
  if (books.length === 0) return refuse('no-books', 'no exchange answered with a book');
  const fresh = books.filter((b) => now - b.fetchedAt <= bounds.maxPriceAgeMs);
  if (fresh.length === 0) {
    return refuse('stale', `every book is older than ${bounds.maxPriceAgeMs} ms`);
  }
  const usable = fresh
    .filter((b) => {
      const s = spreadBps(b);
      return s !== undefined && s <= BigInt(bounds.maxSpreadBps);
    })
    .sort((a, b) => cmp(a.exchange, b.exchange));
  if (usable.length === 0) {
    const spreads = fresh.map((b) => `${b.exchange} ${spreadBps(b) ?? 'one-sided'}`).join(', ');
    return refuse('spread', `every fresh book is one-sided or wider than ${bounds.maxSpreadBps} bps (${spreads})`);
  }
  const best = [...usable].sort((a, b) =>
    a.bids[0]!.price === b.bids[0]!.price ? cmp(a.exchange, b.exchange) : a.bids[0]!.price > b.bids[0]!.price ? -1 : 1,
  )[0]!;
  const reference = midPrice(best)!;

  let chosen: Leg[] | undefined;
  let chosenNet = 0n;
  let bestSingle: ExecutionPlan['bestSingle'];
  for (let mask = 1; mask < 1 << usable.length; mask++) {
    const subset = usable.filter((_, i) => mask & (1 << i));
    const legs = walk(amount, subset);
    if (!legs) continue;
    const net = legs.reduce((s, l) => s + l.net, 0n);
    if (subset.length === 1 && (!bestSingle || net > bestSingle.net))
      bestSingle = { exchange: subset[0]!.exchange, net };
    if (!chosen || net > chosenNet || (net === chosenNet && legs.length < chosen.length)) {
      chosen = legs;
      chosenNet = net;
    }
  }
  if (!chosen) return refuse('depth', `the usable books together cannot absorb ${amount}`);
  if (chosenNet <= 0n) return refuse('unprofitable', `fees take everything (net ${chosenNet})`);
  const gross = chosen.reduce((s, l) => s + l.gross, 0n);
  const slippage = slippageBps(amount, gross, reference);
  if (slippage > BigInt(bounds.maxSlippageBps)) {
    return refuse('slippage', `average fill is ${slippage} bps below the reference, bound ${bounds.maxSlippageBps}`);
  }
  return { ok: true, amount, legs: chosen, gross, net: chosenNet, reference, slippageBps: slippage, bestSingle };
}

/**
 * The greedy walk of the merged bids of `books` for `amount`, or undefined when they are too thin. Levels are
 * taken by price × (1 − fee), best first; ties by exchange name, then book order. Exchanges that get nothing are
 * left out (they pay no withdrawal fee).
 */
export function walk(amount: bigint, books: readonly VenueBook[]): Leg[] | undefined {
  const levels = books.flatMap((b, bi) =>
    b.bids.map((l, li) => ({ book: bi, li, l, key: l.price * BigInt(10_000 - b.takerFeeBps) })),
  );
  levels.sort((x, y) =>
    x.key === y.key ? cmp(books[x.book]!.exchange, books[y.book]!.exchange) || x.li - y.li : x.key > y.key ? -1 : 1,
  );
  const taken = books.map(() => ({
    amount: 0n,
    value: 0n,
    worst: undefined as (typeof levels)[number]['l'] | undefined,
  }));
  let left = amount;
  for (const { book, l } of levels) {
    if (left === 0n) break;
    const q = l.amount < left ? l.amount : left;
    const t = taken[book]!;
    t.amount += q;
    t.value += q * l.price;
    t.worst = l;
    left -= q;
  }
  if (left > 0n) return undefined;
  const legs: Leg[] = [];
  books.forEach((b, i) => {
    const t = taken[i]!;
    if (t.amount === 0n) return;
    const gross = t.value / PRICE_SCALE;
    const fee = ceilDiv(gross * BigInt(b.takerFeeBps), 10_000n);
    legs.push({
      exchange: b.exchange,
      amount: t.amount,
      gross,
      fee,
      withdrawalFee: b.withdrawalFee,
      net: gross - fee - b.withdrawalFee,
      limitPrice: t.worst!.price,
      limitPriceText: t.worst!.priceText,
    });
  });
  return legs;
}

/** How far gross/amount lies below the reference price, in basis points rounded up; 0 when at or above it. */
export function slippageBps(amount: bigint, gross: bigint, reference: bigint): bigint {
  const atReference = reference * amount;
  const got = gross * PRICE_SCALE;
  if (got >= atReference || atReference === 0n) return 0n;
  return ceilDiv((atReference - got) * 10_000n, atReference);
}

function refuse(reason: RefusalReason, detail: string): Refusal {
  return { ok: false, reason, detail };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
