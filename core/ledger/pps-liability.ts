import { PPS_POOL_ACCOUNT } from '../rewards/schemes.js';
import { balancesFromEntries, type LedgerEntry } from './entries.js';

export interface PpsLiability {
  /** Σ PPS/PoT round credits to miners. */
  credited: bigint;
  /** Block rewards the pool's PPS account received: matured, and still maturing. */
  received: bigint;
  maturing: bigint;
  /**
   * credited − received: positive while the pool has paid more than its blocks brought (bad luck so far: the operator
   * funds it from the wallet's reserve).
   */
  liability: bigint;
}

/**
 * The operator's view of PPS/PoT: what miners were credited per share against what the pool's blocks brought into
 * its PPS account (PPS_POOL_ACCOUNT, never paid out). Maturing rewards are shown apart: an orphan can still take
 * them back, so they do not reduce the liability yet. The one computation of it: `pool status` shows this.
 */
export function ppsLiabilityFromEntries(entries: Iterable<LedgerEntry>): PpsLiability {
  const list = [...entries];
  const unique = new Map(list.map((e) => [e.id, e]));
  let credited = 0n;
  for (const e of unique.values()) if (e.kind === 'pps') credited += e.amount;
  const pool = balancesFromEntries(list).get(PPS_POOL_ACCOUNT);
  const received = (pool?.confirmed ?? 0n) + (pool?.pending ?? 0n) + (pool?.paid ?? 0n);
  return { credited, received, maturing: pool?.immature ?? 0n, liability: credited - received };
}
