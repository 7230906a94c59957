import type { VenueBook } from './book.js';
import { bestExecution, type ExecutionBounds } from './execution.js';
import { conversionFee } from './proceeds.js';

/**
 * What converting a reference amount of the coin into one target would bring now: the conversion pass computes it
 * from the books it reads anyway (every run, with the same best execution and bounds as a conversion) and stores
 * the latest per target; the stats API shows it to miners choosing a payout currency.
 */
export interface ConversionQuote {
  target: string;
  /** Source base units quoted (quoteAmount). */
  amount: bigint;
  /** When the pass computed it (ms). */
  quotedAt: number;
  /** How old the oldest book it read was at that time (ms). */
  bookAgeMs: number;
  /** Target base units the amount would bring after exchange, withdrawal and pool fees. */
  net?: bigint;
  /** Target base units of each kind of fee, summed over the exchanges used. */
  exchangeFee?: bigint;
  withdrawalFee?: bigint;
  poolFee?: bigint;
  exchanges?: string[];
  slippageBps?: number;
  /** Why the pool would not convert now (`<reason>: <detail>`: stale, spread, slippage, depth…). */
  refused?: string;
}

/** The amount quoted: one whole coin, or the conversion minimum when that is larger. */
export function quoteAmount(decimals: number, minimum: bigint): bigint {
  const coin = 10n ** BigInt(decimals);
  return minimum > coin ? minimum : coin;
}

/**
 * A quote older than two schedule periods is stale: the pass missed a run (or every exchange failed since), so the
 * rate is no longer what a conversion would get.
 */
export function quoteIsStale(quote: Pick<ConversionQuote, 'quotedAt'>, scheduleMinutes: number, now: number): boolean {
  return now - quote.quotedAt > 2 * scheduleMinutes * 60_000;
}

/** The quote of `amount` from the books read now (empty books: a `no-books` refusal). */
export function quoteFromBooks(input: {
  target: string;
  amount: bigint;
  books: readonly VenueBook[];
  bounds: ExecutionBounds;
  feeShareBps: number;
  now: number;
}): ConversionQuote {
  const { target, amount, books, now } = input;
  const oldest = books.reduce((t, b) => Math.min(t, b.fetchedAt), now);
  const base = { target, amount, quotedAt: now, bookAgeMs: now - oldest };
  const plan = bestExecution(amount, books, input.bounds, now);
  if (!plan.ok) return { ...base, refused: `${plan.reason}: ${plan.detail}` };
  const poolFee = conversionFee({
    received: plan.net,
    sold: amount,
    planned: amount,
    referenceNet: plan.bestSingle?.net,
    feeShareBps: input.feeShareBps,
  });
  return {
    ...base,
    net: plan.net - poolFee,
    exchangeFee: plan.legs.reduce((s, l) => s + l.fee, 0n),
    withdrawalFee: plan.legs.reduce((s, l) => s + l.withdrawalFee, 0n),
    poolFee,
    exchanges: plan.legs.map((l) => l.exchange),
    slippageBps: Number(plan.slippageBps),
  };
}
