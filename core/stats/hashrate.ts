import type { CoinDefinition } from '../coins/index.js';
import type { MinuteBucket } from '../ports/share-store.js';

/** Hashes one unit of stratum difficulty stands for: 2^32 for sha256d, 2^32 / 65536 for scrypt, 1 for etchash. */
export function hashesPerDifficulty(
  coin: Pick<CoinDefinition, 'stratumDiffMultiplier' | 'hashesPerDifficulty'>,
): number {
  return coin.hashesPerDifficulty ?? 2 ** 32 / coin.stratumDiffMultiplier;
}

/**
 * Hashrate (H/s) over the last `windowMinutes` complete-or-current minutes ending at `nowMinute`: accepted share
 * difficulty in the window × hashes per difficulty ÷ the window's seconds.
 */
export function hashrate(
  buckets: readonly MinuteBucket[],
  nowMinute: number,
  windowMinutes: number,
  coin: Pick<CoinDefinition, 'stratumDiffMultiplier' | 'hashesPerDifficulty'>,
): number {
  const from = nowMinute - windowMinutes + 1;
  const difficulty = buckets
    .filter((b) => b.minute >= from && b.minute <= nowMinute)
    .reduce((s, b) => s + b.difficulty, 0);
  return (difficulty * hashesPerDifficulty(coin)) / (windowMinutes * 60);
}

/** A worker silent this long is shown offline (three vardiff target intervals would be 30 s; miners hiccup). */
export const OFFLINE_AFTER_MS = 10 * 60_000;

export function isOffline(lastShareAt: number, now: number, offlineAfterMs = OFFLINE_AFTER_MS): boolean {
  return now - lastShareAt > offlineAfterMs;
}

/**
 * Effort of a round: the share difficulty it took ÷ the network difficulty (1 = exactly as expected; luck = 1/effort).
 * Averaged over the last N blocks for the pool's luck figures.
 */
export function effort(roundDifficulty: number, networkDifficulty: number): number {
  return networkDifficulty > 0 ? roundDifficulty / networkDifficulty : 0;
}

export function averageEffort(efforts: readonly number[], lastN: number): number | null {
  const xs = efforts.slice(0, lastN);
  return xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0) / xs.length;
}
