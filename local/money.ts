import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoAccountReaders } from '../adapters/aws/dynamo-account-readers.js';
import { createDocumentClient } from '../adapters/aws/dynamo-client.js';
import { ensureAccountsTable } from '../adapters/aws/tables.js';
import { type ConfirmPassReport, confirmCoin } from '../app/confirm/pass.js';
import { type PayoutDeps, type PayoutReport, runPayouts } from '../app/payouts/payouts.js';
import { accountPayoutSettings, auxPayoutSettings, payoutSettings } from '../app/payouts/policy.js';
import type { CoinConfig, PoolConfig } from '../core/config/schema.js';
import { foreignAccountsFor } from '../core/conversion/exclusion.js';
import { ConfigError } from '../core/errors.js';
import type { AuditResult, Balance } from '../core/ledger/ledger.js';
import { ppsLiabilityFromEntries } from '../core/ledger/pps-liability.js';
import type { MinerPayoutSettingsReader, ReferralReader } from '../core/ports/account-store.js';
import type { AuxAddressStore } from '../core/ports/aux-address-store.js';
import type { ConversionStore } from '../core/ports/conversion-store.js';
import type { Logger } from '../core/ports/logger.js';
import type { MoneyStore } from '../core/ports/money-store.js';
import type { MinerActivityReader, RoundShareReader } from '../core/ports/share-store.js';
import type { UpstreamPayoutStore } from '../core/ports/upstream-payouts.js';
import { paysPerShare } from '../core/rewards/config.js';
import { upstreamPorts } from '../families/chain-family.js';
import { CHAIN_FAMILIES, type ChainFamilies } from '../families/registry.js';
import { auditCoin, conversionViews } from './audit.js';
import { type LocalConverter, localConverter } from './conversion.js';
import { LOCAL_TABLE_PREFIX } from './storage.js';
import { startTargetMoney, type TargetMoneyRunner } from './target-money.js';
import { everyOnePass } from './timers.js';

export interface MoneyRunner {
  coin: string;
  /** One confirmation pass (`busy`: another pass held the lease, this one did nothing). */
  confirm(): Promise<Omit<ConfirmPassReport, 'pps'>>;
  payouts(opts?: { dryRun?: boolean; crashAt?: PayoutDeps['crashAt'] }): Promise<PayoutReport>;
  balances(): Promise<Map<string, Balance>>;
  audit(): Promise<AuditResult>;
  resume(): Promise<void>;
  /** PPS coins: what miners were credited per share, what the pool's blocks brought in, and the difference. */
  ppsStatus(): Promise<{ pps?: { credited: bigint; blockRewards: bigint; liability: bigint } }>;
  /** Converting coins (`conversion`): a conversion pass and quotes, as the conversion Lambda does them. */
  conversion?: LocalConverter;
  /** The target currencies this coin's conversion pays out (targets[].payouts), by currency: `targets.get('USDT')`. */
  targets: ReadonlyMap<string, TargetMoneyRunner>;
  stop(): void;
}

/** What the money passes read of the accounts (local mode: the accounts table on dynalite). */
export interface LocalAccountsMoney {
  readers: MinerPayoutSettingsReader & ReferralReader;
  feeSharePercent: number;
}

/**
 * The accounts' side of the money passes when the pool has accounts (config `accounts`): the accounts table, created
 * where missing under the local prefix, read by the same readers as in AWS. Undefined without accounts.
 */
export async function localAccountsMoney(
  client: DynamoDBClient,
  config: Readonly<PoolConfig>,
): Promise<LocalAccountsMoney | undefined> {
  if (!config.accounts) return undefined;
  const table = await ensureAccountsTable(client, LOCAL_TABLE_PREFIX);
  return {
    readers: new DynamoAccountReaders({ doc: createDocumentClient(client), table }),
    feeSharePercent: config.accounts.referrals.feeSharePercent,
  };
}

/**
 * One coin's money processes in local mode: the same `confirmCoin` and `runPayouts` the Lambdas run, on local
 * timers instead of EventBridge schedules, with the chain reader and payout sender of the coin's chain family.
 */
export function startMoney(opts: {
  coin: Readonly<CoinConfig>;
  /**
   * Round sums (confirmation, PPS) and miners' last shares (payouts' inactive threshold), read for the coin whose
   * rounds pay this coin's blocks: a merge-mined coin reads its parent's (core/config/merged.ts `roundsCoinOf`).
   */
  shares: { rounds: RoundShareReader; miners: MinerActivityReader };
  /** A merge-mined coin's miners' aux payout addresses: where its payouts go (required for such a coin's payouts). */
  auxAddresses?: Pick<AuxAddressStore, 'listAuxAddresses'>;
  /** The coin's money; a proxied coin's upstream payouts are recorded on the same ledger. */
  money: MoneyStore & UpstreamPayoutStore;
  /** Preferences and conversions, for a coin with `conversion`: payouts leave opted-in miners alone. */
  conversions?: ConversionStore;
  /** The pool's coins, for the audit of a target ledger others convert into too (default: this coin). */
  sources?: ReadonlyArray<Readonly<CoinConfig>>;
  /**
   * The pool's switching ports (issue 17): on a coin a port pays in another currency, that currency's addresses are
   * foreign accounts (core/conversion/exclusion.ts), never paid here, only converted. Needs `sources` naming the
   * payout currencies.
   */
  switching?: PoolConfig['switching'];
  /**
   * The pool has accounts (config `accounts`, issue 19): their payout settings and referrals, read from the accounts
   * table, and the referrers' share of the fee.
   */
  accounts?: LocalAccountsMoney;
  log: Logger;
  /** Where the coin's chain family is found (default: the pool's families, families/registry.ts). */
  families?: ChainFamilies;
  confirmEveryMs?: number;
  timers?: boolean;
}): MoneyRunner | undefined {
  const { coin, money, log } = opts;
  if (!coin.rewards) return undefined;
  const family = (opts.families ?? CHAIN_FAMILIES).forCoin(coin);
  const rules = family.money.confirmation(coin);
  const upstream = upstreamPorts(family, coin, money);
  const foreign = foreignAccountsFor({ coins: opts.sources ?? [coin], switching: opts.switching ?? [] }, coin.symbol);
  const confirm = async () => {
    const {
      pps,
      upstream: paid,
      ...report
    } = await confirmCoin({
      coin,
      shares: opts.shares.rounds,
      money,
      rules,
      ...upstream,
      ...(opts.accounts && {
        referrals: { reader: opts.accounts.readers, feeSharePercent: opts.accounts.feeSharePercent },
      }),
      log,
      now: Date.now,
    });
    if (pps && pps.rounds > 0)
      log.info({ coin: coin.symbol, ...pps, credited: pps.credited.toString() }, 'PPS rounds credited');
    if (paid && (paid.recorded > 0 || paid.credited > 0))
      log.info({ coin: coin.symbol, ...paid, creditedAmount: paid.creditedAmount.toString() }, 'upstream payouts');
    return paid ? { ...report, upstream: paid } : report;
  };
  const payouts: MoneyRunner['payouts'] = async (o = {}) => {
    if (!coin.payouts) throw new ConfigError(`payouts are not configured for ${coin.symbol} (coins[].payouts)`);
    return runPayouts(
      {
        coin: coin.symbol,
        ...payoutSettings(coin, opts.shares.miners, Date.now),
        ...auxPayoutSettings(coin, opts.auxAddresses),
        ...accountPayoutSettings(coin, opts.accounts?.readers),
        money,
        sender: family.money.payoutSender(coin),
        ...(coin.conversion && opts.conversions ? { conversions: opts.conversions } : {}),
        ...(foreign ? { foreign } : {}),
        log,
        now: Date.now,
        crashAt: o.crashAt,
      },
      { dryRun: o.dryRun },
    );
  };
  const timers: ReturnType<typeof setInterval>[] = [];
  const every = (ms: number, what: string, fn: () => Promise<unknown>, o: { atStart?: boolean } = {}) => {
    timers.push(everyOnePass(ms, fn, (err) => log.error({ err, coin: coin.symbol }, `${what} failed`), o));
  };
  const conversion =
    coin.conversion && opts.conversions ? localConverter(coin, money, opts.conversions, log, foreign) : undefined;
  const sourceViews =
    coin.conversion && opts.conversions
      ? async () => conversionViews(await opts.conversions!.listConversions(coin.symbol), 'source', coin.conversion!)
      : undefined;
  // Targets paid by this coin's config (the pool config lets only one coin pay a target).
  const targets = new Map<string, TargetMoneyRunner>();
  for (const t of coin.conversion?.targets ?? []) {
    if (!t.payouts || !opts.conversions) continue;
    targets.set(
      t.currency,
      startTargetMoney({
        target: { currency: t.currency, wallet: t.wallet, payouts: t.payouts },
        money,
        conversions: opts.conversions,
        sources: opts.sources ?? [coin],
        log,
      }),
    );
  }
  if (opts.timers !== false) {
    every(opts.confirmEveryMs ?? 15_000, 'block confirmation', confirm);
    if (coin.payouts) every(coin.payouts.intervalSeconds * 1000, 'payouts', () => payouts());
    if (conversion && coin.conversion)
      // Also at start: the pass records the quotes miners see, which would otherwise wait a whole period.
      every(coin.conversion.scheduleMinutes * 60_000, 'conversion', () => conversion.run(), { atStart: true });
    for (const t of coin.conversion?.targets ?? []) {
      const runner = targets.get(t.currency);
      if (runner && t.payouts) every(t.payouts.intervalSeconds * 1000, `${t.currency} payouts`, () => runner.payouts());
    }
  }
  return {
    coin: coin.symbol,
    confirm,
    payouts,
    balances: () => money.listBalances(coin.symbol),
    audit: () => auditCoin(money, coin.symbol, sourceViews),
    targets,
    ...(conversion ? { conversion } : {}),
    resume: () => money.setSuspension(coin.symbol, undefined),
    ppsStatus: async () => {
      if (!paysPerShare(coin.rewards!.scheme)) return {};
      const pps = ppsLiabilityFromEntries(await money.listEntries(coin.symbol));
      return { pps: { credited: pps.credited, blockRewards: pps.received, liability: pps.liability } };
    },
    stop: () => {
      for (const t of timers) clearInterval(t);
      for (const t of targets.values()) t.stop();
    },
  };
}
