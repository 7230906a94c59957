import { type Allocation, weightOf } from './allocate.js';
import type { RewardsConfig } from './config.js';
import type { RoundWeights } from './schemes.js';

/** What the chain says about one height: its block's value and difficulty, in the pool's units. */
export interface RoundChainFacts {
  height: number;
  /** Coinbase value of the block at this height (subsidy + fees), base units: the expected reward of a block. */
  blockValue: bigint;
  /** Network difficulty at this height in stratum units (chain difficulty × the coin's stratum multiplier). */
  networkDifficulty: number;
}

/**
 * PPS: each share is worth its expected value, blockValue × shareDifficulty / networkDifficulty, minus the pool fee,
 * credited when its round is over whether or not the pool found a block. Integer math: the weights are scaled
 * difficulties, and each miner's credit is floored (the remainder is never credited: nothing is created).
 */
export function ppsCredits(round: RoundWeights, facts: RoundChainFacts, cfg: RewardsConfig): Allocation[] {
  const net = weightOf(facts.networkDifficulty);
  if (net === 0n) throw new RangeError(`network difficulty at height ${facts.height} is zero`);
  const keep = 10_000n - BigInt(cfg.feeBasisPoints);
  const perMiner = new Map<string, bigint>();
  for (const m of round.miners) perMiner.set(m.miner, (perMiner.get(m.miner) ?? 0n) + weightOf(m.difficulty));
  return [...perMiner.keys()]
    .sort()
    .map((account) => ({ account, amount: (facts.blockValue * perMiner.get(account)! * keep) / (net * 10_000n) }))
    .filter((a) => a.amount > 0n);
}

/** What one account was credited for a round already: the sum, and how many credits (its next revision number). */
export interface RoundPaid {
  amount: bigint;
  credits: number;
}

/**
 * The credits that bring each account of a round up to what its shares are worth now (`worth`: ppsCredits of all
 * the round's shares so far), given what each was credited already: the difference, as the account's next revision.
 * So however the round's shares arrive across passes, an account's credits always sum to its worth. An account
 * credited more than its worth (the chain's block at that height changed in a reorg) is not taken back.
 */
export function topUpCredits(
  worth: readonly Allocation[],
  paid: ReadonlyMap<string, RoundPaid>,
): Array<Allocation & { revision: number }> {
  return worth.flatMap((w) => {
    const before = paid.get(w.account) ?? { amount: 0n, credits: 0 };
    return w.amount > before.amount
      ? [{ account: w.account, amount: w.amount - before.amount, revision: before.credits }]
      : [];
  });
}
