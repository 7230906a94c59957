import { z } from 'zod';

/** The five schemes of core/rewards (schemes.ts splits a block; pps.ts and pot.ts credit completed rounds). */
export const REWARD_SCHEMES = ['PPLNS', 'PROP', 'SOLO', 'PPS', 'POT'] as const;
export type RewardScheme = (typeof REWARD_SCHEMES)[number];

/** PPS and POT credit miners per completed round from the pool's account (app/confirm/pps.ts). */
export const paysPerShare = (scheme: RewardScheme): boolean => scheme === 'PPS' || scheme === 'POT';

/** PoT parameters (core/rewards/pot.ts): a = potA, cap = potCap. */
export const potParamsSchema = z.strictObject({
  a: z.number().min(0).max(16),
  cap: z.number().positive().max(1_000),
});

/** How a coin's block rewards are shared (the `rewards` key of a coin in the pool config). */
export const rewardsConfigSchema = z
  .strictObject({
    /**
     * PPLNS by default: it pays for the last N shares across rounds, so pool hopping does not pay, and it needs no
     * pool float (PPS does). PROP pays the shares of the round; SOLO pays the finder; PPS pays every share its
     * expected value at once (core/rewards/pps.ts) and keeps the block rewards; POT is PPS paid by the difficulty a
     * share actually reached (core/rewards/pot.ts), with variance set by `pot`.
     */
    scheme: z.enum(REWARD_SCHEMES).default('PPLNS'),
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
    /**
     * POT only, and then required (no default: the operator picks the variance miners get). `a` = potA, the variance
     * exponent (0 = plain PPS; bounded so that the factor's powers stay well inside a double); `cap` = potCap, a
     * share counts at most up to cap × network difficulty (finite variance).
     */
    pot: potParamsSchema.optional(),
  })
  .refine((r) => r.feeBasisPoints + r.finderBonusBasisPoints <= 10_000, {
    message: 'fee + finder bonus cannot exceed 100 % of the reward',
  })
  .refine((r) => r.scheme !== 'POT' || r.pot !== undefined, {
    message: 'scheme POT needs pot: { a, cap }',
    path: ['pot'],
  });

export type RewardsConfig = z.output<typeof rewardsConfigSchema>;
