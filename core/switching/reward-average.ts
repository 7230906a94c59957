/**
 * The recent average block reward of a chain: the coinbase value (subsidy and fees) of its last `blocks` heights, the
 * newest value seen per height (a template's fees grow until its block is found). Pure: fed by the switching service
 * from its job sources' newest jobs.
 */
export class RewardAverage {
  private readonly byHeight = new Map<number, bigint>();

  constructor(private readonly blocks = 20) {
    if (!Number.isInteger(blocks) || blocks < 1) throw new RangeError(`blocks must be >= 1, got ${blocks}`);
  }

  observe(height: number, reward: bigint): void {
    this.byHeight.delete(height); // re-inserted: Map order is the order heights were last seen
    this.byHeight.set(height, reward);
    while (this.byHeight.size > this.blocks) {
      const lowest = Math.min(...this.byHeight.keys());
      this.byHeight.delete(lowest);
    }
  }

  /** The average, floored to a base unit; undefined before the first observation. */
  average(): bigint | undefined {
    if (this.byHeight.size === 0) return undefined;
    let sum = 0n;
    for (const v of this.byHeight.values()) sum += v;
    return sum / BigInt(this.byHeight.size);
  }
}
