import { type Allocation, allocate, mergeWeights, weightOf } from './allocate.js';
import type { RewardsConfig } from './config.js';
import { pplnsWindow, type ShareChunk } from './pplns.js';

/** The internal account that funds PPS credits and receives PPS-mode block rewards: never paid out. */
export const PPS_POOL_ACCOUNT = 'pool:pps';

/** Internal accounts (not addresses) are never paid out. */
export function isInternalAccount(account: string): boolean {
  return account.includes(':');
}

/** Difficulty summed per miner over one round (= one block height of jobs), as storage returns it. */
export interface RoundWeights {
  height: number;
  miners: Array<{ miner: string; difficulty: number }>;
}

export interface FoundBlockInput {
  height: number;
  hash: string;
  /** The coinbase value in base units. */
  reward: bigint;
  /** Stratum-unit network difficulty when the block was found (PPLNS window). */
  networkDifficulty: number;
  /** Payout address of the miner whose share was the block. */
  finder: string;
}

/**
 * Who gets what of one block. Invariant (property-tested): Σ miners + Σ fees + finderBonus + dust = reward,
 * nothing negative, and the same input gives the same output. Dust goes to the first fee wallet.
 */
export interface RewardSplit {
  reward: bigint;
  miners: Allocation[];
  fees: Allocation[];
  finderBonus: Allocation | undefined;
  dust: bigint;
  dustAccount: string;
}

/**
 * Splits a block reward under the configured scheme. `rounds` (any order; they are taken newest first by height)
 * are the block's own round and those before it: PROP uses only rounds after the pool's previous block
 * (`sincePreviousBlockHeight`), PPLNS walks them until the window is full, SOLO ignores them. PPS and POT miners
 * were credited per share already (pps.ts, pot.ts): their block refills the pool's PPS account.
 *
 * Rounding: every part is floored (fee, bonus, each fee wallet, each miner); what flooring leaves over is the dust,
 * always less than the number of weighted recipients, and goes to the first configured fee wallet.
 */
export function splitReward(
  block: FoundBlockInput,
  rounds: readonly RoundWeights[],
  cfg: RewardsConfig,
  sincePreviousBlockHeight = -1,
): RewardSplit {
  const fee = (block.reward * BigInt(cfg.feeBasisPoints)) / 10_000n;
  const bonus = (block.reward * BigInt(cfg.finderBonusBasisPoints)) / 10_000n;
  const feeWeights = new Map<string, bigint>();
  for (const w of cfg.feeWallets) mergeWeights(feeWeights, w.address, BigInt(w.weight));
  const fees = allocate(fee, feeWeights);
  const forMiners = block.reward - fee - bonus;

  let weights: Map<string, bigint>;
  switch (cfg.scheme) {
    case 'PPS':
    case 'POT':
      // Miners were paid per share already: the block refills the pool's PPS account.
      weights = new Map([[PPS_POOL_ACCOUNT, 1n]]);
      break;
    case 'SOLO':
      weights = new Map([[block.finder, 1n]]);
      break;
    case 'PROP':
      weights = propWeights(rounds, sincePreviousBlockHeight);
      break;
    case 'PPLNS':
      weights = pplnsWeights(rounds, weightOf(block.networkDifficulty * cfg.pplnsWindowFactor));
      break;
  }
  // A block with no recorded shares (should not happen: its own share is one) pays the finder.
  if (weights.size === 0) weights = new Map([[block.finder, 1n]]);
  const miners = allocate(forMiners, weights);
  const dustAccount = [...cfg.feeWallets].map((w) => w.address)[0]!;
  return {
    reward: block.reward,
    miners: miners.parts,
    fees: fees.parts,
    finderBonus: bonus > 0n ? { account: block.finder, amount: bonus } : undefined,
    dust: fees.dust + miners.dust,
    dustAccount,
  };
}

function propWeights(rounds: readonly RoundWeights[], sinceHeight: number): Map<string, bigint> {
  const weights = new Map<string, bigint>();
  for (const r of rounds) {
    if (r.height <= sinceHeight) continue;
    for (const m of r.miners) mergeWeights(weights, m.miner, weightOf(m.difficulty));
  }
  return weights;
}

/** PPLNS over per-round sums: each round's per-miner sums are one group of chunks at the round's height. */
export function pplnsWeights(rounds: readonly RoundWeights[], window: bigint): Map<string, bigint> {
  return pplnsWindow(roundChunks(rounds), window);
}

/** Per-round sums as PPLNS chunks (`at` = height). */
export function roundChunks(rounds: readonly RoundWeights[]): ShareChunk[] {
  return rounds.flatMap((r) => r.miners.map((m) => ({ at: r.height, miner: m.miner, difficulty: m.difficulty })));
}

/** Every amount of a split, as one list (miners, fees, bonus, dust), for crediting and auditing. */
export function splitEntries(split: RewardSplit): Array<Allocation & { kind: 'miner' | 'fee' | 'bonus' | 'dust' }> {
  const out: Array<Allocation & { kind: 'miner' | 'fee' | 'bonus' | 'dust' }> = [
    ...split.miners.map((a) => ({ ...a, kind: 'miner' as const })),
    ...split.fees.map((a) => ({ ...a, kind: 'fee' as const })),
  ];
  if (split.finderBonus) out.push({ ...split.finderBonus, kind: 'bonus' });
  if (split.dust > 0n) out.push({ account: split.dustAccount, amount: split.dust, kind: 'dust' });
  return out;
}
