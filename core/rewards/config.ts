import { z } from 'zod';

/** How a coin's block rewards are shared (the `rewards` key of a coin in the pool config). */
export const rewardsConfigSchema = z
  .strictObject({
    /**
     * PPLNS by default: it pays for the last N shares across rounds, so pool hopping does not pay, and it needs no
     * pool float (PPS does). PROP pays the shares of the round; SOLO pays the finder; PPS pays every share its
     * expected value at once (core/rewards/pps.ts) and keeps the block rewards.
     */
    scheme: z.enum(['PPLNS', 'PROP', 'SOLO', 'PPS']).default('PPLNS'),
    /** Pool fee in basis points of the block reward (100 = 1 %). */
    feeBasisPoints: z.number().int().min(0).max(10_000).default(100),
    /** Where the fee goes, split by weight; the first wallet also receives rounding dust. */
    feeWallets: z
      .array(z.strictObject({ address: z.string().min(1), weight: z.number().int().positive().default(1) }))
      .min(1),
    /** Extra share of the reward for the miner whose share was the block, in basis points. */
    finderBonusBasisPoints: z.number().int().min(0).max(10_000).default(0),
    /** PPLNS window N = factor × network difficulty (in share-difficulty units); 2 is the common choice. */
    pplnsWindowFactor: z.number().positive().default(2),
  })
  .refine((r) => r.feeBasisPoints + r.finderBonusBasisPoints <= 10_000, {
    message: 'fee + finder bonus cannot exceed 100 % of the reward',
  });

export type RewardsConfig = z.output<typeof rewardsConfigSchema>;
