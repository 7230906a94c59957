import type { CoinDefinition } from '../../core/coins/index.js';
import { roundCreditEntries } from '../../core/ledger/ledger.js';
import { parseAmount } from '../../core/ledger/payouts.js';
import type { MoneyStore } from '../../core/ports/money-store.js';
import type { ShareStore } from '../../core/ports/share-store.js';
import type { RewardsConfig } from '../../core/rewards/config.js';
import { ppsCredits } from '../../core/rewards/pps.js';
import type { chainReward } from './confirm.js';

export interface PpsChain {
  getBlockCount(): Promise<number>;
  getBlockHash(height: number): Promise<string>;
  getBlock<T>(hash: string, verbosity: 2): Promise<T>;
}

/** Rounds are credited this many blocks after they ended, so late shares (a replayed spool) are in. */
export const PPS_LAG_BLOCKS = 2;
const CURSOR = 'pps';

/**
 * PPS (and PoT) crediting pass: every completed round (height) since the last pass is paid at its expected value, computed
 * from the block the network found at that height (its coinbase value and difficulty). Entry ids are per height and
 * miner, so a crash between crediting and moving the cursor credits nothing twice.
 */
export async function creditPps(deps: {
  coin: CoinDefinition;
  rewards: RewardsConfig;
  shares: ShareStore;
  money: MoneyStore;
  chain: PpsChain;
  now: () => number;
  /** The first height credited when no cursor exists yet (default: the last lagged height only). */
  startHeight?: number;
}): Promise<{ rounds: number; credited: bigint }> {
  const { coin, money } = deps;
  const last = (await deps.chain.getBlockCount()) - PPS_LAG_BLOCKS;
  const cursor = await money.getCursor(coin.symbol, CURSOR);
  let from = cursor === undefined ? (deps.startHeight ?? last) : cursor + 1;
  let credited = 0n;
  let rounds = 0;
  for (; from <= last; from++) {
    const round = await deps.shares.getRoundShares(coin.symbol, from);
    if (round.miners.length > 0) {
      const hash = await deps.chain.getBlockHash(from);
      type Block = Parameters<typeof chainReward>[0] & { difficulty: number };
      const block = await deps.chain.getBlock<Block>(hash, 2);
      const blockValue = block.tx[0]!.vout.reduce((s, o) => s + parseAmount(o.value, coin.decimals), 0n);
      // PoT: ingest summed each share's PoT credit difficulty next to the plain one (core/rewards/pot.ts).
      const pot = deps.rewards.scheme === 'POT';
      const credits = ppsCredits(
        {
          height: from,
          miners: round.miners.map((m) => ({
            miner: m.miner,
            difficulty: pot ? (m.credit ?? m.difficulty) : m.difficulty,
          })),
        },
        { height: from, blockValue, networkDifficulty: block.difficulty * coin.stratumDiffMultiplier },
        deps.rewards,
      );
      await money.putEntries(coin.symbol, roundCreditEntries(from, credits, deps.now()));
      credited += credits.reduce((s, c) => s + c.amount, 0n);
      rounds++;
    }
    await money.setCursor(coin.symbol, CURSOR, from);
  }
  return { rounds, credited };
}
