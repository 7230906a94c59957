import { z } from 'zod';
import { NETWORK_NAMES } from '../../core/coins/registry.js';

/**
 * The stats API's response shapes: one source for the TypeScript types the router returns, the runtime checks the
 * tests run on real answers, and the OpenAPI document (openapi.ts). Objects are strict, so a field the router adds
 * without documenting it here fails the tests. Amounts are decimal strings of base units (money is never a float).
 */

const amount = z
  .string()
  .regex(/^-?\d+$/)
  .describe('base units (e.g. litoshis), decimal string');
const hashrate = z.number().nonnegative().describe('hashes per second');
const epochMs = z.number().int().nonnegative().describe('ms since the epoch');

export const tallySchema = z.strictObject({
  shares: z.number().int().nonnegative(),
  difficulty: z.number().nonnegative().describe('summed share difficulty (the coin’s stratum convention)'),
});

export const hashrateWindowsSchema = z
  .strictObject({ '10m': hashrate, '3h': hashrate })
  .describe('average hashrate over the last 10 minutes and 3 hours');

export const hashratePointSchema = z.strictObject({
  minute: z.number().int().describe('minutes since the epoch'),
  hashrate,
});

export const portSchema = z.strictObject({
  port: z.number().int().min(0).max(65_535),
  tls: z.boolean(),
  difficulty: z.strictObject({ initial: z.number(), min: z.number(), max: z.number() }),
});

export const blockSchema = z.strictObject({
  height: z.number().int().nonnegative(),
  hash: z.string(),
  status: z.enum(['pending', 'immature', 'confirmed', 'orphaned']),
  confirmations: z.number().int().nonnegative(),
  reward: amount,
  finder: z.string().describe('payout address of the miner whose share found it'),
  worker: z.string(),
  time: epochMs,
  effort: z
    .number()
    .nonnegative()
    .nullable()
    .describe(
      'round share difficulty ÷ network difficulty (1 = expected); a merge-mined coin’s block: its parent round’s shares ÷ the aux chain’s difficulty',
    ),
  round: z
    .strictObject({ coin: z.string(), height: z.number().int().nonnegative() })
    .nullable()
    .describe('merged mining: the parent coin’s share round that found this aux block (null: the coin’s own round)'),
});

export const onlineSchema = z
  .strictObject({
    miners: z.number().int().nonnegative(),
    workers: z.number().int().nonnegative(),
    windowSeconds: z.number().int().positive().describe('a worker is online if it sent a share this recently'),
  })
  .describe('as last reported by the stratum servers; null when none reported recently');

export const chainSchema = z
  .strictObject({
    height: z.number().int().nonnegative().describe('height of the block the pool is working on'),
    difficulty: z.number().nonnegative().describe('network difficulty (the coin’s stratum convention)'),
    updatedAt: epochMs,
  })
  .describe(
    'the network as the pool’s current job sees it; null when no stratum server reported recently, and for a merge-mined coin',
  );

export const poolDetailSchema = z.strictObject({
  coin: z.string(),
  network: z.enum(NETWORK_NAMES),
  algorithm: z
    .string()
    .describe('the proof-of-work algorithm, as CPU miners name it (`minerd -a scrypt`, `-a sha256d`)'),
  decimals: z
    .number()
    .int()
    .nonnegative()
    .describe('decimal places of the base unit amounts are given in (8: satoshi, litoshi; 18: wei)'),
  scheme: z.string().nullable(),
  feeBasisPoints: z.number().int().nonnegative().nullable(),
  payoutMinimum: amount.nullable(),
  mergedWith: z
    .string()
    .nullable()
    .describe('merged mining: the parent coin this one is merge-mined with (its miners mine both); null: mined itself'),
  merges: z.array(z.string()).describe('merged mining: the aux coins merge-mined with this one'),
  ports: z.array(portSchema).describe('none for a merge-mined coin: miners connect to its parent'),
  stratumHost: z
    .string()
    .nullable()
    .describe('the host miners connect to; null: the host serving this API (or none: a merge-mined coin)'),
  hashrate: hashrateWindowsSchema.describe(
    'average hashrate over the last 10 minutes and 3 hours; a merge-mined coin’s is its parent’s (the same shares mine both)',
  ),
  hashrateHistory: z
    .array(hashratePointSchema)
    .describe('per minute, oldest first, last 3 hours (merge-mined: the parent’s)'),
  sharesTotal: tallySchema.describe('every share the pool ever counted (merge-mined: the parent’s)'),
  online: onlineSchema.nullable(),
  chain: chainSchema.nullable(),
  blocksFound: z.number().int().nonnegative(),
  lastBlock: blockSchema.nullable(),
  effort: z
    .strictObject({ '64': z.number().nullable(), '128': z.number().nullable(), '256': z.number().nullable() })
    .describe('average effort over the last 64, 128 and 256 blocks (luck = 1 / effort)'),
});

export const poolHistorySchema = z
  .strictObject({
    coin: z.string(),
    hours: z.number().int().positive(),
    stepMinutes: z.number().int().positive().describe('1 for 3 hours, 10 for 24 hours, 60 for 7 days'),
    points: z.array(hashratePointSchema).describe('oldest first; `minute` is where each interval starts'),
  })
  .describe('the pool hashrate over a longer range');

export const poolsSchema = z.strictObject({ pool: z.string(), coins: z.array(poolDetailSchema) });

export const blocksSchema = z.strictObject({ coin: z.string(), blocks: z.array(blockSchema) });

const paymentFields = {
  id: z.string(),
  status: z.enum(['pending', 'sending', 'sent', 'confirmed', 'suspended']),
  txid: z.string().nullable(),
  time: epochMs,
  total: amount,
};

export const paymentSchema = z.strictObject({ ...paymentFields, recipients: z.number().int().positive() });

export const paymentsSchema = z.strictObject({ coin: z.string(), payments: z.array(paymentSchema) });

export const minerPaymentSchema = z.strictObject({
  ...paymentFields,
  amount: amount.describe('what this miner received of the payment'),
});

const shareCount = z.number().int().nonnegative();

export const workerSchema = z.strictObject({
  name: z.string(),
  hashrate: hashrate.describe('last 10 minutes'),
  lastShareAt: epochMs.describe('the last accepted share (0: none in the last 3 hours, only refused ones)'),
  offline: z.boolean().describe('no share within the online window'),
  accepted: shareCount.describe('accepted shares of the last 3 hours'),
  stale: shareCount.describe('shares of the last 3 hours refused for a job no longer current (21)'),
  invalid: shareCount.describe(
    'shares of the last 3 hours refused as invalid: bad proof of work or mix, malformed, low difficulty (20, 23)',
  ),
  duplicate: shareCount.describe('shares of the last 3 hours refused as sent before (22)'),
});

export const balanceSchema = z.strictObject({
  immature: amount,
  confirmed: amount,
  pending: amount,
  paid: amount,
});

export const rewardSchema = z.strictObject({
  ref: z.string().describe("block hash, PPS round, or the upstream pool's payment `<txid>:<vout>` (kind upstream)"),
  kind: z
    .enum(['immature', 'pps', 'upstream'])
    .describe('a found block, a PPS/PoT round, or a share of what the upstream pool paid (proxy mining)'),
  role: z.string(),
  amount,
  time: epochMs,
});

export const auxAddressSchema = z
  .strictObject({
    address: z.string().describe('the aux chain address rewards are paid to (miner-supplied: display as text)'),
    source: z.enum(['password', 'signed']).describe('from the mining password (`doge=…`) or a signed message'),
    setAt: epochMs.describe('when it was set (a signed one: the signed time)'),
  })
  .describe('where a miner’s rewards on an aux chain are paid');

export const mergedSideSchema = z.strictObject({
  coin: z.string().describe('the aux coin'),
  address: auxAddressSchema
    .nullable()
    .describe('null: not set; the aux rewards accrue on the balance until an address is set'),
  balance: balanceSchema.describe('the aux coin’s balance of the mining address, in its base units'),
  payments: z.array(minerPaymentSchema).describe('recent aux payouts, newest first'),
});

const decimal = z.string().regex(/^\d+(\.\d+)?$/);
const ageSeconds = z
  .number()
  .int()
  .nonnegative()
  .nullable()
  .describe('how old the price was at this answer (s); null: none read');

export const profitabilityRowSchema = z
  .strictObject({
    coin: z.string(),
    earningsPerTerahash: decimal
      .nullable()
      .describe(
        'quote-currency base units one 10^12 hashes earn (block reward with fees × price ÷ difficulty, merged chains included), exact decimal; null: not computable',
      ),
    reward: amount.nullable().describe('the recent average block reward with fees, the coin’s base units'),
    networkDifficulty: z
      .number()
      .nonnegative()
      .nullable()
      .describe('the current job’s (the coin’s stratum convention)'),
    price: decimal.nullable().describe('whole quote currency per whole coin, as read from the exchanges'),
    priceAgeSeconds: ageSeconds,
    aux: z
      .array(
        z.strictObject({
          coin: z.string(),
          earningsPerTerahash: decimal.nullable(),
          reward: amount.nullable(),
          price: decimal.nullable(),
          priceAgeSeconds: ageSeconds,
        }),
      )
      .describe('merged chains mined with the coin: their part of its earnings'),
    healthy: z.boolean().describe('at least one of the coin’s nodes answers'),
    eligible: z.boolean().describe('the port may switch to this coin now'),
    ineligibleBecause: z.string().nullable().describe('why not (unhealthy node, stale or no price, no reward yet)'),
  })
  .describe('one coin’s line of a switching port’s profitability table');

export const switchingPortSchema = z
  .strictObject({
    name: z.string(),
    algorithm: z.string(),
    coins: z.array(z.string()).describe('the coins the port switches between'),
    payoutCurrency: z
      .string()
      .nullable()
      .describe('miners connect with an address of this currency and are paid in it; the other coins are converted'),
    ports: z.array(portSchema),
    stratumHost: z.string().nullable().describe('the host miners connect to; null: the host serving this API'),
    quote: z.string().nullable().describe('the currency earnings are compared in (null: not evaluated yet)'),
    current: z.string().nullable().describe('the coin the port’s miners mine now (null: not evaluated yet)'),
    since: epochMs.nullable().describe('when the port switched to it (or started on it)'),
    leader: z
      .strictObject({ coin: z.string(), since: epochMs })
      .nullable()
      .describe('a coin beating the current one by the margin, and since when: switched to once held long enough'),
    evaluatedAt: epochMs.nullable().describe('when the table was computed'),
    table: z.array(profitabilityRowSchema).describe('one row per coin of the port, in config order'),
  })
  .describe('an auto-switching port: miners connect once and mine whichever of its coins pays most');

export const switchingPortsSchema = z.strictObject({ ports: z.array(switchingPortSchema) });

export const switchRecordSchema = z.strictObject({
  at: epochMs.describe('when the miners were sent the new coin’s work'),
  from: z.string(),
  to: z.string(),
  reason: z.string(),
  fromEarnings: decimal.nullable(),
  toEarnings: decimal.nullable(),
});

export const switchingHistorySchema = z
  .strictObject({
    port: z.string(),
    hours: z.number().int().positive(),
    from: epochMs.describe('the start of the range: switches at or after it'),
    current: z.string().nullable().describe('the coin mined now'),
    switches: z.array(switchRecordSchema).describe('newest first, at most `limit`'),
  })
  .describe('a switching port’s switches over a range');

export const switchingBreakdownSchema = z
  .strictObject({
    port: z.string().describe('a switching port paying in this page’s coin'),
    coins: z.array(
      balanceSchema.extend({
        coin: z.string(),
        converted: amount.describe('taken by conversion into the payout currency (the coin’s base units)'),
      }),
    ),
  })
  .describe('a switching miner’s money on each coin of the port, in each coin’s base units');

export const minerSchema = z.strictObject({
  coin: z.string(),
  address: z.string(),
  hashrate: hashrateWindowsSchema,
  hashrateHistory: z.array(hashratePointSchema),
  shares: tallySchema.describe('the miner’s shares of the last 3 hours'),
  workers: z.array(workerSchema).describe('the workers that sent shares in the last 3 hours'),
  balance: balanceSchema,
  rewards: z.array(rewardSchema),
  payments: z.array(minerPaymentSchema),
  merged: z
    .array(mergedSideSchema)
    .describe('merged mining: the miner’s side of each aux coin its shares also mine (empty: the coin merges none)'),
  switching: z
    .array(switchingBreakdownSchema)
    .describe('auto-switching: per port paying in this coin, the miner’s balances on each of its coins'),
  referrals: z
    .strictObject({
      immature: amount.describe('referral credits of blocks still maturing'),
      confirmed: amount.describe('referral credits of matured blocks (payable with the rest of the balance)'),
    })
    .describe(
      'accounts (issue 19): what this address earned as a referrer, its share of the pool fee on referred miners’ rewards (role `referral` credits; orphaned ones taken back); zero when it referred no one',
    ),
});

const signSchema = z.strictObject({
  pool: z.string().describe('the pool the message names (its pool.name): a signature is valid on this pool only'),
  message: z.string().describe('the message to sign with the mining address key; fill in the <…> parts'),
  windowSeconds: z.number().int().positive(),
});

export const auxAddressViewSchema = z
  .strictObject({
    coin: z.string().describe('the aux coin'),
    mergedWith: z.string().describe('its parent coin: the mining address is one of its addresses'),
    account: z.string().describe('the mining address, as the pool keeps it'),
    address: auxAddressSchema.nullable(),
    sign: signSchema,
  })
  .describe('a miner’s payout address on an aux chain and how to change it');

export const auxAddressChangeSchema = z.strictObject({
  address: z.string().min(1).max(100).describe('the aux chain address'),
  signedAt: z.string().min(1).max(40).describe('the time in the signed message, ISO 8601 UTC'),
  signature: z
    .string()
    .min(1)
    .max(2000)
    .describe('BIP137 or BIP322-simple signature of the filled-in message by the mining address key'),
});

export const auxAddressChangedSchema = z.strictObject({ address: auxAddressSchema });

const preferenceSchema = z.strictObject({
  currency: z.string().describe('BTC, USDT…, or the mined coin itself (no conversion)'),
  address: z.string().describe('where the converted proceeds are credited, in that currency'),
  updatedAt: epochMs,
});

export const conversionQuoteSchema = z
  .strictObject({
    target: z.string(),
    quotedAt: epochMs.describe('when the conversion pass computed it (it quotes on every scheduled run)'),
    bookAgeSeconds: z.number().int().min(0).describe('age of the oldest order book it used, then'),
    stale: z
      .boolean()
      .describe('older than two conversion schedule periods: not what a conversion would get now; shown as such'),
    net: z.string().optional().describe('what quoteAmount would bring, after every fee (whole units, decimal)'),
    rate: z.string().optional().describe('net per whole coin'),
    exchangeFee: z.string().optional().describe('taker fees of the exchanges used (whole units)'),
    withdrawalFee: z.string().optional().describe('their withdrawal fees (whole units)'),
    poolFee: z.string().optional().describe('the pool’s share of the gain over the best single exchange'),
    exchanges: z.array(z.string()).optional().describe('the exchanges best execution would sell on'),
    slippageBps: z.string().optional(),
    refused: z.string().optional().describe('why the pool would not convert (stale, spread, slippage, depth…)'),
  })
  .describe('the latest quote the conversion pass stored for a target');

export const conversionViewSchema = z
  .discriminatedUnion('enabled', [
    z.strictObject({
      enabled: z.literal(false),
      preference: z.null(),
      targets: z.array(z.string()).max(0),
      quotes: z.array(conversionQuoteSchema).max(0),
    }),
    z.strictObject({
      enabled: z.literal(true),
      preference: preferenceSchema.nullable(),
      targets: z.array(z.string()),
      minimum: amount,
      feeShareBps: z.number().int().min(0).max(10_000),
      quoteAmount: amount.describe('the amount quoted, base units of the coin (one coin, or the minimum if larger)'),
      quotes: z.array(conversionQuoteSchema),
      sign: signSchema,
    }),
  ])
  .describe('a miner’s payout currency and how to change it');

export const conversionChangeSchema = z.strictObject({
  currency: z.string().min(1).max(10),
  address: z.string().max(100).default(''),
  time: z.string().min(1).max(40),
  signature: z.string().min(1).max(2000).describe('BIP137 or BIP322-simple signature of the filled-in message'),
});

export const conversionChangedSchema = z.strictObject({ preference: preferenceSchema });

export const errorSchema = z.strictObject({ error: z.string().describe('what was wrong with the request') });

export type PoolDetail = z.infer<typeof poolDetailSchema>;
export type Pools = z.infer<typeof poolsSchema>;
export type PoolHistory = z.infer<typeof poolHistorySchema>;
export type Block = z.infer<typeof blockSchema>;
export type Blocks = z.infer<typeof blocksSchema>;
export type Payments = z.infer<typeof paymentsSchema>;
export type MinerPayment = z.infer<typeof minerPaymentSchema>;
export type Miner = z.infer<typeof minerSchema>;
export type Online = z.infer<typeof onlineSchema>;
export type HashrateWindows = z.infer<typeof hashrateWindowsSchema>;
export type HashratePoint = z.infer<typeof hashratePointSchema>;
export type Chain = z.infer<typeof chainSchema>;
export type MergedSide = z.infer<typeof mergedSideSchema>;
export type AuxAddressView = z.infer<typeof auxAddressViewSchema>;
export type ProfitabilityRowView = z.infer<typeof profitabilityRowSchema>;
export type SwitchingPortView = z.infer<typeof switchingPortSchema>;
export type SwitchingPorts = z.infer<typeof switchingPortsSchema>;
export type SwitchingHistory = z.infer<typeof switchingHistorySchema>;
export type SwitchingBreakdown = z.infer<typeof switchingBreakdownSchema>;

/** Named schemas, as they appear under components/schemas in the OpenAPI document. */
export const namedSchemas = {
  Pools: poolsSchema,
  PoolDetail: poolDetailSchema,
  PoolHistory: poolHistorySchema,
  Block: blockSchema,
  Blocks: blocksSchema,
  Payment: paymentSchema,
  Payments: paymentsSchema,
  MinerPayment: minerPaymentSchema,
  Miner: minerSchema,
  Worker: workerSchema,
  Balance: balanceSchema,
  Reward: rewardSchema,
  Online: onlineSchema,
  Chain: chainSchema,
  Tally: tallySchema,
  HashrateWindows: hashrateWindowsSchema,
  HashratePoint: hashratePointSchema,
  Port: portSchema,
  Error: errorSchema,
  ConversionView: conversionViewSchema,
  ConversionQuote: conversionQuoteSchema,
  ConversionChange: conversionChangeSchema,
  ConversionChanged: conversionChangedSchema,
  MergedSide: mergedSideSchema,
  AuxAddress: auxAddressSchema,
  AuxAddressView: auxAddressViewSchema,
  AuxAddressChange: auxAddressChangeSchema,
  AuxAddressChanged: auxAddressChangedSchema,
  SwitchingPorts: switchingPortsSchema,
  SwitchingPort: switchingPortSchema,
  ProfitabilityRow: profitabilityRowSchema,
  SwitchingHistory: switchingHistorySchema,
  SwitchRecord: switchRecordSchema,
  SwitchingBreakdown: switchingBreakdownSchema,
} as const;
