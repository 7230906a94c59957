import { z } from 'zod';
import { COINS } from '../coins/registry.js';
import { daemonSchema } from '../config/daemon.js';

/** Currencies a coin can be converted into, with their base-unit decimals (as exchanges and wallets count them). */
export const TARGET_CURRENCIES = { BTC: 8, USDT: 6, USDC: 6 } as const;
export type TargetCurrency = keyof typeof TARGET_CURRENCIES;

/** Base-unit decimals of a ledger's currency: a mined coin's (ETC: 18, wei) or a conversion target's; else 8. */
export function ledgerDecimals(currency: string): number {
  if (currency in COINS) return COINS[currency]!.decimals;
  return TARGET_CURRENCIES[currency as TargetCurrency] ?? 8;
}

/** Exchanges with an adapter (adapters/exchange/ccxt-exchange.ts) and a fake server in the tests. */
export const CONVERSION_EXCHANGES = ['binance', 'kraken', 'okx'] as const;
export type ConversionExchangeId = (typeof CONVERSION_EXCHANGES)[number];

const baseUnits = z.string().regex(/^\d+$/, 'an amount in base units, as a string of digits');

const evmAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'a 0x address (20 bytes in hex)');

/** When and how much a target's payouts pay, as for a mined coin (coins[].payouts); no defaults: chains differ. */
const payoutSchedule = {
  /** Smallest balance paid out, target base units ("10000000" = 10 USDT). */
  minimum: baseUnits,
  /** Recipients per transaction (sendmany outputs, or the PayoutBatch call's arrays: mind the block gas limit). */
  maxRecipients: z.number().int().min(1).max(1000),
  /** How often the target's payouts run. */
  intervalSeconds: z.number().int().min(10),
};

/**
 * Payouts of a conversion target's ledger (issue 7): the payouts machine of a mined coin (lambdas/payouts) with the
 * sender of the target's chain. Absent: the ledger is credited and nothing pays it (unless the pool mines the coin).
 */
export const targetPayoutsSchema = z.discriminatedUnion('kind', [
  /** An Ethereum-family chain through the PayoutBatch contract (adapters/evm/evm-payout-sender.ts). */
  z.strictObject({
    kind: z.literal('evm'),
    rpcUrl: z.url({ protocol: /^https?$/ }),
    /** The ERC-20 token paid (USDT, USDC on that chain); absent = the chain's native coin. */
    token: evmAddress.optional(),
    /** The deployed contracts/PayoutBatch.sol. */
    contract: evmAddress,
    /** The contract's deployment block: the search for a payout after a crash starts there. */
    deploymentBlock: z.number().int().min(0),
    /** Native coin only: wei kept back for the gas of payouts (tokens pay gas from the native balance). */
    gasReserve: baseUnits.optional(),
    /** Local mode only (tests, devnet): the pool wallet's key inline. Never in a deployed config. */
    privateKey: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, 'a 0x-prefixed 32-byte hex key')
      .optional(),
    /** AWS: Secrets Manager ARN of the pool wallet's key (SecretString: the 0x hex key). */
    secretArn: z.string().min(1).optional(),
    ...payoutSchedule,
  }),
  /** A Bitcoin-family wallet through its daemon's wallet RPC (sendmany), as a mined coin's payouts. */
  z.strictObject({
    kind: z.literal('wallet-rpc'),
    /** In AWS `user` and `password` are replaced by the secret's (the template carries markers, never them). */
    daemon: daemonSchema.extend({ wallet: z.string().min(1) }),
    /** Kept in the wallet, never paid out: it pays the network fees of payout transactions. */
    reserve: baseUnits.default('0'),
    /** AWS: Secrets Manager ARN of the daemon's RPC credentials {"user","password"}. */
    secretArn: z.string().min(1).optional(),
    ...payoutSchedule,
  }),
]);

export type TargetPayoutsConfig = z.output<typeof targetPayoutsSchema>;

/** BTC is paid by a Bitcoin wallet; USDT and USDC by an EVM chain (as ERC-20 tokens). */
const bitcoinFamily = (currency: TargetCurrency) =>
  currency in COINS && COINS[currency as keyof typeof COINS]!.family === 'bitcoin';

/** Auto-conversion of a coin (the `conversion` key of a coin in the pool config); absent = miners are paid in the coin. */
export const conversionConfigSchema = z
  .strictObject({
    /** The exchanges the pool holds accounts on for this coin; best execution chooses among them every run. */
    exchanges: z
      .array(
        z.strictObject({
          id: z.enum(CONVERSION_EXCHANGES),
          /** The pool's taker fee tier there, basis points (0.1 % is the usual entry tier). */
          takerFeeBps: z.number().int().min(0).max(1_000).default(10),
          /** What withdrawing each target currency to the pool wallet costs there, target base units. */
          withdrawalFees: z
            .partialRecord(z.enum(Object.keys(TARGET_CURRENCIES) as [TargetCurrency]), baseUnits)
            .default({}),
          /** Secrets Manager ARN of {"apiKey","secret","password"?,"withdrawalKey"?} (AWS). */
          secretArn: z.string().min(1).optional(),
          /** Local mode only: the API keys inline (the AWS app reads them from secretArn and ignores these). */
          credentials: z
            .strictObject({
              apiKey: z.string().min(1),
              secret: z.string().min(1),
              password: z.string().min(1).optional(),
              withdrawalKey: z.string().min(1).optional(),
            })
            .optional(),
          /**
           * Send the coins each conversion sells here from the pool's coin wallet (coins[].payouts.wallet) first, and
           * sell once the exchange credited them. Absent: the pool keeps inventory on the exchange.
           */
          deposit: z
            .strictObject({
              /** The exchange's deposit network where it has several (its default otherwise). */
              network: z.string().min(1).optional(),
            })
            .optional(),
          /** Local mode only: the exchange's API at another scheme and host (e.g. a fake exchange in tests). */
          apiBaseUrl: z.url().optional(),
        }),
      )
      .min(1)
      .max(8),
    /** What miners may choose; each target's fee wallets receive the pool's conversion fee in that currency. */
    targets: z
      .array(
        z
          .strictObject({
            currency: z.enum(Object.keys(TARGET_CURRENCIES) as [TargetCurrency]),
            /**
             * The pool's wallet of this currency: each exchange's proceeds are withdrawn to it before miners are
             * credited (the target's payouts pay from it). Absent: proceeds stay on the exchanges (the operator moves
             * them) and miners are credited at once.
             */
            wallet: z.string().min(1).optional(),
            /** The withdrawal network where the exchanges need one (e.g. "TRC20" for USDT); their default otherwise. */
            network: z.string().min(1).optional(),
            feeWallets: z
              .array(z.strictObject({ address: z.string().min(1), weight: z.number().int().positive().default(1) }))
              .min(1),
            /** Payouts of this currency's ledger; a currency the pool also mines is paid by that coin's `payouts`. */
            payouts: targetPayoutsSchema.optional(),
          })
          .superRefine((t, ctx) => {
            const kind = t.payouts?.kind;
            if (kind === 'wallet-rpc' && !bitcoinFamily(t.currency))
              ctx.addIssue({
                code: 'custom',
                path: ['payouts', 'kind'],
                message: `wallet-rpc pays Bitcoin-family coins; ${t.currency} is not one (use "evm")`,
              });
            if (kind === 'evm' && bitcoinFamily(t.currency))
              ctx.addIssue({
                code: 'custom',
                path: ['payouts', 'kind'],
                message: `${t.currency} is paid from a Bitcoin-family wallet (use "wallet-rpc")`,
              });
            if (kind === 'evm' && !bitcoinFamily(t.currency) && !t.payouts?.token)
              ctx.addIssue({
                code: 'custom',
                path: ['payouts', 'token'],
                message: `${t.currency} is an ERC-20 token: its contract address is needed (absent = the native coin)`,
              });
          }),
      )
      .min(1),
    /** A book wider than this is not used: a wide spread means a thin or broken market (0.5 %). */
    maxSpreadBps: z.number().int().min(0).max(10_000).default(50),
    /** Refuse to sell when the average fill is this far below the best mid price (1 %). */
    maxSlippageBps: z.number().int().min(0).max(10_000).default(100),
    /** Books older than this are not used: prices move, and a conversion should trade on what is there now. */
    maxPriceAgeSeconds: z.number().positive().default(10),
    /** The pool's fee: this share of what best execution gained over the best single exchange (20 %). */
    feeShareBps: z.number().int().min(0).max(10_000).default(2_000),
    /** How often conversion runs (an EventBridge schedule); hourly batches keep order sizes above exchange minimums. */
    scheduleMinutes: z.number().int().min(1).default(60),
    /** AWS: alarm when a deposit to an exchange waits this long for its credit (a day: exchanges confirm in hours). 0: off. */
    depositAlarmHours: z.number().int().min(0).max(720).default(24),
    /**
     * AWS: alarm when a conversion stays open this long, whatever it waits for (deposits, a price within the bounds,
     * fills, withdrawals): the miners' coins are taken out of `confirmed` and not yet credited back or converted. 0: off.
     */
    openAlarmHours: z.number().int().min(0).max(720).default(24),
    /** Smallest confirmed balance converted, source base units (0.01 of a coin): dust is not worth an order. */
    minimum: baseUnits.default('1000000'),
  })
  .refine((c) => new Set(c.exchanges.map((e) => e.id)).size === c.exchanges.length, {
    message: 'an exchange is listed twice',
    path: ['exchanges'],
  })
  .refine((c) => new Set(c.targets.map((t) => t.currency)).size === c.targets.length, {
    message: 'a target currency is listed twice',
    path: ['targets'],
  });

export type ConversionConfig = z.output<typeof conversionConfigSchema>;
