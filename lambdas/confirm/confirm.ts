import { assessBlock } from '../../core/blocks/confirmation.js';
import type { CoinDefinition } from '../../core/coins/index.js';
import { DaemonError } from '../../core/errors.js';
import { type EntryKind, entryId, type LedgerEntry } from '../../core/ledger/ledger.js';
import { parseAmount } from '../../core/ledger/payouts.js';
import type { BlockCredit, MoneyBlock, MoneyStore } from '../../core/ports/money-store.js';
import type { ShareStore } from '../../core/ports/share-store.js';
import type { RewardsConfig } from '../../core/rewards/config.js';
import { type RoundWeights, splitEntries, splitReward } from '../../core/rewards/schemes.js';

/** What the confirmer needs from a coin daemon (DaemonClient satisfies it). */
export interface ChainReader {
  getBlockCount(): Promise<number>;
  getBlock<T>(hash: string, verbosity: 2): Promise<T>;
}

export interface ConfirmDeps {
  coin: CoinDefinition;
  /** The pool wallet address the coinbase pays: its outputs are the reward. */
  poolAddress: string;
  rewards: RewardsConfig;
  shares: ShareStore;
  money: MoneyStore;
  chain: ChainReader;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
  now: () => number;
  /** How far back PPLNS/PROP look for shares (heights). */
  maxRounds?: number;
}

export interface ConfirmReport {
  checked: number;
  immature: number;
  confirmed: number;
  orphaned: number;
}

interface ChainBlock {
  confirmations: number;
  tx: { vout: { value: number; scriptPubKey: { address?: string; addresses?: string[] } }[] }[];
}

/**
 * One confirmation pass over a coin's unsettled blocks. Safe to run again at any point: the split of a block is
 * fixed once (stored on the block), ledger entries have deterministic ids, and statuses change conditionally.
 */
export async function confirmBlocks(deps: ConfirmDeps): Promise<ConfirmReport> {
  const { coin, money, log } = deps;
  const report: ConfirmReport = { checked: 0, immature: 0, confirmed: 0, orphaned: 0 };
  const tip = await deps.chain.getBlockCount();
  for (const listed of await money.listUnsettledBlocks(coin.symbol)) {
    report.checked++;
    let chainBlock: ChainBlock | undefined;
    try {
      chainBlock = await deps.chain.getBlock<ChainBlock>(listed.hash, 2);
    } catch (err) {
      // -5: "Block not found"; anything else is the daemon failing: try again next run, change nothing.
      if (!(err instanceof DaemonError && err.rpcCode === -5)) throw err;
    }
    const view = { known: chainBlock !== undefined, confirmations: chainBlock?.confirmations ?? 0, tipHeight: tip };
    const verdict = assessBlock(listed, view, coin.coinbaseMaturity);
    let block = listed;
    if (verdict.next === 'orphaned') {
      if (block.credits) {
        // Credit and reverse: nets to zero whether or not the immature credit had been written before a crash.
        await money.putEntries(coin.symbol, entries('immature', block, block.credits, deps.now()));
        await money.putEntries(coin.symbol, entries('orphan', block, block.credits, deps.now()));
      }
      if (await money.setBlockStatus(coin.symbol, block, block.status, 'orphaned', verdict.confirmations))
        report.orphaned++;
      log.warn({ height: block.height, hash: block.hash, why: verdict.why }, 'block orphaned');
      continue;
    }
    if (verdict.next === 'pending') continue;
    // In the main chain: fix its split once, then credit it as immature (idempotent).
    if (!block.credits)
      block = await fixCredits(deps, block, chainReward(chainBlock!, deps.poolAddress, coin.decimals));
    await money.putEntries(coin.symbol, entries('immature', block, block.credits!, deps.now()));
    if (verdict.next === 'confirmed') {
      await money.putEntries(coin.symbol, entries('mature', block, block.credits!, deps.now()));
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

async function fixCredits(deps: ConfirmDeps, block: MoneyBlock, reward: bigint): Promise<MoneyBlock> {
  const { coin, money } = deps;
  if (reward !== BigInt(block.reward)) {
    deps.log.warn(
      { height: block.height, template: block.reward, chain: reward.toString() },
      'coinbase value differs from the template; the chain wins',
    );
  }
  const rounds = await roundsBefore(deps, block);
  const previous = (await money.listAllBlocks(coin.symbol))
    .filter((b) => b.height < block.height && b.status !== 'orphaned')
    .reduce((h, b) => Math.max(h, b.height), -1);
  const split = splitReward(
    { height: block.height, hash: block.hash, reward, networkDifficulty: block.networkDifficulty, finder: block.miner },
    rounds,
    deps.rewards,
    previous,
  );
  const credits: BlockCredit[] = splitEntries(split).map((e) => ({
    account: e.account,
    role: e.kind,
    amount: e.amount,
  }));
  await money.setBlockCredits(coin.symbol, block, credits, reward);
  // Whoever fixed it first wins: read back what is stored.
  const stored = await money.getBlock(coin.symbol, block.height, block.hash);
  if (!stored?.credits) throw new Error(`block ${block.hash}: credits were not stored`);
  return stored;
}

/** Rounds newest first from the block's height down, enough for any scheme's window. */
async function roundsBefore(deps: ConfirmDeps, block: MoneyBlock): Promise<RoundWeights[]> {
  const rounds: RoundWeights[] = [];
  const maxRounds = deps.maxRounds ?? 2000;
  let emptyRun = 0;
  for (let h = block.height; h > block.height - maxRounds && h >= 0 && emptyRun < 100; h--) {
    const r = await deps.shares.getRoundShares(deps.coin.symbol, h);
    if (r.miners.length === 0) {
      emptyRun++;
      continue;
    }
    emptyRun = 0;
    rounds.push({ height: h, miners: r.miners.map((m) => ({ miner: m.miner, difficulty: m.difficulty })) });
  }
  return rounds;
}

function entries(kind: EntryKind, block: MoneyBlock, credits: BlockCredit[], time: number): LedgerEntry[] {
  return credits.map((c) => ({
    id: entryId(kind, block.hash, c.role, c.account),
    account: c.account,
    kind,
    role: c.role,
    amount: c.amount,
    ref: block.hash,
    time,
  }));
}

/** Σ coinbase outputs paying the pool address. */
export function chainReward(block: ChainBlock, poolAddress: string, decimals: number): bigint {
  let total = 0n;
  for (const o of block.tx[0]?.vout ?? []) {
    const pays = o.scriptPubKey.address === poolAddress || o.scriptPubKey.addresses?.includes(poolAddress);
    if (pays) total += parseAmount(o.value, decimals);
  }
  return total;
}
