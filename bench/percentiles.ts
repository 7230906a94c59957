// Percentiles of latency samples: shared by the bench sections and the load generator process.

/** Value at quantile `p` (0..1) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

export function sortedNumbers(values: Iterable<number>): Float64Array {
  return Float64Array.from(values).sort();
}
