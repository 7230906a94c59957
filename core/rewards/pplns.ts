import { mergeWeights, weightOf } from './allocate.js';

/**
 * One piece of share history PPLNS walks back through: a miner's summed credit difficulty over a span of time.
 * Storage supplies these from sums it already keeps, e.g. per round and miner (`at` = the round's height) or per
 * minute and miner (`at` = the minute). Several chunks with the same `at` form one group: the group that crosses the
 * window boundary is cut pro rata, because shares inside a sum have no order.
 */
export interface ShareChunk {
  /** Orders the chunks: larger is newer (a height, a minute, a timestamp: one kind per call). */
  at: number;
  miner: string;
  /** Summed share difficulty (stratum units), as storage sums it. */
  difficulty: number;
}

/**
 * PPLNS weights: the last `window` of difficulty-weighted shares (window = factor × network difficulty, as a
 * weight from weightOf). Chunks may come in any order: they are taken newest first by `at`. Whole groups are counted
 * while they fit; the group that crosses the boundary counts each miner's weight × left / groupTotal (floored, so the
 * window is never exceeded), and nothing older. Deterministic: the result depends on the chunks, not their order.
 */
export function pplnsWindow(chunks: readonly ShareChunk[], window: bigint): Map<string, bigint> {
  const groups = new Map<number, Map<string, bigint>>();
  for (const c of chunks) {
    if (!Number.isFinite(c.at)) throw new RangeError(`bad chunk position ${c.at}`);
    const g = groups.get(c.at) ?? new Map<string, bigint>();
    mergeWeights(g, c.miner, weightOf(c.difficulty));
    groups.set(c.at, g);
  }
  const weights = new Map<string, bigint>();
  let left = window;
  for (const at of [...groups.keys()].sort((a, b) => b - a)) {
    if (left <= 0n) break;
    const group = groups.get(at)!;
    const miners = [...group.keys()].sort();
    const total = miners.reduce((s, m) => s + group.get(m)!, 0n);
    if (total === 0n) continue;
    const fits = total <= left;
    for (const m of miners) mergeWeights(weights, m, fits ? group.get(m)! : (group.get(m)! * left) / total);
    left = fits ? left - total : 0n;
  }
  for (const [k, v] of weights) if (v === 0n) weights.delete(k);
  return weights;
}
