/**
 * The append-only ledger of one coin (one table per coin, so ids need not carry the coin). Every movement of money
 * is an entry with a deterministic id, written once with a conditional put (attribute_not_exists(id)): a replay, a
 * duplicate event or a retry after a crash writes the same id and changes nothing. Balances are derived from
 * entries (balance-sync.ts describes how a stored balance item can follow them idempotently).
 *
 * Ids: `<kind>:<ref>:<role>:<account>`, ref = block hash (block credits), payout id (payout entries) or `h<height>`
 * (PPS/PoT round credits). So a block credit is keyed by block + account, the fee credit by block + fee wallet
 * (role 'fee': a fee is a block credit like any other, so it matures and is reversed on orphan with its block), and
 * a payout debit by payout id + account. Conversions: ref = conversion id, so `convert-out:<id>:miner:<account>` in
 * the source coin's ledger and `convert-in:<id>:<role>:<account>` in the target currency's ledger. Proxy mining:
 * ref = the upstream payout's `<txid>:<vout>`, so `upstream:<txid>:<vout>:<role>:<account>`.
 *
 * Revisions (revisionRef): what can happen to one thing more than once gets the ref `<base>#<k>` the k-th time after
 * the first. A block that leaves the chain and comes back before maturity is reversed (`orphan`) and restored
 * (`restore`) once per trip: `orphan:<hash>…`, `restore:<hash>…`, then `orphan:<hash>#1…`, `restore:<hash>#1…`. A PPS
 * round credited again for shares that arrived after it was credited adds `pps:h<height>#1:miner:<account>` (the
 * difference), then `#2`…: the credits of a round and miner always sum to what its shares are worth.
 */
export type EntryKind =
  /** A share of a block still maturing: shown to miners, not payable. */
  | 'immature'
  /** The block matured: immature → confirmed (payable). */
  | 'mature'
  /** The block left the main chain: the immature credit is taken back. */
  | 'orphan'
  /** The orphaned block came back into the main chain before maturity: its immature credit is given again. */
  | 'restore'
  /** A payout took the amount: confirmed → pending. */
  | 'reserve'
  /** The payout transaction confirmed: pending → paid. */
  | 'paid'
  /** The payout was abandoned before it was sent: pending → confirmed. */
  | 'release'
  /**
   * The payout's transaction went out but could not pay this recipient (EVM: the token or the address refused the
   * transfer): pending → confirmed, payable again; its note says why.
   */
  | 'returned'
  /** PPS/PoT: a completed round's shares paid at their expected value, straight to confirmed. */
  | 'pps'
  /** Auto-conversion (core/conversion): the miner's confirmed coins leave this ledger for an exchange. */
  | 'convert-out'
  /** The part of a conversion that did not fill comes back: confirmed again, never more than went out. */
  | 'convert-back'
  /** The proceeds of a conversion, in the target currency's ledger: confirmed (payable by its payouts). */
  | 'convert-in'
  /**
   * Proxy mining (core/proxy): a share of what the upstream pool paid the pool, credited once the payout transaction
   * has the coin's confirmations, straight to confirmed. Ref = the upstream payout's id `<txid>:<vout>`.
   */
  | 'upstream';

/** 'referral': a referrer's share of the pool fee on a referred miner's reward (issue 19), a block credit. */
export type Role = 'miner' | 'fee' | 'bonus' | 'dust' | 'referral';

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
  /** Why the money moved, where the kind alone does not say it (a `returned` entry names the refusal). */
  note?: string;
}

/** An account's money in four buckets; each unit is in exactly one of them. */
export interface Balance {
  /** Credited from blocks still maturing: shown to miners, not payable. */
  immature: bigint;
  /** Payable: already net of what open payouts reserved. */
  confirmed: bigint;
  /** Reserved by payouts not yet confirmed on chain. */
  pending: bigint;
  /** Paid by confirmed payout transactions. */
  paid: bigint;
}

/** What an entry of each kind does to its account's balance buckets (amount × sign). */
export const ENTRY_EFFECTS: Readonly<Record<EntryKind, Readonly<Partial<Record<keyof Balance, 1n | -1n>>>>> = {
  immature: { immature: 1n },
  mature: { immature: -1n, confirmed: 1n },
  orphan: { immature: -1n },
  restore: { immature: 1n },
  reserve: { confirmed: -1n, pending: 1n },
  paid: { pending: -1n, paid: 1n },
  release: { pending: -1n, confirmed: 1n },
  returned: { pending: -1n, confirmed: 1n },
  pps: { confirmed: 1n },
  'convert-out': { confirmed: -1n },
  'convert-back': { confirmed: 1n },
  'convert-in': { confirmed: 1n },
  upstream: { confirmed: 1n },
};

export function entryId(kind: EntryKind, ref: string, role: Role, account: string): string {
  return `${kind}:${ref}:${role}:${account}`;
}

/** The ref of the k-th revision of `base` (k = 0: the base itself), see "Revisions" above. */
export function revisionRef(base: string, revision: number): string {
  return revision === 0 ? base : `${base}#${revision}`;
}

/** The base and revision number of a ref (a ref without `#<k>` is revision 0). */
export function parseRevisionRef(ref: string): { base: string; revision: number } {
  const at = ref.lastIndexOf('#');
  const n = at < 0 ? Number.NaN : Number(ref.slice(at + 1));
  if (!Number.isSafeInteger(n) || n < 1 || ref.slice(at + 1) !== String(n)) return { base: ref, revision: 0 };
  return { base: ref.slice(0, at), revision: n };
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
    for (const [bucket, sign] of Object.entries(ENTRY_EFFECTS[e.kind]) as [keyof Balance, bigint][])
      b[bucket] += sign * e.amount;
    out.set(e.account, b);
  }
  return out;
}

/**
 * The kinds a referral credit (role 'referral', issue 19) can have: it is a block credit, and moves only with its
 * block (it matures, is reversed on orphan and restored with it).
 */
export const REFERRAL_KINDS: readonly EntryKind[] = ['immature', 'mature', 'orphan', 'restore'];

/**
 * What an account earned from referrals, from its own entries: its role 'referral' credits as balance buckets, so
 * maturing ones count as immature, matured ones as confirmed and orphaned ones not at all. Its other entries (its own
 * mining, its payouts, which take from the whole balance) are left out: this is what referrals brought, not what is
 * left to pay.
 */
export function referralEarnings(entries: Iterable<LedgerEntry>): Pick<Balance, 'immature' | 'confirmed'> {
  const out = { immature: 0n, confirmed: 0n };
  const credits = [...entries].filter((e) => e.role === 'referral');
  for (const b of balancesFromEntries(credits).values()) {
    out.immature += b.immature;
    out.confirmed += b.confirmed;
  }
  return out;
}
