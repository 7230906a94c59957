import { type Balance, ENTRY_EFFECTS, type LedgerEntry } from './entries.js';

/**
 * Keeping a stored balance item per account in step with the ledger, without multi-item transactions (dynalite has
 * none, and a block can credit thousands of accounts). The entries are the truth; the balance item is a cache that
 * can always be rebuilt with balancesFromEntries, and `audit({ storedBalances })` checks it.
 *
 * The same guard-set steps as share ingest (core/shares/ingest-batch.ts), per entry:
 *  (a) put the entry: `attribute_not_exists(id)` (a different entry under the same id is a LedgerConflictError);
 *  (b) update the account's balance item: `ADD <bucket> :delta … , applied :idSet` with the condition
 *      `NOT contains(applied, :id)` — one write that applies the deltas of `balanceDelta(entry)` and records the id,
 *      so a retry after a crash between (b) and (c) is refused instead of counted twice;
 *  (c) mark the entry item `applied = true`;
 *  (d) `DELETE applied :idSet` on the balance item, so the guard set stays small. Only after (c): an entry found
 *      applied is never applied again, and one not marked applied still has its id in the guard set.
 * A reconciler lists entries not marked applied (a crash before (c)) and runs (b)–(d) for them; (b) is a no-op when
 * the id is in the guard set. Entries are immutable and only ever added, so no ordering between accounts matters.
 * Unlike ingest, one entry touches one item, so no lease is needed: two writers of the same entry race on (b)'s
 * condition and exactly one wins.
 */
export interface BalanceDelta {
  account: string;
  entryId: string;
  /** Signed amounts per bucket; buckets the entry does not touch are absent. */
  delta: Partial<Balance>;
}

/** What one entry adds to its account's balance item (step (b) above). */
export function balanceDelta(entry: LedgerEntry): BalanceDelta {
  const delta: Partial<Balance> = {};
  for (const [bucket, sign] of Object.entries(ENTRY_EFFECTS[entry.kind]) as [keyof Balance, bigint][]) {
    delta[bucket] = sign * entry.amount;
  }
  return { account: entry.account, entryId: entry.id, delta };
}

/**
 * Applies deltas to stored balances the way the guarded update does: a delta whose entry id is in the account's
 * applied set changes nothing. Pure model of steps (b)–(d), for tests and for an in-memory store.
 */
export function applyDelta(
  balance: Balance,
  applied: ReadonlySet<string>,
  d: BalanceDelta,
): { balance: Balance; applied: Set<string>; changed: boolean } {
  if (applied.has(d.entryId)) return { balance, applied: new Set(applied), changed: false };
  const next = { ...balance };
  for (const [bucket, v] of Object.entries(d.delta) as [keyof Balance, bigint][]) next[bucket] += v;
  return { balance: next, applied: new Set([...applied, d.entryId]), changed: true };
}
