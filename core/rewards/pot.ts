import type { ShareCredit } from '../shares/aggregate.js';
import type { Allocation } from './allocate.js';
import type { RewardsConfig } from './config.js';
import { ppsCredits, type RoundChainFacts } from './pps.js';

/**
 * PoT, "pay on target" (the idea of open-ethereum-pool's PoT branch, after the bitcointalk thread "Pay on Target",
 * topic 131376): PPS where a share is paid by the difficulty its hash actually reached, not only the difficulty it
 * was accepted at. Same expected pay as PPS, more variance for the miner, set by two parameters.
 *
 * A share accepted at difficulty d reaches actual difficulty D = s·d, where s ≥ 1 and P(s ≥ t) = 1/t (a hash that
 * meets target T/d meets T/(t·d) with probability 1/t), i.e. the density of s is 1/s² on [1, ∞). Let
 * X = potCap × networkDifficulty / d be the cap in the same reduced units and a = potA ≥ 0. The share is credited
 *
 *     pps(d) × C × min(s, X)^a,   with   C = 1 / E[min(s, X)^a].
 *
 * E[min(s, X)^a] = ∫₁^X s^(a−2) ds + X^a · P(s > X) = (X^(a−1) − 1)/(a − 1) + X^(a−1) = (1 − a·X^(a−1)) / (1 − a)
 * for a ≠ 1, and 1 + ln X for a = 1. So C = (1 − a)/(1 − a·X^(a−1)) (the "prefix" of the PoT branch with its wd = 1),
 * and the expected credit is exactly pps(d): PoT moves money between lucky and unlucky shares, never creates any.
 *
 * a = 0 is plain PPS; a → large with X ≈ 1 approaches solo mining (only shares near a block pay). The cap keeps the
 * variance finite: a hash far above the network difficulty is worth no more than one at the cap. If X ≤ 1 (the
 * share's own difficulty is at or above the cap) every share would get X^a, so it is paid as plain PPS.
 *
 * Integer money: the factor C·min(s,X)^a is a float (it needs real powers), so it is applied to the share's
 * *difficulty*, producing an effective difficulty; from there the PPS path (difficulty → bigint weight at 1e8,
 * floored bigint credit) is unchanged. Math.pow/exp/log are deterministic for a given engine, and a round's credits are
 * written once under deterministic entry ids, so a recomputation can never pay twice.
 */
export interface PotParams {
  /** potA: the variance exponent a ≥ 0 (0 = PPS). */
  a: number;
  /** potCap: a share's actual difficulty counts at most up to cap × network difficulty. */
  cap: number;
}

/** The multiplier C·min(s, X)^a of one share (expected value 1 over shares of the same d). */
export function potFactor(
  difficulty: number,
  actualDifficulty: number,
  networkDifficulty: number,
  p: PotParams,
): number {
  if (!(difficulty > 0) || !Number.isFinite(difficulty)) throw new RangeError(`bad share difficulty ${difficulty}`);
  if (!(networkDifficulty > 0) || !Number.isFinite(networkDifficulty)) {
    throw new RangeError(`bad network difficulty ${networkDifficulty}`);
  }
  if (!(p.a >= 0) || !(p.cap > 0)) throw new RangeError(`bad PoT parameters a=${p.a} cap=${p.cap}`);
  const x = (p.cap * networkDifficulty) / difficulty;
  if (p.a === 0 || x <= 1) return 1;
  // A stratum server never accepts a share below its difficulty; treat rounding noise (s slightly < 1) as s = 1.
  const s = Math.max(1, Number.isFinite(actualDifficulty) ? actualDifficulty / difficulty : x);
  const lnX = Math.log(x);
  const lnM = Math.log(Math.min(s, x));
  return Math.exp(logNormaliser(p.a, lnX) + p.a * lnM);
}

/**
 * ln C, computed in log space so that large a or X cannot overflow: for a > 1, a·X^(a−1) can exceed 1e308.
 *   a < 1: C = (1 − a) / (1 − a·e^((a−1)lnX))          (denominator in [1 − a, 1])
 *   a = 1: C = 1 / (1 + ln X)
 *   a > 1: C = (a − 1) / (a·X^(a−1) − 1), ln C = ln(a − 1) − L − ln(1 − e^(−L)) with L = ln a + (a − 1) ln X > 0
 */
function logNormaliser(a: number, lnX: number): number {
  if (a === 1) return -Math.log1p(lnX);
  if (a < 1) return Math.log1p(-a) - Math.log1p(-a * Math.exp((a - 1) * lnX));
  const l = Math.log(a) + (a - 1) * lnX;
  return Math.log(a - 1) - l - Math.log1p(-Math.exp(-l));
}

/** A share's effective difficulty under PoT: what ingest can sum per round and miner instead of `difficulty`. */
export function potDifficulty(
  share: { difficulty: number; actualDifficulty: number },
  networkDifficulty: number,
  p: PotParams,
): number {
  return share.difficulty * potFactor(share.difficulty, share.actualDifficulty, networkDifficulty, p);
}

export interface PotRound {
  height: number;
  /** Individual shares of the round (PoT is not linear in difficulty: sums of raw difficulty are not enough). */
  shares: ReadonlyArray<{ miner: string; difficulty: number; actualDifficulty: number }>;
}

/**
 * PoT credits of one completed round, minus the pool fee, sorted by account, zero credits dropped. Paid like PPS
 * from the pool's PPS account (core/rewards/schemes.ts PPS_POOL_ACCOUNT), which receives the pool's block rewards.
 */
export function potCredits(round: PotRound, facts: RoundChainFacts, cfg: RewardsConfig): Allocation[] {
  if (!cfg.pot) throw new RangeError('PoT needs pot parameters (a, cap) in the rewards config');
  const pot = cfg.pot;
  if (!(facts.networkDifficulty > 0)) throw new RangeError(`network difficulty at height ${facts.height} is zero`);
  const miners = round.shares.map((s) => ({
    miner: s.miner,
    difficulty: potDifficulty(s, facts.networkDifficulty, pot),
  }));
  return ppsCredits({ height: round.height, miners }, facts, cfg);
}

/**
 * What ingest sums per round and miner under PoT (core/shares/aggregate.ts `credit`): each share's effective
 * difficulty, computed with the network difficulty of its own job. A share without one (queued by an older server)
 * counts as plain PPS.
 */
export function potShareCredit(p: PotParams): ShareCredit {
  return (s) => (s.networkDifficulty === undefined ? s.difficulty : potDifficulty(s, s.networkDifficulty, p));
}

/** The share credit of a coin whose rewards are PoT; undefined for every other scheme (shares weigh their difficulty). */
export function coinShareCredit(rewards: RewardsConfig | undefined): ShareCredit | undefined {
  return rewards?.scheme === 'POT' && rewards.pot ? potShareCredit(rewards.pot) : undefined;
}
