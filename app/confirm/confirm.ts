import type { MoneyBlock } from '../../core/blocks/block.js';
import { assessBlock, isSettled } from '../../core/blocks/confirmation.js';
import type { CoinDefinition } from '../../core/coins/index.js';
import { StorageError } from '../../core/errors.js';
import { type BlockStage, blockEntries, splitCredits } from '../../core/ledger/ledger.js';
import type { ReferralReader } from '../../core/ports/account-store.js';
import type { ChainReader } from '../../core/ports/chain-reader.js';
import type { Logger } from '../../core/ports/logger.js';
import type { BlockStore, LedgerStore } from '../../core/ports/money-store.js';
import type { RoundShareReader } from '../../core/ports/share-store.js';
import type { RewardsConfig } from '../../core/rewards/config.js';
import { type RoundWeights, splitReward } from '../../core/rewards/schemes.js';

export interface ConfirmDeps {
  coin: CoinDefinition;
  rewards: RewardsConfig;
  shares: RoundShareReader;
  /** Confirmation moves blocks and writes their entries. */
  money: BlockStore & Pick<LedgerStore, 'putEntries'>;
  /** The coin's chain family's reader: where a found block stands and what the chain paid for it. */
  chain: ChainReader;
  /** Blocks past its height an unseen block waits before it is orphaned (ConfirmationRules.unseenGrace). */
  unseenGrace?: number;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  now: () => number;
  /** How far back PPLNS/PROP look for shares (heights). */
  maxRounds?: number;
  /**
   * The coin whose share rounds pay this coin's blocks (core/config/merged.ts `roundsCoinOf`): the parent for an aux
   * chain, whose blocks name the parent's round they were found in (`round`). Absent: the coin itself.
   */
  roundsCoin?: string;
  /**
   * Referrals (issue 19, config `accounts.referrals`): who referred the miners of the coin whose rounds pay its
   * blocks. Read once per block, when its split is fixed: a later referral change never alters a credited block.
   */
  referrals?: { reader: ReferralReader; feeSharePercent: number };
}

export interface ConfirmReport {
  checked: number;
  immature: number;
  confirmed: number;
  orphaned: number;
  /** Orphaned blocks a reorg brought back into the chain (their credit restored). */
  restored: number;
}

/**
 * One confirmation pass over a coin's unsettled blocks. Safe to run again at any point: the split of a block is
 * fixed once (stored on the block), ledger entries have deterministic ids, and statuses change conditionally.
 *
 * Reorgs: an orphaned block is followed until the chain is a coinbase maturity past it, and may come back any number
 * of times. A move out of the chain or back into it changes the block's status (and trips) first, then writes that
 * move's entries; every pass first completes the entries of each block's last move (completeMove), so a crash
 * between the two loses nothing, and a later move never starts before the one before it is fully written.
 */
export async function confirmBlocks(deps: ConfirmDeps): Promise<ConfirmReport> {
  const { coin, money, log } = deps;
  const report: ConfirmReport = { checked: 0, immature: 0, confirmed: 0, orphaned: 0, restored: 0 };
  const tip = await deps.chain.getBlockCount();
  // Orphans older than a coinbase maturity below the tip are settled: not even read.
  for (const listed of await money.listUnsettledBlocks(coin.symbol, tip - coin.coinbaseMaturity + 1)) {
    if (isSettled(listed, tip, coin.coinbaseMaturity)) continue;
    report.checked++;
    const unpaid = unpayableRound(deps, listed);
    if (unpaid) {
      // A block whose round cannot be read would be split over the wrong shares (or none: all to the finder). It
      // waits, uncredited, for an operator; its shares are kept.
      log.error({ height: listed.height, hash: listed.hash, why: unpaid }, 'block left unconfirmed');
      continue;
    }
    await completeMove(deps, listed);
    const seen = await deps.chain.locate(listed, tip);
    const known = seen.place !== 'unseen';
    let view = { known, confirmations: seen.confirmations, tipHeight: tip };
    // A credited block the chain now pays otherwise (Ethereum family: it became an uncle, or an uncle became the
    // block) is out of the place it was credited for: reversed as an orphan until it is back where it was.
    const repaid =
      listed.credits !== undefined &&
      listed.chainReward !== undefined &&
      seen.reward !== undefined &&
      seen.reward !== listed.chainReward;
    if (repaid) view = { known: true, confirmations: -1, tipHeight: tip };
    const verdict = assessBlock(listed, view, coin.coinbaseMaturity, deps.unseenGrace);
    let block = listed;
    if (verdict.next === 'orphaned') {
      if (block.status === 'orphaned') continue;
      const trips = block.trips ?? 0;
      const moved = { from: trips, to: trips };
      if (!(await money.setBlockStatus(coin.symbol, block, block.status, 'orphaned', verdict.confirmations, moved)))
        continue;
      report.orphaned++;
      await completeMove(deps, { ...block, status: 'orphaned' });
      const why = repaid
        ? `the chain now pays ${seen.reward} (${seen.place}), credited ${block.chainReward}`
        : verdict.why;
      log.warn({ height: block.height, hash: block.hash, trip: trips, why }, 'block orphaned');
      continue;
    }
    if (verdict.next === 'pending') continue;
    if (block.status === 'orphaned') {
      // Back in the main chain. Credited: restore its credit (a new trip). Never credited: it is a found block again.
      const trips = block.trips ?? 0;
      const back = block.credits
        ? { status: 'immature' as const, trips: trips + 1 }
        : { status: 'pending' as const, trips };
      const moved = { from: trips, to: back.trips };
      if (!(await money.setBlockStatus(coin.symbol, block, 'orphaned', back.status, verdict.confirmations, moved)))
        continue;
      block = { ...block, ...back };
      await completeMove(deps, block);
      report.restored++;
      log.warn({ height: block.height, hash: block.hash, trip: trips }, 'orphaned block back in the main chain');
    }
    // In the main chain: fix its split once, then credit it as immature (idempotent).
    if (!block.credits) block = await fixCredits(deps, block, seen.reward ?? 0n);
    if (block.status === 'pending') await writeStage(deps, block, 'immature');
    if (verdict.next === 'confirmed') {
      await writeStage(deps, block, 'mature');
      if (await money.setBlockStatus(coin.symbol, block, block.status, 'confirmed', verdict.confirmations)) {
        report.confirmed++;
        log.info(
          { height: block.height, hash: block.hash, reward: block.chainReward?.toString() },
          'block confirmed and credited',
        );
      }
    } else if (await money.setBlockStatus(coin.symbol, block, block.status, 'immature', verdict.confirmations)) {
      report.immature++;
    }
  }
  return report;
}

/**
 * Writes the entries of a credited block's last move, which a crash may have left unwritten (idempotent): immature
 * since it was found (trips 0), else its last restore; orphaned: its last reversal (with the immature credit first
 * when it never came back, for a block orphaned before that credit was complete).
 */
async function completeMove(deps: ConfirmDeps, block: MoneyBlock): Promise<void> {
  if (!block.credits || block.status === 'pending' || block.status === 'confirmed') return;
  const trips = block.trips ?? 0;
  if (block.status === 'immature') {
    await writeStage(deps, block, trips === 0 ? 'immature' : 'restore', Math.max(trips - 1, 0));
    return;
  }
  if (trips === 0) await writeStage(deps, block, 'immature');
  await writeStage(deps, block, 'orphan', trips);
}

function writeStage(deps: ConfirmDeps, block: MoneyBlock, stage: BlockStage, trip = 0): Promise<number> {
  return deps.money.putEntries(deps.coin.symbol, blockEntries(stage, block.hash, block.credits!, deps.now(), trip));
}

async function fixCredits(deps: ConfirmDeps, block: MoneyBlock, reward: bigint): Promise<MoneyBlock> {
  const { coin, money } = deps;
  if (reward !== BigInt(block.reward)) {
    deps.log.warn(
      { height: block.height, template: block.reward, chain: reward.toString() },
      'the chain paid other than the template; the chain wins',
    );
  }
  const round = paidRound(deps, block);
  const rounds = await roundsBefore(deps, round);
  // PROP: the rounds since the previous block's (its round's height for an aux chain). Two aux blocks found in one
  // parent round both read that round: the later one is not left with no round at all (all to its finder).
  const previous = Math.min(await money.previousBlockHeight(coin.symbol, block.height), round.height - 1);
  // Failing to read the referrals fails the pass: the block waits uncredited for the next one, never split without.
  const referrals =
    deps.referrals && deps.referrals.feeSharePercent > 0
      ? {
          referrers: await deps.referrals.reader.referrersByAddress(round.coin),
          feeSharePercent: deps.referrals.feeSharePercent,
        }
      : undefined;
  const split = splitReward(
    { height: block.height, hash: block.hash, reward, networkDifficulty: block.networkDifficulty, finder: block.miner },
    rounds,
    deps.rewards,
    previous,
    referrals,
  );
  await money.setBlockCredits(coin.symbol, block, splitCredits(split), reward);
  // Whoever fixed it first wins: read back what is stored.
  const stored = await money.getBlock(coin.symbol, block.height, block.hash);
  if (!stored?.credits) throw new StorageError(`block ${block.hash}: credits were not stored`);
  return stored;
}

/** The share round a block is paid from: its own coin's at its height, or the parent's it names (aux chains). */
export type PaidRound = { coin: string; height: number };

function paidRound(deps: ConfirmDeps, block: MoneyBlock): PaidRound {
  return block.round ?? { coin: deps.coin.symbol, height: block.height };
}

/**
 * Why a block's round cannot pay it, or undefined: an aux chain's block must name a round of the coin whose shares
 * pay it (a block recorded without one, or naming another coin's, would be split over rounds that did not find it).
 */
function unpayableRound(deps: ConfirmDeps, block: MoneyBlock): string | undefined {
  const expected = deps.roundsCoin ?? deps.coin.symbol;
  const { coin } = paidRound(deps, block);
  if (coin === expected) return undefined;
  return block.round
    ? `it names a ${coin} round; ${deps.coin.symbol} blocks are paid from ${expected} rounds`
    : `it names no ${expected} round (${deps.coin.symbol} blocks are paid from the round of the ${expected} share that found them)`;
}

/** Heights read at once (one range read); also how many empty heights in a row end the walk. */
const ROUND_RANGE = 100;

/**
 * Rounds newest first from the block's height down, enough for any scheme's window: up to `maxRounds` heights, until
 * ROUND_RANGE heights in a row had no shares. Read a range of heights at a time, not height by height. Also what
 * proxy mining's upstream payouts are split over (app/proxy).
 */
export async function roundsBefore(
  deps: Pick<ConfirmDeps, 'shares' | 'maxRounds'>,
  round: PaidRound,
): Promise<RoundWeights[]> {
  const rounds: RoundWeights[] = [];
  const lowest = Math.max(round.height - (deps.maxRounds ?? 2000) + 1, 0);
  let emptyRun = 0;
  for (let top = round.height; top >= lowest && emptyRun < ROUND_RANGE; top -= ROUND_RANGE) {
    const bottom = Math.max(top - ROUND_RANGE + 1, lowest);
    const mined = new Map(
      (await deps.shares.getRoundsBetween(round.coin, bottom, top)).map((r) => [r.height, r] as const),
    );
    for (let h = top; h >= bottom && emptyRun < ROUND_RANGE; h--) {
      const r = mined.get(h);
      if (!r || r.miners.length === 0) {
        emptyRun++;
        continue;
      }
      emptyRun = 0;
      rounds.push({ height: h, miners: r.miners.map((m) => ({ miner: m.miner, difficulty: m.difficulty })) });
    }
  }
  return rounds;
}
