import type { CoinDefinition } from '../../core/coins/index.js';
import { parseRevisionRef, roundCreditEntries, roundRef } from '../../core/ledger/ledger.js';
import type { PpsChain } from '../../core/ports/chain-reader.js';
import type { LedgerStateStore, LedgerStore } from '../../core/ports/money-store.js';
import type { RoundShareReader } from '../../core/ports/share-store.js';
import type { RewardsConfig } from '../../core/rewards/config.js';
import { ppsCredits, type RoundPaid, topUpCredits } from '../../core/rewards/pps.js';
import type { Tally } from '../../core/shares/aggregate.js';

/** Rounds are first credited this many blocks after they ended, so that most late shares are in by then. */
export const PPS_LAG_BLOCKS = 2;
/**
 * Shares can still arrive long after their round was credited: an SQS redelivery after the visibility timeout, a
 * stratum process forked again on its spool, a spool replayed after a queue outage, a dead-letter queue redriven
 * days later. Every pass checks the last PPS_RECENT_ROUNDS credited rounds, and PPS_SWEEP_ROUNDS older ones in turn,
 * back to PPS_LATE_WINDOW heights (14 days of the dead-letter queue at one block a minute; more for slower coins).
 */
export const PPS_RECENT_ROUNDS = 64;
export const PPS_SWEEP_ROUNDS = 512;
export const PPS_LATE_WINDOW = 20_160;
/** Cursors: the last round credited, the first (rounds before it were never PPS rounds), the sweep's next height. */
const CURSOR = 'pps';
const FIRST = 'pps-first';
const SWEEP = 'pps-sweep';

export interface PpsDeps {
  coin: CoinDefinition;
  rewards: RewardsConfig;
  shares: RoundShareReader;
  money: Pick<LedgerStore, 'putEntries' | 'listAccountEntries'> &
    Pick<LedgerStateStore, 'getCursor' | 'setCursor' | 'listCreditedRounds' | 'setCreditedRound'>;
  chain: PpsChain;
  now: () => number;
  /** The first height credited when no cursor exists yet (default: the last lagged height only). */
  startHeight?: number;
}

export interface PpsReport {
  /** Rounds that got credits in this pass (new ones and ones credited again for late shares). */
  rounds: number;
  credited: bigint;
  /** Of `rounds`, those credited before: late shares paid. */
  late: number;
}

/**
 * PPS (and PoT) crediting pass: every completed round (height) since the last pass is paid at its expected value, computed
 * from the block the network found at that height (what it paid its finder, and its difficulty); then rounds credited before
 * whose share total has changed since are credited again for the difference (lateRounds).
 *
 * Exactly once without transactions: a round's credits of a miner always add up to what all its shares of the round
 * are worth; a pass credits only the difference to what the ledger holds already, as the miner's next revision of
 * the round (`pps:h<height>#<k>`, core/ledger/entries.ts). The round's total is read before its shares and recorded
 * (setCreditedRound) after the credits: a batch counted in neither is seen by the next check, one in both is paid
 * once. A crash anywhere leaves a state the next pass completes.
 */
export async function creditPps(deps: PpsDeps): Promise<PpsReport> {
  const { coin, money } = deps;
  const report: PpsReport = { rounds: 0, credited: 0n, late: 0 };
  const last = (await deps.chain.getBlockCount()) - PPS_LAG_BLOCKS;
  const cursor = await money.getCursor(coin.symbol, CURSOR);
  const from = cursor === undefined ? (deps.startHeight ?? last) : cursor + 1;
  let first = await money.getCursor(coin.symbol, FIRST);
  if (first === undefined) {
    first = from;
    await money.setCursor(coin.symbol, FIRST, first);
  }
  if (cursor !== undefined) await lateRounds(deps, first, cursor, report);
  for (let h = from; h <= last; h++) {
    const paid = await creditRound(deps, h, await deps.shares.getRoundTotal(coin.symbol, h));
    if (paid > 0n) report.rounds++;
    report.credited += paid;
    await money.setCursor(coin.symbol, CURSOR, h);
  }
  return report;
}

/** Credits again the rounds up to `cursor` whose share total differs from the one they were credited for. */
async function lateRounds(deps: PpsDeps, first: number, cursor: number, report: PpsReport): Promise<void> {
  const { coin, money } = deps;
  const low = Math.max(first, cursor - PPS_LATE_WINDOW + 1);
  const recent = Math.max(low, cursor - PPS_RECENT_ROUNDS + 1);
  const ranges: Array<[number, number]> = [[recent, cursor]];
  if (recent > low) {
    const next = (await money.getCursor(coin.symbol, SWEEP)) ?? low;
    const start = next >= low && next < recent ? next : low;
    const end = Math.min(recent - 1, start + PPS_SWEEP_ROUNDS - 1);
    ranges.push([start, end]);
    await money.setCursor(coin.symbol, SWEEP, end + 1 >= recent ? low : end + 1);
  }
  for (const [a, b] of ranges) {
    const credited = new Map((await money.listCreditedRounds(coin.symbol, a, b)).map((r) => [r.height, r]));
    for (let h = a; h <= b; h++) {
      const total = await deps.shares.getRoundTotal(coin.symbol, h);
      const before = credited.get(h) ?? { shares: 0, difficulty: 0 };
      if (total.shares === before.shares && total.difficulty === before.difficulty) continue;
      const paid = await creditRound(deps, h, total);
      if (paid > 0n) {
        report.rounds++;
        report.late++;
      }
      report.credited += paid;
    }
  }
}

/**
 * Credits round `height` up to what its shares are worth now, less what each miner was credited for it already;
 * `total` is the round's total read before its shares. Returns what it credited.
 */
async function creditRound(deps: PpsDeps, height: number, total: Tally): Promise<bigint> {
  const { coin, money } = deps;
  if (total.shares === 0) return 0n;
  const round = await deps.shares.getRoundShares(coin.symbol, height);
  if (round.miners.length === 0) return 0n;
  const block = await deps.chain.blockValue(height);
  // PoT: ingest summed each share's PoT credit difficulty next to the plain one (core/rewards/pot.ts).
  const pot = deps.rewards.scheme === 'POT';
  const worth = ppsCredits(
    {
      height,
      miners: round.miners.map((m) => ({
        miner: m.miner,
        difficulty: pot ? (m.credit ?? m.difficulty) : m.difficulty,
      })),
    },
    { height, blockValue: block.value, networkDifficulty: block.difficulty * coin.stratumDiffMultiplier },
    deps.rewards,
  );
  const ref = roundRef(height);
  const paid = new Map<string, RoundPaid>();
  for (const w of worth) {
    const before = (await money.listAccountEntries(coin.symbol, w.account, `pps:${ref}`)).filter(
      (e) => e.kind === 'pps' && parseRevisionRef(e.ref).base === ref,
    );
    paid.set(w.account, { amount: before.reduce((s, e) => s + e.amount, 0n), credits: before.length });
  }
  const credits = topUpCredits(worth, paid);
  await money.putEntries(coin.symbol, roundCreditEntries(height, credits, deps.now()));
  await money.setCreditedRound(coin.symbol, { height, shares: total.shares, difficulty: total.difficulty });
  return credits.reduce((s, c) => s + c.amount, 0n);
}
