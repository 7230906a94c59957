/**
 * The append-only ledger. Every movement of money is an entry with a deterministic id, written once with a
 * conditional put: a replay, a duplicate event or a retry after a crash writes the same id and changes nothing.
 * Balances are derived from entries, never stored apart from them, so there is nothing to drift.
 */
export type EntryKind =
  /** A share of a block still maturing: shown to miners, not payable. */
  | 'immature'
  /** The block matured: immature → confirmed (payable). */
  | 'mature'
  /** The block left the main chain: the immature credit is taken back. */
  | 'orphan'
  /** A payout took the amount: confirmed → pending. */
  | 'reserve'
  /** The payout transaction confirmed: pending → paid. */
  | 'paid'
  /** The payout was abandoned before it was sent: pending → confirmed. */
  | 'release'
  /** PPS: a completed round's shares paid at their expected value, straight to confirmed. */
  | 'pps';

export type Role = 'miner' | 'fee' | 'bonus' | 'dust';

export interface LedgerEntry {
  id: string;
  account: string;
  kind: EntryKind;
  /** Why the account is credited (miner, fee wallet, finder bonus, rounding dust); 'miner' for payout entries. */
  role: Role;
  amount: bigint;
  /** The block hash or payout id the entry belongs to. */
  ref: string;
  time: number;
}

export interface Balance {
  immature: bigint;
  confirmed: bigint;
  pending: bigint;
  paid: bigint;
}

const EFFECTS: Record<EntryKind, Partial<Record<keyof Balance, 1n | -1n>>> = {
  immature: { immature: 1n },
  mature: { immature: -1n, confirmed: 1n },
  orphan: { immature: -1n },
  reserve: { confirmed: -1n, pending: 1n },
  paid: { pending: -1n, paid: 1n },
  release: { pending: -1n, confirmed: 1n },
  pps: { confirmed: 1n },
};

export function entryId(kind: EntryKind, ref: string, role: Role, account: string): string {
  return `${kind}:${ref}:${role}:${account}`;
}

export const zeroBalance = (): Balance => ({ immature: 0n, confirmed: 0n, pending: 0n, paid: 0n });

/** Balances per account; entries with the same id count once. */
export function balancesFromEntries(entries: Iterable<LedgerEntry>): Map<string, Balance> {
  const seen = new Set<string>();
  const out = new Map<string, Balance>();
  for (const e of entries) {
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    const b = out.get(e.account) ?? zeroBalance();
    for (const [bucket, sign] of Object.entries(EFFECTS[e.kind]) as [keyof Balance, bigint][])
      b[bucket] += sign * e.amount;
    out.set(e.account, b);
  }
  return out;
}

export interface AuditInput {
  entries: LedgerEntry[];
  /** Blocks credited as mature: hash → reward. */
  matureBlocks: Map<string, bigint>;
  /** Blocks credited as immature or mature (not orphaned): hash → reward. */
  creditedBlocks: Map<string, bigint>;
  /** Payouts whose transaction confirmed: id → total sent. */
  confirmedPayouts: Map<string, bigint>;
}

export type AuditResult = { ok: true; checked: number } | { ok: false; problem: string };

/**
 * The checks of `pool ledger audit`, first mismatch wins:
 *  - every credited block's immature entries sum to its reward (miners + fees + bonus + dust = reward);
 *  - every mature block's mature entries sum to its reward, and nothing else was matured;
 *  - the paid entries of every confirmed payout sum to its total, and no other payout has paid entries;
 *  - no balance bucket of any account is negative.
 */
export function audit(input: AuditInput): AuditResult {
  const sums = new Map<string, bigint>();
  for (const e of input.entries) sums.set(`${e.kind}:${e.ref}`, (sums.get(`${e.kind}:${e.ref}`) ?? 0n) + e.amount);
  for (const [hash, reward] of input.creditedBlocks) {
    const got = sums.get(`immature:${hash}`) ?? 0n;
    if (got !== reward) return { ok: false, problem: `block ${hash}: immature credits ${got} ≠ reward ${reward}` };
  }
  for (const [hash, reward] of input.matureBlocks) {
    const got = sums.get(`mature:${hash}`) ?? 0n;
    if (got !== reward) return { ok: false, problem: `block ${hash}: mature credits ${got} ≠ reward ${reward}` };
  }
  for (const e of input.entries) {
    if (e.amount <= 0n) return { ok: false, problem: `entry ${e.id}: amount ${e.amount} is not positive` };
    if (e.kind === 'mature' && !input.matureBlocks.has(e.ref)) {
      return { ok: false, problem: `entry ${e.id}: matures block ${e.ref}, which is not a confirmed block` };
    }
    if (e.kind === 'paid' && !input.confirmedPayouts.has(e.ref)) {
      return { ok: false, problem: `entry ${e.id}: pays out ${e.ref}, which is not a confirmed payout` };
    }
  }
  for (const [id, total] of input.confirmedPayouts) {
    const got = sums.get(`paid:${id}`) ?? 0n;
    if (got !== total) return { ok: false, problem: `payout ${id}: paid entries ${got} ≠ sent ${total}` };
  }
  for (const [account, b] of balancesFromEntries(input.entries)) {
    for (const [bucket, v] of Object.entries(b)) {
      if ((v as bigint) < 0n) return { ok: false, problem: `account ${account}: ${bucket} balance ${v} is negative` };
    }
  }
  return { ok: true, checked: input.entries.length };
}
