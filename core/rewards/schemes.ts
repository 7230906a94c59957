import type { Role } from '../ledger/entries.js';
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
 * Who gets what of one block. Invariant (property-tested): Σ miners + Σ fees + Σ referrals + finderBonus + dust =
 * reward, nothing negative, and the same input gives the same output. Dust goes to the first fee wallet.
 */
export interface RewardSplit {
  reward: bigint;
  miners: Allocation[];
  fees: Allocation[];
  /** Referrers' shares of the pool fee (issue 19), taken out of the fee before the fee wallets' split. */
  referrals: Allocation[];
  finderBonus: Allocation | undefined;
  dust: bigint;
  dustAccount: string;
}

/**
 * Referrals (issue 19): a referred miner's referrer earns `feeSharePercent` of the pool fee attributable to the
 * miner's reward. `referrers`: mining address → the address its referrer is credited at (read once per block).
 */
export interface ReferralTerms {
  referrers: ReadonlyMap<string, string>;
  /** 0–100, any decimal: held as parts per million, so 12.5 % is exact. */
  feeSharePercent: number;
}

const PPM = 1_000_000n;

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
  referrals?: ReferralTerms,
): RewardSplit {
  const fee = (block.reward * BigInt(cfg.feeBasisPoints)) / 10_000n;
  const bonus = (block.reward * BigInt(cfg.finderBonusBasisPoints)) / 10_000n;
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
  const referred = referrals ? referralCredits(fee, miners.parts, forMiners, referrals) : [];
  // The fee wallets share what the referrers left of the fee; its flooring remainder is dust as before.
  const feeWeights = new Map<string, bigint>();
  for (const w of cfg.feeWallets) mergeWeights(feeWeights, w.address, BigInt(w.weight));
  const fees = allocate(fee - referred.reduce((s, r) => s + r.amount, 0n), feeWeights);
  const dustAccount = [...cfg.feeWallets].map((w) => w.address)[0]!;
  return {
    reward: block.reward,
    miners: miners.parts,
    fees: fees.parts,
    referrals: referred,
    finderBonus: bonus > 0n ? { account: block.finder, amount: bonus } : undefined,
    dust: fees.dust + miners.dust,
    dustAccount,
  };
}

/**
 * The referrers' credits of one block: for each referred miner, fee × (its part / the miners' whole part) × the
 * share, floored, summed per referrer (accounts sorted). Each term is at most the share of the fee attributable to
 * that miner, and the miners' parts sum to at most the miners' whole, so the credits never exceed the fee: what
 * flooring leaves stays in the fee. A miner is never its own referrer, and internal accounts are never credited.
 */
export function referralCredits(
  fee: bigint,
  miners: readonly Allocation[],
  forMiners: bigint,
  terms: ReferralTerms,
): Allocation[] {
  const ppm = BigInt(Math.round(terms.feeSharePercent * 10_000));
  if (ppm < 0n || ppm > PPM) throw new RangeError(`bad referral fee share ${terms.feeSharePercent} %`);
  if (ppm === 0n || fee === 0n || forMiners === 0n) return [];
  const byReferrer = new Map<string, bigint>();
  for (const m of miners) {
    const referrer = terms.referrers.get(m.account);
    if (referrer === undefined || referrer === m.account || isInternalAccount(referrer)) continue;
    const amount = (fee * m.amount * ppm) / (forMiners * PPM);
    if (amount > 0n) byReferrer.set(referrer, (byReferrer.get(referrer) ?? 0n) + amount);
  }
  return [...byReferrer.keys()].sort().map((account) => ({ account, amount: byReferrer.get(account)! }));
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

/** Every amount of a split, as one list (miners, fees, referrals, bonus, dust), for crediting and auditing. */
export function splitEntries(split: RewardSplit): Array<Allocation & { kind: Role }> {
  const out: Array<Allocation & { kind: Role }> = [
    ...split.miners.map((a) => ({ ...a, kind: 'miner' as const })),
    ...split.fees.map((a) => ({ ...a, kind: 'fee' as const })),
    ...split.referrals.map((a) => ({ ...a, kind: 'referral' as const })),
  ];
  if (split.finderBonus) out.push({ ...split.finderBonus, kind: 'bonus' });
  if (split.dust > 0n) out.push({ account: split.dustAccount, amount: split.dust, kind: 'dust' });
  return out;
}
