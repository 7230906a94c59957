import type { CoinConfig } from '../config/schema.js';

/**
 * The payout thresholds an account may choose for a coin (issue 19): from the coin's `payouts.minimum` (the pool's
 * floor) to `payouts.maximumThreshold`, by default 1,000 times the minimum.
 */
export function thresholdBounds(payouts: Pick<NonNullable<CoinConfig['payouts']>, 'minimum' | 'maximumThreshold'>): {
  min: bigint;
  max: bigint;
} {
  const min = BigInt(payouts.minimum);
  const max = payouts.maximumThreshold === undefined ? min * 1000n : BigInt(payouts.maximumThreshold);
  return { min, max };
}
