import { z } from 'zod';
import { InvalidMessageError } from '../errors.js';
import { REFUSALS_PER_BATCH } from './refusals.js';
import type { ShareBatch } from './share.js';

/**
 * Validation of a queue message body. A queue message crosses a trust boundary (a redeployed producer, a hand-sent
 * test message), so ingest never trusts its shape.
 */

const finiteNonNegative = z.number().finite().nonnegative();

const hashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'a hash is 64 lowercase hex digits');

const foundBlockSchema = z.object({
  height: z.number().int().nonnegative(),
  hash: hashSchema,
  /** Base units as a decimal string: money is never a float. */
  reward: z.string().regex(/^\d+$/, 'reward is a decimal string of base units'),
  networkDifficulty: finiteNonNegative,
  submitResult: z.string().min(1),
});

/** At most this many aux chains are merge-mined under one parent (the tree would be needlessly large past it). */
export const MAX_AUX_CHAINS = 16;

const auxFoundBlockSchema = foundBlockSchema.extend({ coin: z.string().min(1).max(16) });

const shareSchema = z.object({
  coin: z.string().min(1),
  // '#' separates key parts in the store; payout addresses never contain it.
  miner: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[^#]+$/, 'miner must not contain "#"'),
  worker: z.string().max(128),
  height: z.number().int().nonnegative(),
  difficulty: z.number().finite().positive(),
  actualDifficulty: finiteNonNegative,
  networkDifficulty: z.number().finite().positive().optional(),
  timestamp: z.number().int().nonnegative(),
  ip: z.string().optional(),
  hash: hashSchema.optional(),
  block: foundBlockSchema.optional(),
  auxBlocks: z.array(auxFoundBlockSchema).min(1).max(MAX_AUX_CHAINS).optional(),
  count: z.number().int().positive().optional(),
  credit: finiteNonNegative.optional(),
});

const count = z.number().int().nonnegative().max(1_000_000_000);

const rejectedSchema = z.object({
  miner: shareSchema.shape.miner,
  worker: shareSchema.shape.worker,
  timestamp: z.number().int().nonnegative(),
  stale: count,
  invalid: count,
  duplicate: count,
});

export const shareBatchSchema = z
  .object({
    v: z.literal(1),
    // Stored in a key and in string sets: keep it short and printable.
    batchId: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[\x21-\x7e]+$/, 'batchId is printable ASCII without spaces'),
    coin: z.string().min(1),
    shares: z.array(shareSchema).max(5000),
    views: z.enum(['rounds', 'minutes']).optional(),
    rejected: z.array(rejectedSchema).max(REFUSALS_PER_BATCH).optional(),
    auxAddresses: z
      .array(
        z.object({
          miner: shareSchema.shape.miner,
          coin: z.string().min(1).max(16),
          address: z
            .string()
            .min(1)
            .max(128)
            .regex(/^[^#]+$/, 'an address must not contain "#"'),
        }),
      )
      .max(REFUSALS_PER_BATCH)
      .optional(),
  })
  .refine((b) => b.shares.length > 0 || (b.rejected?.length ?? 0) > 0 || (b.auxAddresses?.length ?? 0) > 0, {
    message: 'a batch carries shares, refused-share counts or aux payout addresses',
  })
  .refine((b) => b.views !== 'rounds' || b.auxAddresses === undefined, {
    message: 'a rounds-only batch carries no aux payout addresses (they go with the minute summary)',
  })
  .refine((b) => b.views !== 'rounds' || b.rejected === undefined, {
    message: 'a rounds-only batch carries no refused-share counts (it writes no per-minute items)',
  })
  .refine((b) => b.shares.every((s) => s.coin === b.coin), { message: 'every share must be for the batch coin' })
  .refine((b) => b.shares.every((s) => (!s.block && !s.auxBlocks) || (s.count ?? 1) === 1), {
    message: 'a block-finding share is never folded into a summary entry',
  })
  .refine((b) => b.views !== 'minutes' || b.shares.every((s) => !s.block && !s.auxBlocks), {
    message: 'a minutes-only batch carries no found block (its rounds batch recorded it)',
  });

/** Parses a queue message body; throws an Error naming what is wrong. */
export function parseShareBatch(body: string): ShareBatch {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new InvalidMessageError(`body is not JSON: ${(err as Error).message}`);
  }
  const result = shareBatchSchema.safeParse(json);
  if (!result.success) {
    throw new InvalidMessageError(`not a share batch: ${z.prettifyError(result.error)}`);
  }
  return result.data as ShareBatch;
}
