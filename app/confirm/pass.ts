import { getCoin, payoutConfirmationDepth, validateAddress } from '../../core/coins/index.js';
import { roundsCoinOf } from '../../core/config/merged.js';
import type { CoinConfig } from '../../core/config/schema.js';
import { ConfigError } from '../../core/errors.js';
import type { ReferralReader } from '../../core/ports/account-store.js';
import type { ConfirmationRules, PpsChain } from '../../core/ports/chain-reader.js';
import type { LedgerStateStore, MoneyStore } from '../../core/ports/money-store.js';
import type { RoundShareReader } from '../../core/ports/share-store.js';
import type { UpstreamPayoutStore, UpstreamWallet } from '../../core/ports/upstream-payouts.js';
import { paysPerShare } from '../../core/rewards/config.js';
import { distributeUpstreamPayouts, type UpstreamDeps, type UpstreamReport } from '../proxy/upstream.js';
import { withLease } from '../shared/debit-lease.js';
import { type ConfirmDeps, type ConfirmReport, confirmBlocks } from './confirm.js';
import { creditPps, type PpsDeps, type PpsReport } from './pps.js';

/** The lease a confirmation pass holds on the coin's ledger (`STATE/lease#confirm`): passes never overlap. */
export const CONFIRM_LEASE = 'confirm';
/** Longer than a pass may run (the confirm Lambda's 5-minute timeout), so that it only expires when its holder died. */
const CONFIRM_LEASE_MS = 6 * 60_000;

export interface ConfirmPassReport extends ConfirmReport {
  /** True when another pass held the lease: this one did nothing (the next scheduled one will). */
  busy: boolean;
  /** PPS/PoT coins: the rounds this pass credited. */
  pps?: PpsReport;
  /** Proxied coins: what the upstream paid, and what this pass credited of it (app/proxy). */
  upstream?: UpstreamReport;
}

/**
 * One scheduled confirmation pass of a coin, the same in AWS and locally: blocks (confirmBlocks), then PPS/PoT rounds
 * (creditPps), then a proxied coin's upstream payouts (distributeUpstreamPayouts), holding the coin's confirmation lease. Two passes at once (a schedule firing while the last still
 * runs, `pool confirm` beside the local timer) would each be safe write by write, but the moves of a block out of
 * the chain and back assume one writer (a move starts only after the one before it is written): the lease makes the
 * second pass step aside at once. In AWS the confirm Lambda also has reserved concurrency 1.
 */
export async function runConfirmPass(
  deps: ConfirmDeps & {
    money: PpsDeps['money'] & Pick<LedgerStateStore, 'acquireLease' | 'releaseLease'>;
    chain: PpsChain;
    /** Proxied coins: the upstream payouts pass, run after the blocks under the same lease. */
    upstream?: UpstreamDeps;
  },
): Promise<ConfirmPassReport> {
  const leased = await withLease(
    { coin: deps.coin.symbol, money: deps.money, log: deps.log, waitMs: 0 },
    { name: CONFIRM_LEASE, ms: CONFIRM_LEASE_MS, busy: 'another confirmation pass holds the lease; skipping this one' },
    async () => {
      const report: ConfirmPassReport = { ...(await confirmBlocks(deps)), busy: false };
      if (paysPerShare(deps.rewards.scheme)) report.pps = await creditPps(deps);
      if (deps.upstream) report.upstream = await distributeUpstreamPayouts(deps.upstream);
      return report;
    },
  );
  if (leased.held) return leased.value;
  return { checked: 0, immature: 0, confirmed: 0, orphaned: 0, restored: 0, busy: true };
}

/** A coin's confirmation pass as a composition root has it: the coin's config and the adapters it built. */
export interface CoinConfirmDeps {
  coin: Readonly<CoinConfig>;
  shares: RoundShareReader;
  money: MoneyStore;
  /** The coin's chain family's confirmation rules (families/: the chain reader and the maturity). */
  rules: ConfirmationRules;
  log: ConfirmDeps['log'];
  now: () => number;
  /**
   * A proxied coin's (coins[].proxy) pool wallet as the upstream payouts pass reads it, and where those payouts are
   * recorded: required for such a coin.
   */
  upstream?: { wallet: UpstreamWallet; store: UpstreamPayoutStore };
  /**
   * Miner accounts (config `accounts`, issue 19): who referred whom, read when a block's split is fixed. Absent, or a
   * fee share of 0: no referral credits.
   */
  referrals?: { reader: ReferralReader; feeSharePercent: number };
}

/**
 * One confirmation pass of a configured coin (runConfirmPass with the coin's definition, pool address and rewards):
 * the one wiring the confirm Lambda (lambdas/confirm/handler.ts) and local mode's timer (local/money.ts) both call.
 */
export async function confirmCoin(deps: CoinConfirmDeps): Promise<ConfirmPassReport> {
  const { coin, rules, upstream, ...ports } = deps;
  if (!coin.rewards) throw new ConfigError(`${coin.symbol} has no rewards config: nothing to confirm`);
  const def = getCoin(coin.symbol);
  return runConfirmPass({
    ...ports,
    ...(coin.proxy ? { upstream: upstreamDeps(deps, coin.proxy, coin.rewards) } : {}),
    chain: rules.chain,
    ...(rules.unseenGrace === undefined ? {} : { unseenGrace: rules.unseenGrace }),
    coin: { ...def, coinbaseMaturity: rules.maturity },
    roundsCoin: roundsCoinOf(coin),
    rewards: coin.rewards,
  });
}

/** A proxied coin's upstream payouts pass, from its config: the coin's fee rules, payout confirmations and depth. */
function upstreamDeps(
  deps: CoinConfirmDeps,
  proxy: NonNullable<CoinConfig['proxy']>,
  rewards: NonNullable<CoinConfig['rewards']>,
): UpstreamDeps {
  const { coin, rules } = deps;
  if (!deps.upstream) throw new ConfigError(`${coin.symbol} is proxied: its confirmation pass needs the pool wallet`);
  const def = getCoin(coin.symbol);
  return {
    coin: { symbol: coin.symbol, stratumDiffMultiplier: def.stratumDiffMultiplier },
    // As the wallet reports it (the canonical spelling), so that its receipts compare equal.
    poolAddress: validateAddress(def, coin.network, coin.poolAddress),
    rewards,
    distribution: proxy.distribution,
    confirmations: proxy.confirmations ?? payoutConfirmationDepth(coin),
    minimumPayment: BigInt(proxy.minimumPayment),
    settleDepth: rules.maturity,
    wallet: deps.upstream.wallet,
    store: deps.upstream.store,
    money: deps.money,
    shares: deps.shares,
    chain: rules.chain,
    log: deps.log,
    now: deps.now,
  };
}
