import { z } from 'zod';
import { scriptSigRoomWithCommitment } from '../auxpow/commitment.js';
import { validateAddress } from '../coins/address.js';
import { getCoin, isKnownCoin, NETWORK_NAMES, supportedCoins } from '../coins/registry.js';
import {
  CONVERSION_EXCHANGES,
  conversionConfigSchema,
  TARGET_CURRENCIES,
  type TargetCurrency,
} from '../conversion/config.js';
import { PROXY_DISTRIBUTIONS } from '../proxy/upstream-payouts.js';
import { rewardsConfigSchema } from '../rewards/config.js';
import { auxChainSchema } from './aux-chains.js';
import { daemonSchema } from './daemon.js';
import { proxyIncomeIssues } from './proxy-income.js';

/** Kept a string in the parsed config (it stays JSON-serialisable); `BigInt()` it where it is used. */
const baseUnits = z.string().regex(/^\d+$/, 'an amount in base units (satoshi/litoshi), as a string of digits');

const payoutsSchema = z
  .strictObject({
    /**
     * Bitcoin-family coins: the daemon wallet that holds the pool address and sends payouts (wallet RPC at
     * `/wallet/<name>`; btcwallet has one, unnamed). Without it, walletRpc `core` calls the daemon's root, where a
     * node with one wallet answers (Dogecoin Core 1.14 has no `/wallet/` path). Ethereum-family coins have no node
     * wallet (they sign).
     */
    wallet: z.string().min(1).optional(),
    /**
     * Which wallet sends payouts: `core` (Bitcoin Core, litecoind: sendmany tagged with the payout id, on the first
     * daemon) or `btcwallet` (btcd's wallet, at `walletUrl`: the pool signs first, records, then broadcasts, because
     * btcwallet refuses transaction comments). Core by default: what the Bitcoin-family coins have always used.
     */
    walletRpc: z.enum(['core', 'btcwallet']).default('core'),
    /** btcwallet's RPC endpoint (its own process beside btcd), reached with the first daemon's user and password. */
    walletUrl: z.url({ protocol: /^https?$/ }).optional(),
    /**
     * btcwallet: the fee of a payout transaction, satoshi per vbyte. 5 confirms within a few blocks on most days
     * and stays far above the 1 sat/vB nodes relay; raise it when the mempool is full.
     */
    feeRate: z.number().int().min(1).max(10_000).default(5),
    /** btcwallet: the private passphrase that unlocks the wallet for signing, a secret (never logged). */
    walletPassphrase: z.string().min(1).optional(),
    /**
     * Ethereum-family coins (ETC): the PayoutBatch contract (contracts/PayoutBatch.sol) deployed on the coin's chain.
     * Each payout is one transaction through it: a recipient that refuses the coin is skipped and the others paid.
     */
    contract: z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, 'a 0x address (20 bytes in hex)')
      .optional(),
    /**
     * Ethereum-family coins, local mode only (devnet, tests): the pool address's key inline (0x and 32 bytes of hex).
     * In AWS the coin stack's PayoutWallet secret holds it, which only the payouts Lambda reads; the CDK app refuses
     * a key here, and `pool config check` masks it.
     */
    privateKey: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, 'a 0x-prefixed 32-byte hex key')
      .optional(),
    /**
     * Ethereum-family coins: the highest gas price a payout may pay, wei. Above it (a spike, a node gone wrong) the
     * payout is refused and payouts suspended until resumed, never sent dearer. Default 50 gwei, the price
     * open-ethereum-pool hard-codes: ETC's usual price is a few gwei.
     */
    maxGasPrice: baseUnits.default('50000000000'),
    /**
     * Blocks deep a payout's transaction must be before the payout is settled; until then it stays `sent` and one a
     * reorg dropped is broadcast again. Default: the coin's (core/coins/registry.ts: 1 for Bitcoin-family coins, as
     * their wallets count a payment; 120 for ETC, its block depth). The next payout waits for it.
     */
    confirmations: z.number().int().min(1).optional(),
    /** How often payouts run. */
    intervalSeconds: z.number().int().min(10).default(3600),
    /** Smallest confirmed balance paid out, base units as a string ("10000000" = 0.1 LTC). */
    minimum: baseUnits.default('10000000'),
    /**
     * The highest payout threshold a miner's account may choose (issue 19; the lowest is `minimum`). Default: 1,000
     * times `minimum` (core/accounts/settings.ts thresholdBounds).
     */
    maximumThreshold: baseUnits.optional(),
    /** sendmany outputs per transaction. */
    maxRecipients: z.number().int().min(1).max(1000).default(250),
    /** Kept in the wallet, never paid out: it pays the network fees of payout transactions. */
    reserve: baseUnits.default('0'),
    /** A lower minimum for miners who stopped mining (no share for `inactiveAfterHours`). */
    inactiveMinimum: baseUnits.optional(),
    inactiveAfterHours: z
      .number()
      .positive()
      // A miner's last share is read from the per-minute share items, which are kept 7 days.
      .max(24 * 7, 'at most 168 (7 days): per-minute share records are kept that long')
      .default(24 * 7),
  })
  .refine((p) => p.walletRpc !== 'btcwallet' || p.walletUrl !== undefined, {
    message: 'payouts through btcwallet need walletUrl (btcwallet listens apart from btcd)',
    path: ['walletUrl'],
  });

/**
 * Shares a stratum process remembers per previous block to refuse duplicates, by default (coins[].jobs.maxSharesPerBlock;
 * the job manager's and the proxy job source's default too).
 */
export const SHARES_PER_BLOCK = 4_000_000;

/**
 * Miner accounts (issue 19): sign-up, two-factor, payout settings, referrals, notifications. Absent: the pool has no
 * accounts (mining to a bare address is unchanged either way). Secrets (the Telegram bot token) are not here: they
 * come from the environment (local) or Secrets Manager (AWS).
 */
export const accountsSchema = z.strictObject({
  /** The dashboard's public URL: the links in emails (confirmation, money changes) start with it. */
  publicUrl: z.url().default('http://127.0.0.1:8080'),
  /** The sender of the pool's emails (in AWS an SES-verified identity). */
  mailFrom: z.email().default('pool@edgepool.localhost'),
  /** Payouts to a changed payout address are held this long, with a notification (against account takeover). */
  payoutAddressCoolDownHours: z.number().min(0).default(24),
  /** How long the emailed link of a money change (threshold, payout address, currency) stays valid. */
  moneyChangeLinkMinutes: z
    .number()
    .int()
    .min(5)
    .max(24 * 60)
    .default(30),
  /** How long an email confirmation link stays valid. */
  confirmLinkHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 7)
    .default(48),
  signIn: z
    .strictObject({
      /** Failed sign-ins of one email within `lockoutMinutes` before it is locked for that long. */
      maxFailures: z.number().int().min(1).default(5),
      lockoutMinutes: z.number().int().min(1).default(15),
      /** Sign-in and sign-up attempts per source IP per hour. */
      perIpPerHour: z.number().int().min(1).default(60),
    })
    .prefault({}),
  referrals: z
    .strictObject({
      /** The share of the pool fee on referred miners' rewards credited to the referrer, percent (0 = off). */
      feeSharePercent: z.number().min(0).max(100).default(0),
    })
    .prefault({}),
  /** Watcher links per account. */
  maxWatcherLinks: z.number().int().min(0).max(100).default(10),
  notifications: z
    .strictObject({
      /** How often the notification pass looks for events. */
      evaluateSeconds: z.number().int().min(10).default(60),
      /** More than this many workers of one account going offline in one pass make one digest message. */
      digestAfter: z.number().int().min(1).default(3),
      /** Webhook deliveries are retried with exponential backoff up to this many attempts. */
      webhookMaxAttempts: z.number().int().min(1).max(20).default(6),
      /** The Telegram bot's username (t.me/<name>), for the link shown on the account page; the token is a secret. */
      telegramBot: z
        .string()
        .regex(/^[A-Za-z0-9_]{5,64}$/)
        .optional(),
    })
    .prefault({}),
});

/**
 * The one pool config file. Validated once at start by the runtime and by the CDK app; unknown keys are
 * rejected so a typo never silently falls back to a default. Every default says why it is what it is.
 */

const hostSchema = z.string().min(1);

const difficultySchema = z
  .strictObject({
    /** Start difficulty of a new connection. */
    initial: z.number().positive(),
    min: z.number().positive(),
    max: z.number().positive(),
    /** Vardiff aims at one share per this many seconds per connection (10 s keeps ack traffic low and stats smooth). */
    targetShareSeconds: z.number().positive().default(10),
    /** How often vardiff reconsiders a connection's difficulty. */
    retargetSeconds: z.number().positive().default(60),
    /** No retarget while the observed share interval is within ±this percentage of the target. */
    variancePercent: z.number().min(0).max(100).default(30),
  })
  .refine((d) => d.min <= d.initial && d.initial <= d.max, {
    message: 'difficulty must satisfy min <= initial <= max',
  });

const portSchema = z.strictObject({
  /** 0 = any free port (tests); the bound port is logged and reported. */
  port: z.number().int().min(0).max(65535),
  /** Loopback by default: local mode must not expose a port to the network unless asked to. */
  host: hostSchema.default('127.0.0.1'),
  /** stratum+ssl: PEM files for the listener (in AWS the NLB terminates TLS instead). */
  tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
  difficulty: difficultySchema,
});

/**
 * Abuse protection of a coin's stratum ports, after open-ethereum-pool's policy module: per real client IP (the
 * PROXY protocol source behind an NLB), malformed requests and invalid-share ratios lead to a timed ban, and new
 * connections spend a budget that valid shares refill. One ban list serves all ports of the coin.
 */
export const securitySchema = z.strictObject({
  banning: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Half an hour, as open-ethereum-pool: long enough to stop a flood, short enough for a fixed rig to return. */
      timeoutSeconds: z.number().positive().default(1800),
      /** Ban when invalid shares are at least this percentage of the last `checkThreshold` shares checked. */
      invalidPercent: z.number().min(0).max(100).default(30),
      /** Shares counted per verdict window; fewer would ban a miner for a couple of unlucky stale-job rejections. */
      checkThreshold: z.number().int().min(1).default(30),
      /** Unusable lines (not JSON, no method, over-long) per IP before a ban; real miners send none. */
      malformedLimit: z.number().int().min(1).default(5),
      /** Never banned nor connection-limited: the operator's own proxies and monitoring. */
      whitelist: z.array(z.union([z.ipv4(), z.ipv6()])).default([]),
    })
    .prefault({}),
  connectionLimits: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** New connections an IP may open (per `resetIntervalSeconds`) before it has shown any valid share. */
      limit: z.number().int().min(1).default(30),
      /** No limit this long after start: every miner reconnects at once after a deploy (farms share one NAT IP). */
      graceSeconds: z.number().min(0).default(300),
      /** Each valid share lets its IP open this many more connections (a farm behind NAT grows its budget). */
      limitJump: z.number().int().min(0).default(10),
      /**
       * Connections an IP (an IPv6 /64) may hold open at once on the task, from its first second (no grace): enough
       * for a farm of a few hundred rigs behind one NAT; a larger one goes on the whitelist.
       */
      maxPerIp: z.number().int().min(1).default(256),
    })
    .prefault({}),
  /** A partial line may wait this long for its newline (slowloris); miners send whole lines in one packet. */
  lineTimeoutSeconds: z.number().positive().default(10),
  /** Per-IP counters (malformed lines, connection budget) start over this often; quiet IPs are forgotten. */
  resetIntervalSeconds: z.number().positive().default(3600),
  /** Bounded memory under a many-address attack (IPv6): the least recently seen IPs are forgotten first. */
  maxTrackedIps: z.number().int().min(100).default(100_000),
});

/** An upstream pool the coin proxies to: its Stratum V1 URL and the pool's account there. */
const upstreamSchema = z
  .strictObject({
    /**
     * `stratum+tcp://host:port`, or `stratum+ssl://host:port` (TLS: the certificate and host name are always verified,
     * against the system's CAs unless `caFile` pins another).
     */
    url: z
      .string()
      .regex(/^stratum\+(tcp|ssl):\/\/[^/:@\s]+:\d{1,5}$/, 'stratum+tcp://host:port or stratum+ssl://host:port')
      .refine((url) => Number(url.split(':').at(-1)) >= 1 && Number(url.split(':').at(-1)) <= 65535, {
        message: 'the port must be 1 to 65535',
      }),
    /** The pool's worker name on the upstream (usually its payout address, with an optional `.worker`). */
    user: z.string().min(1).max(256),
    /**
     * Sent with mining.authorize; most pools ignore it ("x"). Any other value is a secret: masked by `pool config
     * check`, and refused by the CDK app (it would be readable in the task's template).
     */
    password: z.string().max(256).default('x'),
    /**
     * stratum+ssl only: a PEM file (CA or self-signed certificate) the upstream's certificate must chain to instead of
     * the system's CAs, for a private upstream. There is no option to skip verification.
     */
    caFile: z.string().min(1).optional(),
  })
  .refine((u) => u.caFile === undefined || u.url.startsWith('stratum+ssl://'), {
    path: ['caFile'],
    message: 'caFile pins the CA of a TLS upstream: the url must be stratum+ssl://',
  });

const proxySchema = z.strictObject({
  /** Tried in order: the first that answers serves; a failed one is retried with backoff and serves again once back. */
  upstreams: z.array(upstreamSchema).min(1),
  /**
   * When every upstream is down, mine solo on the coin's own daemons until one answers again. Off by default: a pool
   * that proxies usually does so because its own hashrate rarely finds a block, so it does not silently switch.
   */
  fallbackToNode: z.boolean().default(false),
  /**
   * Bytes of extranonce2 the coin's miners roll inside the upstream's extranonce2 (the rest is this pool's
   * extranonce1: its task prefix and a 2-byte connection counter). 4, the usual size; at least 2 (65,536 coinbases
   * per job, times ntime and version rolling).
   */
  extranonce2Size: z.number().int().min(2).max(8).default(4),
  /** An upstream that does not answer a request (subscribe, authorize, a share) this long is taken for down. */
  requestTimeoutSeconds: z.number().positive().default(10),
  /** A down upstream is retried after 1 s, doubling up to this (a healthier one serves meanwhile). */
  maxRetrySeconds: z.number().positive().default(60),
  /**
   * How what the upstream pays the pool is shared among the proxy's miners (app/proxy), with the coin's rewards fee:
   * PPLNS over the last pplnsWindowFactor × network difficulty of proxied shares before each upstream payout (by
   * default: as for blocks, hopping between payouts does not pay), or PROP over the shares since the previous one.
   */
  distribution: z.enum(PROXY_DISTRIBUTIONS).default('PPLNS'),
  /**
   * Confirmations an upstream payout needs before it is credited. Default: the coin's payout confirmations
   * (core/coins `payoutConfirmationDepth`). A payout a reorg drops after that keeps its credits and suspends payouts.
   */
  confirmations: z.number().int().min(1).optional(),
  /**
   * Payments to the pool address below this (base units) are recorded as ignored and never split: anyone can send
   * dust there, and each split payment writes an entry per miner. 10,000 (0.0001 of a coin): about the dust limit of
   * Bitcoin-family wallets, far below what an upstream pool pays out at once.
   */
  minimumPayment: baseUnits.default('10000'),
});

/**
 * A switching port (issue 17): miners connect once and mine whichever of `coins` pays most now (fargate/src/switching,
 * the rule in core/switching). Prices come from the exchanges' public books: no account or key is needed.
 */
const switchingSchema = z.strictObject({
  /** Names the port in the API and logs (lowercase, e.g. "scrypt"). */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lowercase letters, digits and dashes, at most 32'),
  /** The coins' algorithm: one job's work must be hashable by every miner of the port. */
  algorithm: z.string().min(1),
  /** Configured, mined coins of `algorithm` (not merge-mined: their parent brings them), the first one to start on. */
  coins: z.array(z.string()).min(2).max(16),
  ports: z.array(portSchema).min(1),
  /** The best coin must earn this much more than the current one (percent): smaller gaps are noise, not a reason. */
  marginPercent: z.number().min(0).max(1000).default(5),
  /** …continuously for this long: each switch costs miners their in-flight work, so a brief spike is not followed. */
  holdSeconds: z.number().int().min(0).default(300),
  /** A coin whose price is older than this is never switched to; the current one is left for another at once. */
  maxPriceAgeSeconds: z.number().int().min(1).default(600),
  /**
   * The currency the port's miners are paid in (a configured coin, not merge-mined): they connect with an address of
   * it, each share is credited on the coin it was mined on to that address, and the other coins' balances are sold
   * into it by their `conversion` (core/conversion/exclusion.ts: such an account is never paid on the other coins'
   * chains). Each other coin of the port must convert to it. Absent: no coin's balance is converted for the port.
   */
  payoutCurrency: z.string().optional(),
  /** The currency earnings are compared in (a coin priced in it on the exchanges; BTC: every coin's market). */
  quote: z.enum(Object.keys(TARGET_CURRENCIES) as [TargetCurrency]).default('BTC'),
  prices: z.strictObject({
    /** Public order books of `<coin>/<quote>` on these exchanges; the price is their median (one bad book alone moves nothing). */
    exchanges: z
      .array(
        z.strictObject({
          id: z.enum(CONVERSION_EXCHANGES),
          /** Local mode only: the exchange's API at another scheme and host (e.g. a fake exchange in tests). */
          apiBaseUrl: z.url().optional(),
        }),
      )
      .min(1)
      .max(8),
    /** `mid` of the best bid and ask, or the best `bid` (what selling the coin would get now). */
    price: z.enum(['mid', 'bid']).default('mid'),
    /** How often the books are read (well inside maxPriceAgeSeconds). */
    pollSeconds: z.number().int().min(1).default(60),
  }),
  /** How often the rule is evaluated. */
  evaluateSeconds: z.number().int().min(1).default(5),
});

const coinSchema = z
  .strictObject({
    // Built-in coins, and the config's auxChains (registered before the coins are validated: core/config/load.ts).
    symbol: z.string().refine(isKnownCoin, { error: () => `supported coins: ${supportedCoins().join(', ')}` }),
    /** The coin must have it (core/coins/registry.ts): BTC's simnet is btcd's devnet chain, LTC has none. */
    network: z.enum(NETWORK_NAMES).default('mainnet'),
    /**
     * The chain family whose modules serve the coin (families/: job source, share verifier, stratum dialect, payout
     * sender, confirmation rules). Default: the coin registry's (core/coins/registry.ts); a name no family module
     * registers is refused when a runtime starts.
     */
    family: z.string().min(1).optional(),
    /** The address block rewards (coinbase) pay to: the pool wallet. */
    poolAddress: z.string().min(1),
    /**
     * Blocks deep a found block must be before its reward is credited mature and it is no longer followed through
     * reorgs. Default: the coin's (core/coins/registry.ts: the coinbase maturity, 100, for Bitcoin-family coins; 120
     * for ETC); never less than the coin's minimum (a coinbase cannot be spent earlier; ETC: 16).
     */
    confirmations: z.number().int().min(1).optional(),
    /** Tried in order; the first healthy one serves templates, all healthy ones get every block. */
    daemons: z.array(daemonSchema).min(1),
    jobs: z
      .strictObject({
        /** Template polling catches new blocks even when long polling and blocknotify are down. */
        pollIntervalMs: z.number().int().min(100).default(1000),
        /** A new job for new transactions (fees) this often, without cleaning miners' work. */
        refreshSeconds: z.number().positive().default(30),
        longPoll: z.boolean().default(true),
        /**
         * Bytes of extranonce2 the coin's miners roll. 4 is what NiceHash-style proxies expect to split further; a
         * pool that proxies to this one (coins[].proxy) needs room for its own extranonce1 and its miners' extranonce2
         * inside it: 8 gives such a proxy 4 + 4.
         */
        extranonce2Size: z.number().int().min(2).max(16).default(4),
        /**
         * Shares a stratum process remembers per previous block to refuse duplicates (18–36 bytes each; it keeps the
         * last block's too); past it new shares are refused as stale until the next block. 4,000,000 lasts 67 minutes
         * of 10,000 miners at a share per 10 s: raise it for longer blocks or more miners per process.
         */
        maxSharesPerBlock: z.number().int().min(1000).max(50_000_000).default(SHARES_PER_BLOCK),
      })
      .prefault({}),
    /**
     * Proxy mining: the coin's miners mine an upstream pool's jobs (Stratum V1), the pool being the upstream's client;
     * absent: the coin mines on its own daemons (solo for the pool).
     */
    proxy: proxySchema.optional(),
    /** Where miners connect; a merge-mined coin (`mergedWith`) has none: its parent's miners mine it. */
    ports: z.array(portSchema).default([]),
    /**
     * A chain merge-mined under another configured coin of its algorithm (AuxPoW: DOGE with LTC). Its work comes
     * from `createauxblock <poolAddress>` on its `daemons`, committed in the parent's coinbase; its blocks are found by
     * the parent's shares and paid from its own ledger over the parent's rounds (core/config/merged.ts).
     */
    mergedWith: z.string().min(1).optional(),
    /**
     * The host name miners connect to (e.g. a CNAME to the coin's NLB), shown on the dashboard. In AWS it defaults to
     * the NLB's DNS name; locally to the dashboard's own host.
     */
    stratumHost: z.string().min(1).max(253).optional(),
    /** How block rewards are shared; without it blocks are found but nobody is credited. */
    rewards: rewardsConfigSchema.optional(),
    /** Scheduled payouts; without it balances accumulate. */
    payouts: payoutsSchema.optional(),
    /** Auto-conversion of miners' confirmed balances to BTC or a stablecoin (core/conversion); off when absent. */
    conversion: conversionConfigSchema.optional(),
    /** Bans, connection limits and slow-client drops on the coin's stratum ports. */
    security: securitySchema.prefault({}),
  })
  .superRefine((coin, ctx) => {
    if (!isKnownCoin(coin.symbol)) return;
    const def = getCoin(coin.symbol);
    if (coin.mergedWith === undefined && coin.ports.length === 0)
      ctx.addIssue({ code: 'custom', path: ['ports'], message: 'a mined coin needs at least one stratum port' });
    if (def.networks[coin.network] === undefined) {
      const known = Object.keys(def.networks).join(', ');
      ctx.addIssue({
        code: 'custom',
        path: ['network'],
        message: `${def.symbol} has no ${coin.network}; use ${known}`,
      });
      return;
    }
    const least = def.minConfirmations ?? def.coinbaseMaturity;
    if (coin.confirmations !== undefined && coin.confirmations < least) {
      ctx.addIssue({
        code: 'custom',
        path: ['confirmations'],
        message: `${def.symbol} blocks need at least ${least} confirmations`,
      });
    }
    // An address that becomes a ledger account (a fee wallet) must be written as the pool keeps accounts, the
    // canonical spelling the wallet reports (core/coins/address-codec.ts), or its payouts would not be recognised.
    const check = (path: (string | number)[], address: string, account: boolean) => {
      try {
        const canonical = validateAddress(def, coin.network, address);
        if (account && canonical !== address) {
          ctx.addIssue({ code: 'custom', path, message: `write this address as ${canonical} (the wallet's spelling)` });
        }
      } catch (err) {
        ctx.addIssue({ code: 'custom', path, message: (err as Error).message });
      }
    };
    check(['poolAddress'], coin.poolAddress, false);
    if (coin.payouts) payoutsOfFamily(coin.family ?? def.family, coin.payouts, ctx);
    if (coin.proxy && (coin.family ?? def.family) !== 'bitcoin')
      ctx.addIssue({
        code: 'custom',
        path: ['proxy'],
        message: 'proxy mining speaks Stratum V1: Bitcoin-family coins only',
      });
    if (coin.proxy && (coin.rewards?.scheme === 'PPS' || coin.rewards?.scheme === 'POT'))
      ctx.addIssue({
        code: 'custom',
        path: ['rewards', 'scheme'],
        // Proxied shares are paid from what the upstream pays (proxy.distribution); PPS would pay them again.
        message: `a proxied coin's miners are paid from the upstream's payouts (proxy.distribution): not ${coin.rewards.scheme}`,
      });
    for (const [i, w] of (coin.rewards?.feeWallets ?? []).entries())
      check(['rewards', 'feeWallets', i, 'address'], w.address, true);
  });

/** The least payouts.minimum of an Ethereum-family coin, wei (0.001 ETC, a few hundred times a transfer's gas). */
const ETHEREUM_MINIMUM_FLOOR = 10n ** 15n;

/** The payouts fields a coin's chain family uses: a node wallet (Bitcoin family), or a key and a contract (Ethereum). */
function payoutsOfFamily(family: string, p: z.output<typeof payoutsSchema>, ctx: z.RefinementCtx): void {
  const at = (key: string) => ['payouts', key];
  if (family === 'ethereum') {
    if (!p.contract)
      ctx.addIssue({ code: 'custom', path: at('contract'), message: 'the PayoutBatch contract payouts go through' });
    for (const key of ['wallet', 'walletUrl', 'walletPassphrase'] as const)
      if (p[key] !== undefined)
        ctx.addIssue({ code: 'custom', path: at(key), message: 'Ethereum-family payouts are signed by the pool key' });
    // A PayoutBatch call needs ~40,000 gas per recipient and checks 142,000 are left before each: 100 fit in
    // ETC's 8,000,000 block gas limit with room (more would be refused by the chain and suspend payouts).
    // Amounts are wei: the default minimum (10^7, 0.1 LTC in litoshi) would pay dust that costs more gas than it is.
    if (BigInt(p.minimum) < ETHEREUM_MINIMUM_FLOOR)
      ctx.addIssue({
        code: 'custom',
        path: at('minimum'),
        message: `at least ${ETHEREUM_MINIMUM_FLOOR} wei (0.001 ETC): amounts are wei, "100000000000000000" is 0.1 ETC`,
      });
    if (p.maxRecipients > 100)
      ctx.addIssue({
        code: 'custom',
        path: at('maxRecipients'),
        message: 'at most 100 for an Ethereum-family coin (the block gas limit): set payouts.maxRecipients',
      });
    return;
  }
  for (const key of ['contract', 'privateKey'] as const)
    if (p[key] !== undefined)
      ctx.addIssue({ code: 'custom', path: at(key), message: 'only for Ethereum-family coins (ETC)' });
  // No wallet name is allowed for walletRpc `core`: the node's root then answers (Dogecoin Core 1.14 has no
  // `/wallet/` path); a Core node with several wallets loaded refuses that per call ("Wallet file not specified").
}

export const poolConfigSchema = z
  .strictObject({
    /** Editors may point at a JSON schema; ignored by the pool. */
    $schema: z.string().optional(),
    pool: z
      .strictObject({
        name: z.string().min(1).default('edgepool'),
        /** Written into every coinbase so block explorers show who found the block. */
        tag: z.string().min(1).max(40).default('/edgepool/'),
      })
      .prefault({}),
    http: z
      .strictObject({
        host: hostSchema.default('127.0.0.1'),
        /** API, dashboard, /metrics and /health in local mode (0 = any free port, for tests). */
        port: z.number().int().min(0).max(65535).default(8080),
      })
      .prefault({}),
    stratum: z
      .strictObject({
        /** Longest accepted line; real stratum lines are < 1 KiB, this stops memory abuse. */
        maxLineBytes: z
          .number()
          .int()
          .min(1024)
          .default(16 * 1024),
        /** A connection that has not subscribed and authorized by then is dropped. */
        authTimeoutSeconds: z.number().positive().default(30),
        /** A connection that sends nothing for this long is dropped (vardiff makes real miners submit every ~10 s). */
        idleTimeoutSeconds: z.number().positive().default(600),
        /** TCP keepalive, well below the AWS NLB's 350 s idle timeout so idle miners are not cut. */
        keepAliveSeconds: z.number().int().min(1).default(60),
        /** A client that does not read its socket is dropped past this many buffered bytes. */
        maxSendQueueBytes: z
          .number()
          .int()
          .min(4096)
          .default(1024 * 1024),
        /** Expect a PROXY protocol v2 header (behind an NLB with proxy protocol on). */
        proxyProtocol: z.boolean().default(false),
        /** On SIGTERM: send client.reconnect, then wait this long before closing connections. */
        drainSeconds: z.number().min(0).default(20),
      })
      .prefault({}),
    queue: z
      .strictObject({
        /** Shares per queue batch; bounded by the SQS message size. */
        maxBatchShares: z.number().int().min(1).max(2000).default(500),
        /** A share waits at most this long for its batch: the floor of the submit→ack latency. */
        maxWaitMs: z.number().int().min(0).max(1000).default(25),
        /**
         * When a miner's share is acknowledged: `queue` once SQS (or locally the queue journal) accepted its batch;
         * `journal` once it is fsynced to the stratum task's spool, shipped to the queue every `shipIntervalMs` in
         * compressed multi-batch messages (≈ 1 SQS request per second instead of one per batch window). `queue` by
         * default: with `journal` the last interval of shares lives only on the task's disk until shipped.
         */
        ackAfter: z.enum(['queue', 'journal']).default('queue'),
        shipIntervalMs: z.number().int().min(50).max(60_000).default(1000),
      })
      .prefault({}),
    coins: z.array(coinSchema).min(1),
    /**
     * AuxPoW chains the coin registry does not have (core/config/aux-chains.ts): chain id, address versions,
     * maturity. Each is configured in `coins` like DOGE, merge-mined (`mergedWith`) under a parent of the registry.
     */
    auxChains: z.array(auxChainSchema).default([]),
    /** Switching ports (issue 17), beside the coins' own ports. */
    switching: z.array(switchingSchema).default([]),
    /** Miner accounts (issue 19); absent: no accounts. */
    accounts: accountsSchema.optional(),
  })
  .superRefine((cfg, ctx) => {
    // Every port is unique across the whole config: the coins' and the switching ports' alike.
    const seen = new Map<string, string>();
    const owners = [
      ...cfg.coins.map((c, i) => ({ ports: c.ports, at: ['coins', i] as const })),
      ...cfg.switching.map((sw, i) => ({ ports: sw.ports, at: ['switching', i] as const })),
    ];
    for (const { ports, at } of owners) {
      ports.forEach((p, j) => {
        if (p.port === 0) return;
        const key = `${p.host}:${p.port}`;
        const first = seen.get(key);
        if (first)
          ctx.addIssue({
            code: 'custom',
            path: [...at, 'ports', j, 'port'],
            message: `${key} is already used by ${first}`,
          });
        else seen.set(key, `${at[0]}[${at[1]}].ports[${j}]`);
      });
    }
    switchingIssues(cfg, ctx);
    const symbols = cfg.coins.map((c) => c.symbol);
    symbols.forEach((s, i) => {
      if (symbols.indexOf(s) !== i)
        ctx.addIssue({ code: 'custom', path: ['coins', i, 'symbol'], message: `coin ${s} is configured twice` });
    });
    mergedMiningIssues(cfg, ctx);
    proxyIncomeIssues(cfg, ctx);
    // One payouts pass per ledger: a target's ledger is paid by one `payouts` block, a mined coin's by its own.
    const payer = new Map<string, string>();
    cfg.coins.forEach((coin, i) => {
      coin.conversion?.targets.forEach((t, j) => {
        if (!t.payouts) return;
        const path = ['coins', i, 'conversion', 'targets', j, 'payouts'];
        const first = payer.get(t.currency);
        if (symbols.includes(t.currency))
          ctx.addIssue({
            code: 'custom',
            path,
            message: `the pool mines ${t.currency}: its ledger is paid by that coin's payouts`,
          });
        else if (first)
          ctx.addIssue({ code: 'custom', path, message: `${t.currency} payouts are already configured in ${first}` });
        else payer.set(t.currency, `coins[${i}].conversion.targets[${j}].payouts`);
      });
    });
  });

/**
 * Merged mining (core/config/merged.ts): an aux coin names a configured parent of its algorithm that is not itself
 * merge-mined, has no ports, a chain id (its registry entry's `auxpow`) no other aux coin of that parent has, and a
 * scheme that splits found blocks (PPS and PoT pay shares at the parent's network difficulty, which an aux chain's
 * blocks do not follow); the parent's coinbase must fit the commitment in its 100-byte scriptSig.
 */
function mergedMiningIssues(
  cfg: { coins: Array<z.output<typeof coinSchema>>; pool: { tag: string } },
  ctx: z.RefinementCtx,
): void {
  const bySymbol = new Map(cfg.coins.map((c) => [c.symbol, c] as const));
  const chainIds = new Map<string, string>();
  cfg.coins.forEach((coin, i) => {
    if (coin.mergedWith === undefined || !isKnownCoin(coin.symbol)) return;
    const at = (...path: (string | number)[]) => ['coins', i, ...path];
    const def = getCoin(coin.symbol);
    const parent = bySymbol.get(coin.mergedWith);
    if (!def.auxpow) {
      ctx.addIssue({
        code: 'custom',
        path: at('mergedWith'),
        message: `${coin.symbol} has no AuxPoW: it cannot be merge-mined`,
      });
      return;
    }
    if (!parent) {
      ctx.addIssue({ code: 'custom', path: at('mergedWith'), message: `${coin.mergedWith} is not a configured coin` });
      return;
    }
    if (parent.mergedWith !== undefined)
      ctx.addIssue({ code: 'custom', path: at('mergedWith'), message: `${parent.symbol} is itself merge-mined` });
    // The upstream's jobs are its coinbase, which cannot commit to this pool's aux chains.
    if (parent.proxy !== undefined || coin.proxy !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: at('mergedWith'),
        message: `${coin.symbol} cannot be merge-mined in proxy mode (${parent.symbol}'s jobs come from its upstream)`,
      });
    if (getCoin(parent.symbol).algorithm !== def.algorithm)
      ctx.addIssue({
        code: 'custom',
        path: at('mergedWith'),
        message: `${coin.symbol} (${def.algorithm}) cannot be merge-mined with ${parent.symbol} (${getCoin(parent.symbol).algorithm})`,
      });
    if (coin.ports.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: at('ports'),
        message: "a merge-mined coin has no ports: its parent's miners mine it",
      });
    const key = `${parent.symbol}#${def.auxpow.chainId}`;
    const first = chainIds.get(key);
    if (first)
      ctx.addIssue({
        code: 'custom',
        path: at('symbol'),
        message: `${coin.symbol} has the chain id ${def.auxpow.chainId} of ${first}, also merged with ${parent.symbol}`,
      });
    else chainIds.set(key, coin.symbol);
    const scheme = coin.rewards?.scheme;
    if (scheme === 'PPS' || scheme === 'POT')
      ctx.addIssue({
        code: 'custom',
        path: at('rewards', 'scheme'),
        message: `a merge-mined coin's blocks are split over the parent's shares: use PPLNS, PROP or SOLO, not ${scheme}`,
      });
  });
  cfg.coins.forEach((coin, i) => {
    if (!cfg.coins.some((c) => c.mergedWith === coin.symbol)) return;
    try {
      scriptSigRoomWithCommitment({
        // The widest height push a chain will reach for a long time (5 bytes: heights up to 2^31).
        height: 0x7fffffff,
        extranonce1Size: 6,
        extranonce2Size: 4,
        tag: Buffer.from(cfg.pool.tag, 'utf8'),
      });
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['coins', i, 'symbol'], message: (err as Error).message });
    }
  });
}

/**
 * A switching port's coins are configured, mined (not merge-mined, not proxied: the port needs their own jobs and
 * their rewards), of its algorithm, each once; its name is unique.
 */
function switchingIssues(
  cfg: { coins: Array<z.output<typeof coinSchema>>; switching: Array<z.output<typeof switchingSchema>> },
  ctx: z.RefinementCtx,
): void {
  const bySymbol = new Map(cfg.coins.map((c) => [c.symbol, c] as const));
  const names = new Set<string>();
  cfg.switching.forEach((sw, i) => {
    const at = (...path: (string | number)[]) => ['switching', i, ...path];
    if (names.has(sw.name))
      ctx.addIssue({ code: 'custom', path: at('name'), message: `switching port ${sw.name} is configured twice` });
    names.add(sw.name);
    sw.coins.forEach((symbol, j) => {
      const coin = bySymbol.get(symbol);
      const refuse = (message: string) => ctx.addIssue({ code: 'custom', path: at('coins', j), message });
      if (sw.coins.indexOf(symbol) !== j) refuse(`${symbol} is listed twice`);
      else if (!coin) refuse(`${symbol} is not a configured coin`);
      else if (coin.mergedWith !== undefined)
        refuse(`${symbol} is merge-mined with ${coin.mergedWith}: switch to ${coin.mergedWith}, which mines it`);
      else if (coin.proxy !== undefined)
        refuse(`${symbol} is proxied to an upstream pool: the port cannot mine its jobs`);
      else if (getCoin(symbol).algorithm !== sw.algorithm)
        refuse(`${symbol} is ${getCoin(symbol).algorithm}, not ${sw.algorithm}`);
    });
    if (sw.payoutCurrency === undefined) return;
    const payout = bySymbol.get(sw.payoutCurrency);
    if (!payout || payout.mergedWith !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: at('payoutCurrency'),
        message: `${sw.payoutCurrency} is not a configured coin mined itself: miners must be paid in a coin the pool keeps a ledger and miner pages for`,
      });
      return;
    }
    // Refused rather than accrued: a switching miner's balance on a coin that cannot be converted would never be paid
    // (its address is not the coin's: payouts skip it).
    sw.coins.forEach((symbol, j) => {
      if (symbol === sw.payoutCurrency) return;
      if (bySymbol.get(symbol)?.conversion?.targets.some((t) => t.currency === sw.payoutCurrency)) return;
      ctx.addIssue({
        code: 'custom',
        path: at('coins', j),
        message: `${symbol} has no conversion to ${sw.payoutCurrency} (coins[].conversion.targets): the port's miners' ${symbol} would never be paid`,
      });
    });
  });
}

export type PoolConfigInput = z.input<typeof poolConfigSchema>;
export type PoolConfig = z.output<typeof poolConfigSchema>;
export type CoinConfig = PoolConfig['coins'][number];
export type PortConfig = CoinConfig['ports'][number];
export type SecurityConfig = z.output<typeof securitySchema>;
export type AccountsConfig = z.output<typeof accountsSchema>;
