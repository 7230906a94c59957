import { StorageError } from '../../core/errors.js';
import type { ChainReader } from '../../core/ports/chain-reader.js';
import type { Logger } from '../../core/ports/logger.js';
import type { LedgerStateStore, LedgerStore } from '../../core/ports/money-store.js';
import type { RoundShareReader } from '../../core/ports/share-store.js';
import type { UpstreamPayoutStore, UpstreamWallet } from '../../core/ports/upstream-payouts.js';
import {
  type ProxyDistribution,
  receiptStatus,
  splitUpstreamPayout,
  type UpstreamPayout,
  upstreamEntries,
  upstreamPayoutId,
  upstreamReceipts,
} from '../../core/proxy/upstream-payouts.js';
import type { RewardsConfig } from '../../core/rewards/config.js';
import type { RoundWeights } from '../../core/rewards/schemes.js';

/** The wallet history is read again from this cursor's height on each pass (a reorg may move what is above it). */
const SCAN_CURSOR = 'upstream-scan';
/**
 * The tip when the coin's first upstream pass ran: what the pool address received in blocks up to it (a float the
 * operator sent, coins from before the coin was proxied) is not the upstream's, and never read.
 */
const START_CURSOR = 'upstream-start';
/** Heights of proxied rounds read at once (one range read). */
const ROUND_RANGE = 100;
/**
 * How far below a payment its split looks for shares by default: 20,000 heights (about five weeks of LTC blocks,
 * twenty of Bitcoin's), far more than an upstream's payout period, and 200 range reads at most.
 */
const MAX_ROUNDS = 20_000;

export interface UpstreamDeps {
  coin: { symbol: string; stratumDiffMultiplier: number };
  /** Where the upstream pays the pool: the coin's pool address, as the wallet spells it. */
  poolAddress: string;
  rewards: RewardsConfig;
  distribution: ProxyDistribution;
  /** Confirmations an upstream payout needs before it is split and credited (the coin's payout confirmations). */
  confirmations: number;
  /** Receipts below this (base units) are recorded as ignored, never split: dust anyone can send the pool address. */
  minimumPayment: bigint;
  /**
   * Blocks after which a credited payout is no longer watched for a reorg, and how far below the tip the wallet is
   * read again each pass (the coin's confirmation depth).
   */
  settleDepth: number;
  wallet: UpstreamWallet;
  store: UpstreamPayoutStore;
  money: Pick<LedgerStore, 'putEntries'> &
    Pick<LedgerStateStore, 'getCursor' | 'setCursor' | 'getSuspension' | 'setSuspension'>;
  /** The proxy's rounds (the upstream jobs' heights, on the coin's chain). */
  shares: RoundShareReader;
  /** The coin's chain: the network difficulty at a payout's height (the PPLNS window). */
  chain: Pick<ChainReader, 'blockValue'>;
  /** How far below a payment the split looks for proxied shares (heights; default MAX_ROUNDS). */
  maxRounds?: number;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  now: () => number;
}

export interface UpstreamReport {
  /** Upstream payouts seen in the wallet for the first time. */
  recorded: number;
  /** Of those, below the minimum payment: recorded as ignored. */
  ignored: number;
  /** Recorded ones still short of their confirmations. */
  waiting: number;
  /** Split and credited in this pass. */
  credited: number;
  /** What those paid, base units. */
  creditedAmount: bigint;
  /** No longer watched (buried past settleDepth). */
  settled: number;
}

/**
 * Proxy mining's money pass: what the upstream pool paid the pool, split among the proxy's miners on the ledger.
 *
 * 1. Detect: the wallet's entries since the scan cursor (a settle depth below the tip, so a reorg's moves are read
 *    again; never below the tip of the coin's first pass: what the address held before is not the upstream's, and
 *    the operator funds the wallet at another of its addresses); each upstream receipt (core/proxy `upstreamReceipts`) is recorded once by `<txid>:<vout>` (a conditional
 *    put: seen again, nothing changes), as soon as the wallet has it, confirmed or not; one below `minimumPayment` as
 *    ignored, which nothing splits, lists or credits.
 * 2. Credit, in height order: a pending payout with the coin's payout confirmations gets its split fixed once on its
 *    item (`attribute_not_exists(credits)`; whoever fixed it first wins, read back), then its `upstream` entries
 *    (deterministic ids, each applied to its balance once), then its status pending → credited. A payout that a reorg
 *    takes out of the chain before that waits, uncredited, as long as it is out.
 * 3. Watch: a credited payout is read each pass until the chain is a settle depth past it. Found out of the chain
 *    (conflicted, back in the mempool, unknown to the wallet), its credits stand, since miners may have been paid
 *    them already, and the coin's payouts are suspended with the reason: the pool's wallet may now hold less than its
 *    ledger owes, which is the operator's to resolve (`pool payouts resume`).
 *
 * Every write is one conditional single-item write, so a crash anywhere leaves a state the next pass completes
 * (pending with a fixed split: its entries are written again, which writes only the missing ones).
 */
export async function distributeUpstreamPayouts(deps: UpstreamDeps): Promise<UpstreamReport> {
  const { coin, store, money, log } = deps;
  const report: UpstreamReport = { recorded: 0, ignored: 0, waiting: 0, credited: 0, creditedAmount: 0n, settled: 0 };
  let start = await money.getCursor(coin.symbol, START_CURSOR);
  if (start === undefined) {
    start = await deps.wallet.tipHeight();
    await money.setCursor(coin.symbol, START_CURSOR, start);
    log.info({ coin: coin.symbol, height: start }, 'upstream payouts are read from the blocks after this height');
  }
  const cursor = Math.max((await money.getCursor(coin.symbol, SCAN_CURSOR)) ?? start, start);
  const { tip, entries } = await deps.wallet.entriesSince(cursor);
  for (const r of upstreamReceipts(entries, deps.poolAddress)) {
    const id = upstreamPayoutId(r.txid, r.vout);
    const payout: UpstreamPayout = {
      id,
      txid: r.txid,
      vout: r.vout,
      amount: r.amount,
      status: receiptStatus(r.amount, deps.minimumPayment),
      seenAt: deps.now(),
    };
    if (await store.recordUpstreamPayout(coin.symbol, payout)) {
      report.recorded++;
      if (payout.status === 'ignored') {
        report.ignored++;
        log.warn(
          { coin: coin.symbol, id, amount: r.amount.toString(), minimum: deps.minimumPayment.toString() },
          'payment to the pool address below proxy.minimumPayment: recorded as ignored, not split',
        );
      } else log.info({ coin: coin.symbol, id, amount: r.amount.toString() }, 'upstream payout seen');
    }
  }
  await money.setCursor(coin.symbol, SCAN_CURSOR, Math.max(tip - deps.settleDepth, start));

  const open = await store.listOpenUpstreamPayouts(coin.symbol);
  const placed = await Promise.all(open.map(async (p) => ({ p, tx: await deps.wallet.transaction(p.txid) })));
  // Lowest height first: a PROP period starts where the payout before it ended.
  placed.sort((a, b) => (a.p.height ?? a.tx?.height ?? Infinity) - (b.p.height ?? b.tx?.height ?? Infinity));
  for (const { p, tx } of placed) {
    if (p.status === 'pending') {
      let payout = p;
      if (!payout.credits) {
        if (!tx || tx.height === undefined || tx.confirmations < deps.confirmations) {
          report.waiting++;
          continue;
        }
        payout = await fixSplit(deps, payout, tx.height);
      }
      // Before it is credited: the next payout's PROP period starts after this one's height.
      await store.markUpstreamSplit(coin.symbol, p.id, payout.height!);
      await money.putEntries(coin.symbol, upstreamEntries(payout, payout.credits!, deps.now()));
      if (await store.setUpstreamStatus(coin.symbol, p.id, 'pending', 'credited')) {
        report.credited++;
        report.creditedAmount += payout.amount;
        log.info(
          { coin: coin.symbol, id: p.id, amount: p.amount.toString(), height: payout.height },
          'upstream payout credited to the proxy miners',
        );
      }
      continue;
    }
    await watch(deps, p, tx, tip, report);
  }
  return report;
}

/** A credited payout: settled once the chain is settleDepth past it; out of the chain, payouts are suspended. */
async function watch(
  deps: UpstreamDeps,
  p: UpstreamPayout,
  tx: Awaited<ReturnType<UpstreamWallet['transaction']>>,
  tip: number,
  report: UpstreamReport,
): Promise<void> {
  const { coin, money, log } = deps;
  const inChain = tx !== undefined && tx.confirmations > 0;
  if (!inChain) {
    const reason = `upstream payout ${p.id} (${p.amount}) was credited and is out of the chain now (${
      tx ? `${tx.confirmations} confirmations` : 'unknown to the wallet'
    }): its credits stand; check the wallet covers the ledger before resuming payouts`;
    log.error({ coin: coin.symbol, id: p.id }, reason);
    if ((await money.getSuspension(coin.symbol)) === undefined) await money.setSuspension(coin.symbol, reason);
  }
  if (p.height === undefined || tip - p.height < deps.settleDepth) return;
  if (await deps.store.setUpstreamStatus(coin.symbol, p.id, 'credited', 'settled')) report.settled++;
}

async function fixSplit(deps: UpstreamDeps, payout: UpstreamPayout, height: number): Promise<UpstreamPayout> {
  const { coin, store } = deps;
  const previousHeight = deps.distribution === 'PROP' ? await store.previousSplitHeight(coin.symbol, height) : -1;
  const networkDifficulty =
    deps.distribution === 'PPLNS' ? (await deps.chain.blockValue(height)).difficulty * coin.stratumDiffMultiplier : 0;
  const window = deps.distribution === 'PPLNS' ? networkDifficulty * deps.rewards.pplnsWindowFactor : Infinity;
  const rounds = await proxiedRounds(deps, height, previousHeight, window);
  const credits = splitUpstreamPayout(
    payout,
    { height, networkDifficulty, previousHeight },
    rounds,
    deps.rewards,
    deps.distribution,
  );
  await store.setUpstreamCredits(coin.symbol, payout.id, height, credits);
  // Whoever fixed it first wins: read back what is stored.
  const stored = await store.getUpstreamPayout(coin.symbol, payout.id);
  if (!stored?.credits) throw new StorageError(`upstream payout ${payout.id}: credits were not stored`);
  return stored;
}

/**
 * The proxied rounds a payment at `height` is split over, newest first. Unlike a found block's (app/confirm
 * `roundsBefore`, which ends after 100 heights without shares: a block's round is at its own height), a payment lands
 * long after the shares that earned it (the upstream's coinbase maturity, then its payout schedule), so heights
 * without shares do not end the walk: it reads down to the PROP period's start (above `previousHeight`), or until
 * the PPLNS window (share units) is filled, and never more than maxRounds heights.
 */
async function proxiedRounds(
  deps: UpstreamDeps,
  height: number,
  previousHeight: number,
  window: number,
): Promise<RoundWeights[]> {
  const lowest = Math.max(previousHeight + 1, height - (deps.maxRounds ?? MAX_ROUNDS) + 1, 0);
  const rounds: RoundWeights[] = [];
  let weight = 0;
  for (let top = height; top >= lowest && weight < window; top -= ROUND_RANGE) {
    const range = await deps.shares.getRoundsBetween(deps.coin.symbol, Math.max(top - ROUND_RANGE + 1, lowest), top);
    for (const r of range.sort((a, b) => b.height - a.height)) {
      if (r.miners.length === 0) continue;
      rounds.push({ height: r.height, miners: r.miners.map((m) => ({ miner: m.miner, difficulty: m.difficulty })) });
      weight += r.miners.reduce((sum, m) => sum + m.difficulty, 0);
    }
  }
  return rounds;
}
