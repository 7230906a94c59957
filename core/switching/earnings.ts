import { PRICE_SCALE } from '../conversion/book.js';
import { floorDiv, formatUnits } from '../conversion/decimal.js';

/**
 * What mining one chain pays per hash, exactly: a hash finds a block with probability (target + 1) / 2^256 and the
 * block pays `reward` base units worth `price` quote base units each. That is the "reward × price / (network
 * difficulty × hashes per difficulty)" with the difficulty taken at its source, the target, so no float and no
 * algorithm's difficulty-1 convention enters: coins of any multiplier compare directly.
 */
export interface ChainEarningsInput {
  /** Recent average coinbase value (subsidy and fees), base units of the chain's coin. */
  reward: bigint;
  /** The chain's network target now (a block's hash must be at most this). */
  target: bigint;
  /**
   * The coin's price: quote base units per ONE coin base unit × PRICE_SCALE (core/conversion/book.ts), as
   * `scalePrice` and `midPrice` give it.
   */
  price: bigint;
}

/**
 * Earnings per hash in exact units of quote base units × PRICE_SCALE × 2^256 (a common scale for every coin: compare
 * these directly, or show them with `perTerahash`). The coin's own chain and each merged chain add up: one hash is
 * tried against every chain whose work the job commits to.
 */
export function earningsPerHash(chains: readonly ChainEarningsInput[]): bigint {
  let sum = 0n;
  for (const c of chains) {
    if (c.reward < 0n || c.target < 0n || c.price < 0n)
      throw new RangeError('reward, target and price must not be negative');
    sum += c.reward * c.price * (c.target + 1n);
  }
  return sum;
}

const TWO_256 = 1n << 256n;
/** Fractional digits of the per-TH figure shown: enough for a satoshi earned per TH on any real chain. */
export const EARNINGS_DECIMALS = 12;

/** `earningsPerHash` as quote base units per 10^12 hashes, an exact decimal floored at 12 fractional digits. */
export function perTerahash(earnings: bigint): string {
  const scaled = floorDiv(earnings * 10n ** 12n * 10n ** BigInt(EARNINGS_DECIMALS), PRICE_SCALE * TWO_256);
  return formatUnits(scaled, EARNINGS_DECIMALS);
}

/** `a` over `b` as a percentage with two decimals (for reasons in words); "∞" when b is 0. */
export function percentAbove(a: bigint, b: bigint): string {
  if (b === 0n) return '∞';
  return formatUnits(floorDiv((a - b) * 10_000n, b), 2);
}
