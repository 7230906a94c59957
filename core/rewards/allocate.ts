/** One account's share of an amount, in base units. */
export interface Allocation {
  account: string;
  amount: bigint;
}

/**
 * Difficulty (a float in stratum units, e.g. 0.002) → exact integer weight. 1e8 keeps 8 decimal places, more than
 * any pool difficulty uses; the rounding is deterministic, and from here on all reward math is bigint.
 */
export function weightOf(difficulty: number): bigint {
  if (!Number.isFinite(difficulty) || difficulty < 0) throw new RangeError(`bad difficulty ${difficulty}`);
  return BigInt(Math.round(difficulty * 1e8));
}

/**
 * Splits `total` by integer weights, flooring each part: returns the parts (accounts sorted, zero parts dropped)
 * and the dust (total − Σ parts, always < number of accounts). The same weights in any order give the same result.
 */
export function allocate(total: bigint, weights: ReadonlyMap<string, bigint>): { parts: Allocation[]; dust: bigint } {
  if (total < 0n) throw new RangeError('cannot allocate a negative amount');
  const accounts = [...weights.keys()].sort();
  let sum = 0n;
  for (const a of accounts) {
    const w = weights.get(a)!;
    if (w < 0n) throw new RangeError(`negative weight for ${a}`);
    sum += w;
  }
  if (sum === 0n) return { parts: [], dust: total };
  const parts: Allocation[] = [];
  let given = 0n;
  for (const account of accounts) {
    const amount = (total * weights.get(account)!) / sum;
    if (amount > 0n) parts.push({ account, amount });
    given += amount;
  }
  return { parts, dust: total - given };
}

/**
 * Splits `total` exactly by integer weights (largest remainder): each account gets its floored share, then the
 * dust goes one unit each to the accounts with the largest remainders (ties by account). Σ parts = total, and with
 * total ≤ Σ weights no part exceeds its weight, so this can hand back part of what each account put in.
 */
export function apportion(total: bigint, weights: ReadonlyMap<string, bigint>): Allocation[] {
  const { parts, dust } = allocate(total, weights);
  if (dust === 0n) return parts;
  let sum = 0n;
  for (const w of weights.values()) sum += w;
  if (sum === 0n) throw new RangeError(`cannot apportion ${total} over no weight`);
  const amounts = new Map(parts.map((p) => [p.account, p.amount]));
  const byRemainder = [...weights.entries()]
    .map(([account, w]) => ({ account, rest: (total * w) % sum }))
    .sort((a, b) => (a.rest === b.rest ? (a.account < b.account ? -1 : 1) : a.rest > b.rest ? -1 : 1));
  for (let i = 0n; i < dust; i++) {
    const { account } = byRemainder[Number(i)]!;
    amounts.set(account, (amounts.get(account) ?? 0n) + 1n);
  }
  return [...amounts.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([account, amount]) => ({ account, amount }));
}

/** Adds weights per account (several rounds or workers of one miner). */
export function mergeWeights(into: Map<string, bigint>, account: string, weight: bigint): void {
  into.set(account, (into.get(account) ?? 0n) + weight);
}
