/*
 * Ethereum Classic's monetary policy, ECIP-1017 (core-geth params/mutations/rewards.go), in wei. Eras are
 * zero-indexed as core-geth counts them: era = floor((n − 1) / eraRounds), so block 5,000,000 is still era 0 on
 * mainnet. All integer: (4/5)^era is 4^era / 5^era with the division last, as core-geth's big.Int code does it.
 */

const WEI_PER_ETC = 10n ** 18n;
/** The era-0 block reward: 5 ETC. */
export const ETC_BASE_REWARD = 5n * WEI_PER_ETC;

/** The ECIP-1017 era of block `height` (zero-indexed). */
export function eraOf(height: number, eraRounds: number): number {
  if (!Number.isSafeInteger(height) || height < 0) throw new RangeError(`not a block height: ${height}`);
  if (!Number.isSafeInteger(eraRounds) || eraRounds < 1) throw new RangeError(`not an era length: ${eraRounds}`);
  return height === 0 ? 0 : Math.floor((height - 1) / eraRounds);
}

/** The winner's block reward at `height`: 5 ETC × 0.8^era. */
export function blockReward(height: number, eraRounds: number): bigint {
  const era = BigInt(eraOf(height, eraRounds));
  return (ETC_BASE_REWARD * 4n ** era) / 5n ** era;
}

/** What the miner of a block at `height` gets for each uncle it includes: the block reward / 32. */
export function uncleInclusionReward(height: number, eraRounds: number): bigint {
  return blockReward(height, eraRounds) / 32n;
}

/**
 * What the miner of an uncle at `uncleHeight`, included by the block at `includedAt`, gets. Era 0 (of the including
 * block): Ethereum's rule, (uncleHeight + 8 − includedAt) / 8 of the block reward. From era 1 on: the block reward
 * / 32, whatever the distance (ECIP-1017; open-ethereum-pool's ETH rule over-credits ETC uncles).
 */
export function uncleReward(uncleHeight: number, includedAt: number, eraRounds: number): bigint {
  const distance = includedAt - uncleHeight;
  if (distance < 1 || distance > MAX_UNCLE_DEPTH) {
    throw new RangeError(
      `an uncle at ${uncleHeight} cannot be included at ${includedAt} (1 to ${MAX_UNCLE_DEPTH} later)`,
    );
  }
  const reward = blockReward(includedAt, eraRounds);
  if (eraOf(includedAt, eraRounds) === 0) return (BigInt(8 - distance) * reward) / 8n;
  return reward / 32n;
}

/**
 * How many blocks after its own an uncle can be included (ethash's verifyUncles: the uncle's parent is one of the
 * seven ancestors of the including block, so the uncle is at most 6 below it; 7 searched to be safe).
 */
export const MAX_UNCLE_DEPTH = 7;

/**
 * What a block at `height` paid its miner: the block reward, the inclusion reward per uncle, and the transaction
 * fees actually paid (Σ gasUsed × effective gas price; ETC burns no base fee).
 */
export function blockIncome(height: number, eraRounds: number, uncles: number, fees: bigint): bigint {
  return blockReward(height, eraRounds) + BigInt(uncles) * uncleInclusionReward(height, eraRounds) + fees;
}
