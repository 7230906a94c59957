import type { BlockCredit } from '../blocks/block.js';
import type { UpstreamPayoutStatus } from '../proxy/upstream-payouts.js';
import {
  type Balance,
  balancesFromEntries,
  type EntryKind,
  entryId,
  type LedgerEntry,
  parseRevisionRef,
  REFERRAL_KINDS,
  revisionRef,
} from './entries.js';
import type { PayoutStatus } from './payouts.js';
import type { BlockStage } from './plan.js';

export interface AuditInput {
  entries: LedgerEntry[];
  /** Blocks credited as mature: hash → reward. */
  matureBlocks: Map<string, bigint>;
  /** Blocks credited as immature or mature (orphans too: they were credited, then reversed): hash → reward. */
  creditedBlocks: Map<string, bigint>;
  /** Payouts whose transaction confirmed: id → total sent. */
  confirmedPayouts: Map<string, bigint>;
  /**
   * The split fixed on each block (hash → credits). With it every block entry is checked against the amount it
   * must have, so a changed amount is named by its entry id rather than only by its block.
   */
  blockCredits?: ReadonlyMap<string, readonly BlockCredit[]>;
  /**
   * Blocks that are out of the chain now after being credited: hash → reward. With it, every trip of a credited block
   * out of the chain and back is checked: each trip's orphan (and restore) entries sum to the reward, an orphaned
   * block has one reversal more than restorations, any other block as many.
   */
  orphanedBlocks?: ReadonlyMap<string, bigint>;
  /**
   * Every payout record (id → status and recipients): each payout entry must equal its recipient's amount, a payout
   * past `pending` must have reserved every recipient, and a failed one must have released what it reserved.
   */
  payouts?: ReadonlyMap<
    string,
    { status: PayoutStatus; recipients: ReadonlyArray<{ account: string; amount: bigint }> }
  >;
  /** Balances as stored (materialised balance items, balance-sync.ts): each must equal what its entries give. */
  storedBalances?: ReadonlyMap<string, Balance>;
  /** What left the pool wallet for payouts, and the network fees of those transactions (debits = payouts + fees). */
  wallet?: { sent: bigint; networkFees: bigint };
  /**
   * Every conversion that touches this ledger (id → the entries its record says this ledger must hold: convert-out
   * and convert-back in the source coin's ledger, convert-in in the target's). Each conversion entry must be one of
   * them with the same amount; a `complete` conversion must have them all.
   */
  conversions?: ReadonlyMap<string, ConversionLedgerView>;
  /**
   * Proxy mining: every upstream payout recorded (id `<txid>:<vout>` → what it paid, its status and its fixed split).
   * Each `upstream` entry must be one of its payout's credits; a split must account for every unit the upstream paid;
   * a credited or settled payout must have all its entries, so its entries sum to what it paid.
   */
  upstreamPayouts?: ReadonlyMap<string, UpstreamPayoutView>;
}

/** What the audit reads of an upstream payout (core/proxy). */
export interface UpstreamPayoutView {
  amount: bigint;
  status: UpstreamPayoutStatus;
  credits?: readonly BlockCredit[];
}

/** The entries one conversion fixes for one ledger (core/conversion/record.ts plans them). */
export interface ConversionLedgerView {
  complete: boolean;
  entries: ReadonlyArray<Pick<LedgerEntry, 'kind' | 'role' | 'account' | 'amount'>>;
}

export type AuditResult = { ok: true; checked: number } | { ok: false; problem: string };

class Mismatch extends Error {}

/**
 * The checks of `pool ledger audit` for one coin; the first mismatch is reported:
 *  1. an id names one entry: the same id twice with different content is history rewritten; every id is the one its
 *     content implies (entryId), and every amount is positive; a referral credit (role 'referral') is a block
 *     credit only (so it matures and is reversed with its block, and counts in the block's sum);
 *  2. credits = mature rewards: every credited block's immature entries sum to its reward (miners + fees + bonus +
 *     dust), every mature block's mature entries too, and no entry matures a block that is not confirmed;
 *  3. debits = confirmed payouts (+ network fees, with `wallet`): the paid entries of every confirmed payout sum to
 *     its total, and no other payout has paid entries; a `returned` entry (with a note) stands for a paid one where
 *     the transaction could not pay its recipient, and gives the reserved amount back;
 *  4. every move has its origin with the same amount: mature/orphan ← immature, paid/release ← reserve, a block's
 *     k-th restore ← its k-th orphan, its k-th orphan (k > 0) ← its (k−1)-th restore; a credit is never matured
 *     while reversed (more orphans than restores), a reservation never both paid and released; a PPS round's k-th
 *     late credit of a miner (k > 0) follows its (k−1)-th;
 *  5. with `blockCredits` / `payoutRecipients`: every entry equals the amount its block or payout fixed;
 *  6. no balance bucket is negative, and with `storedBalances` each stored balance equals its entries;
 *  7. with `wallet`: what the wallet sent = confirmed payouts + network fees;
 *  8. conversions: a convert-back never exceeds its convert-out, and with `conversions` every conversion entry is
 *     one its record fixed, with the same amount, and a complete conversion has all of them.
 *  9. proxy mining: every upstream entry belongs to a recorded upstream payout's split with its amount, every split
 *     sums to what the upstream paid, and a credited (or settled) payout has every entry of its split: each upstream
 *     payout is distributed once (one id per credit), in full.
 * A sum that does not match names the entry responsible when it can (from the fixed split, else from the entry's
 * origin or its counterpart).
 */
export function audit(input: AuditInput): AuditResult {
  try {
    const entries = uniqueEntries(input.entries);
    const index = new Map(entries.map((e) => [e.id, e]));
    for (const e of entries) checkEntry(e);
    checkBlocks(input, entries, index);
    checkTrips(input, entries, index);
    checkPayouts(input, entries, index);
    for (const e of entries) checkOrigin(e, index);
    checkRoundCredits(entries, index);
    checkFixedAmounts(input, entries);
    checkPayoutCompleteness(input, index);
    checkReturned(input, entries, index);
    checkBalances(balancesFromEntries(entries), input.storedBalances);
    checkWallet(input, entries);
    checkConversions(input, entries, index);
    checkUpstreamPayouts(input, entries, index);
    return { ok: true, checked: input.entries.length };
  } catch (err) {
    if (err instanceof Mismatch) return { ok: false, problem: err.message };
    throw err;
  }
}

function uniqueEntries(entries: readonly LedgerEntry[]): LedgerEntry[] {
  const byId = new Map<string, LedgerEntry>();
  for (const e of entries) {
    const seen = byId.get(e.id);
    if (!seen) byId.set(e.id, e);
    else if (seen.amount !== e.amount || seen.account !== e.account || seen.kind !== e.kind || seen.ref !== e.ref) {
      throw new Mismatch(`entry ${e.id}: recorded twice with different content (${seen.amount} and ${e.amount})`);
    }
  }
  return [...byId.values()];
}

function checkEntry(e: LedgerEntry): void {
  if (e.amount <= 0n) throw new Mismatch(`entry ${e.id}: amount ${e.amount} is not positive`);
  if (e.role === 'referral' && !REFERRAL_KINDS.includes(e.kind)) {
    throw new Mismatch(`entry ${e.id}: a referral credit is a block's credit, never a ${e.kind} entry`);
  }
  if (e.id !== entryId(e.kind, e.ref, e.role, e.account)) {
    throw new Mismatch(`entry ${e.id}: its id does not match its content (${e.kind} ${e.ref} ${e.role} ${e.account})`);
  }
}

const sumOf = (entries: readonly LedgerEntry[], kind: EntryKind, ref: string) =>
  entries.filter((e) => e.kind === kind && e.ref === ref).reduce((s, e) => s + e.amount, 0n);

function checkBlocks(input: AuditInput, entries: LedgerEntry[], index: Map<string, LedgerEntry>): void {
  const stages: Array<[Extract<EntryKind, 'immature' | 'mature' | 'orphan'>, ReadonlyMap<string, bigint>]> = [
    ['immature', input.creditedBlocks],
    ['mature', input.matureBlocks],
    ['orphan', input.orphanedBlocks ?? new Map()],
  ];
  for (const [kind, blocks] of stages) {
    for (const [hash, reward] of blocks) {
      const got = sumOf(entries, kind, hash);
      if (got !== reward) {
        const culprit = blockCulprit(kind, hash, entries, index, input.blockCredits?.get(hash));
        throw new Mismatch(`block ${hash}: ${kind} credits ${got} ≠ reward ${reward}${culprit}`);
      }
    }
  }
  for (const e of entries) {
    if (e.kind === 'mature' && !input.matureBlocks.has(e.ref)) {
      throw new Mismatch(`entry ${e.id}: matures block ${e.ref}, which is not a confirmed block`);
    }
    if ((e.kind === 'orphan' || e.kind === 'restore') && !input.creditedBlocks.has(blockOf(e))) {
      throw new Mismatch(`entry ${e.id}: ${e.kind}s block ${blockOf(e)}, which was never credited`);
    }
    if ((e.kind === 'immature' || e.kind === 'mature') && parseRevisionRef(e.ref).revision !== 0) {
      throw new Mismatch(`entry ${e.id}: a ${e.kind} entry of a block has no trip number`);
    }
  }
}

const TRIP_KINDS: readonly EntryKind[] = ['orphan', 'restore'];
/** The block an entry of a block stage belongs to (orphan and restore refs carry a trip number). */
const blockOf = (e: LedgerEntry) => parseRevisionRef(e.ref).base;

/**
 * Each trip of a credited block out of the chain (orphan) and back (restore) moves the whole reward, and the trips
 * alternate: an orphaned block ends out (one orphan more than restores), any other block in (as many).
 */
function checkTrips(input: AuditInput, entries: LedgerEntry[], index: Map<string, LedgerEntry>): void {
  const trips = new Map<string, Map<string, bigint>>(); // block → `<kind>#<trip>` → sum
  for (const e of entries) {
    if (!TRIP_KINDS.includes(e.kind)) continue;
    const { base, revision } = parseRevisionRef(e.ref);
    const sums = trips.get(base) ?? new Map<string, bigint>();
    sums.set(`${e.kind}#${revision}`, (sums.get(`${e.kind}#${revision}`) ?? 0n) + e.amount);
    trips.set(base, sums);
  }
  for (const [hash, reward] of input.creditedBlocks) {
    const sums = trips.get(hash) ?? new Map<string, bigint>();
    const count = (kind: EntryKind) => [...sums.keys()].filter((k) => k.startsWith(`${kind}#`)).length;
    const [out, back] = [count('orphan'), count('restore')];
    for (const [key, got] of sums) {
      if (got === reward) continue;
      const [kind, trip] = key.split('#') as ['orphan' | 'restore', string];
      const culprit = blockCulprit(
        kind,
        revisionRef(hash, Number(trip)),
        entries,
        index,
        input.blockCredits?.get(hash),
      );
      throw new Mismatch(`block ${hash}: ${kind} credits of trip ${trip} ${got} ≠ reward ${reward}${culprit}`);
    }
    if (!input.orphanedBlocks) continue;
    const want = input.orphanedBlocks.has(hash) ? back + 1 : back;
    if (out !== want) {
      const where = input.orphanedBlocks.has(hash) ? 'out of the chain' : 'in the chain';
      throw new Mismatch(`block ${hash} is ${where} but was reversed ${out} and restored ${back} times`);
    }
  }
}

/**
 * Which entry of a block stage is wrong: the one that differs from the fixed split, or from its counterpart. `ref`:
 * the block's hash, or for a trip out of the chain and back its revision ref.
 */
function blockCulprit(
  kind: BlockStage,
  ref: string,
  entries: LedgerEntry[],
  index: Map<string, LedgerEntry>,
  credits: readonly BlockCredit[] | undefined,
): string {
  const mine = entries.filter((e) => e.kind === kind && e.ref === ref).sort((a, b) => (a.id < b.id ? -1 : 1));
  const others: EntryKind[] = kind === 'immature' ? ['mature', 'orphan'] : ['immature'];
  if (credits) {
    const expected = new Map(credits.map((c) => [entryId(kind, ref, c.role, c.account), c.amount]));
    for (const e of mine) {
      const want = expected.get(e.id);
      if (want === undefined) return `; entry ${e.id} (${e.amount}) is not in the block's split`;
      if (want !== e.amount) return `; entry ${e.id} is ${e.amount}, the block's split says ${want}`;
    }
    for (const id of [...expected.keys()].sort()) if (!index.has(id)) return `; entry ${id} is missing`;
    return '';
  }
  // Without the split, a twin (same block, role and account, other stage) shows what this stage should hold.
  const twins = entries.filter((e) => e.ref === ref && others.includes(e.kind));
  const missing = twins.map((e) => entryId(kind, ref, e.role, e.account)).find((id) => !index.has(id));
  if (missing) return `; entry ${missing} is missing`;
  for (const e of mine) {
    for (const other of others) {
      const twin = index.get(entryId(other, e.ref, e.role, e.account));
      if (twin && twin.amount !== e.amount) return `; entry ${e.id} is ${e.amount}, its ${other} entry ${twin.amount}`;
    }
  }
  return '';
}

function checkPayouts(input: AuditInput, entries: LedgerEntry[], index: Map<string, LedgerEntry>): void {
  for (const e of entries) {
    if (e.kind === 'paid' && !input.confirmedPayouts.has(e.ref)) {
      throw new Mismatch(`entry ${e.id}: pays out ${e.ref}, which is not a confirmed payout`);
    }
  }
  for (const [id, total] of input.confirmedPayouts) {
    // A recipient the transaction could not pay was returned to its balance instead (checkReturned).
    const got = sumOf(entries, 'paid', id) + sumOf(entries, 'returned', id);
    if (got === total) continue;
    let culprit = '';
    for (const e of entries.filter((x) => x.kind === 'paid' && x.ref === id)) {
      const reserved = index.get(entryId('reserve', id, e.role, e.account));
      const planned = input.payouts?.get(id)?.recipients.find((r) => r.account === e.account)?.amount;
      const want = planned ?? reserved?.amount;
      if (want !== e.amount) {
        culprit = `; entry ${e.id} is ${e.amount}, the payout ${planned !== undefined ? 'planned' : 'reserved'} ${want}`;
        break;
      }
    }
    throw new Mismatch(`payout ${id}: paid entries ${got} ≠ sent ${total}${culprit}`);
  }
}

/** Each move out of a bucket needs the entry that put the money there, with the same amount, and only one way out. */
function checkOrigin(e: LedgerEntry, index: Map<string, LedgerEntry>): void {
  const origin = originOf(e);
  if (!origin) return;
  const [from, fromRef] = origin;
  const source = index.get(entryId(from, fromRef, e.role, e.account));
  if (!source) throw new Mismatch(`entry ${e.id}: has no ${from} entry to move from`);
  if (source.amount !== e.amount) {
    throw new Mismatch(`entry ${e.id} is ${e.amount}, but its ${from} entry ${source.id} is ${source.amount}`);
  }
  if (e.kind === 'paid' && index.has(entryId('release', e.ref, e.role, e.account))) {
    throw new Mismatch(`entry ${e.id}: the same amount also left by ${entryId('release', e.ref, e.role, e.account)}`);
  }
  if (e.kind === 'mature') {
    // Matured while reversed: its last trip out of the chain has no way back.
    let trip = 0;
    while (index.has(entryId('restore', revisionRef(e.ref, trip), e.role, e.account))) trip++;
    const out = entryId('orphan', revisionRef(e.ref, trip), e.role, e.account);
    if (index.has(out)) throw new Mismatch(`entry ${e.id}: the same amount also left by ${out}`);
  }
}

/** The entry (kind and ref) a move takes its amount from, for the kinds that move money between buckets. */
function originOf(e: LedgerEntry): [EntryKind, string] | undefined {
  if (e.kind === 'mature') return ['immature', e.ref];
  if (e.kind === 'paid' || e.kind === 'release') return ['reserve', e.ref];
  if (e.kind !== 'orphan' && e.kind !== 'restore') return undefined;
  const { base, revision } = parseRevisionRef(e.ref);
  if (e.kind === 'restore') return ['orphan', e.ref];
  return revision === 0 ? ['immature', base] : ['restore', revisionRef(base, revision - 1)];
}

/** A PPS round's credits of one miner are numbered from 0 without a gap: a later credit follows the one before. */
function checkRoundCredits(entries: LedgerEntry[], index: Map<string, LedgerEntry>): void {
  for (const e of entries) {
    if (e.kind !== 'pps') continue;
    const { base, revision } = parseRevisionRef(e.ref);
    if (!/^h\d+$/.test(base) || e.role !== 'miner') {
      throw new Mismatch(`entry ${e.id}: a PPS credit is a miner's credit of a round h<height>`);
    }
    if (revision === 0) continue;
    const before = entryId('pps', revisionRef(base, revision - 1), e.role, e.account);
    if (!index.has(before)) throw new Mismatch(`entry ${e.id}: credits round ${base} again, but ${before} is missing`);
  }
}

function checkFixedAmounts(input: AuditInput, entries: LedgerEntry[]): void {
  for (const e of entries) {
    let want: bigint | undefined;
    let what: string;
    if (e.kind === 'immature' || e.kind === 'mature' || TRIP_KINDS.includes(e.kind)) {
      const credits = input.blockCredits?.get(blockOf(e));
      if (!credits) continue;
      want = credits.find((c) => c.role === e.role && c.account === e.account)?.amount;
      what = `block ${blockOf(e)}'s split`;
    } else if (e.kind === 'reserve' || e.kind === 'paid' || e.kind === 'release') {
      const recipients = input.payouts?.get(e.ref)?.recipients;
      if (!recipients) continue;
      want = recipients.find((r) => r.account === e.account)?.amount;
      what = `payout ${e.ref}`;
    } else continue;
    if (want === undefined) throw new Mismatch(`entry ${e.id} (${e.amount}): not part of ${what}`);
    if (want !== e.amount) throw new Mismatch(`entry ${e.id} is ${e.amount}, ${what} says ${want}`);
  }
}

/** Every payout past `pending` reserved each recipient; a failed one released them all, a confirmed one paid them. */
function checkPayoutCompleteness(input: AuditInput, index: Map<string, LedgerEntry>): void {
  for (const [id, p] of input.payouts ?? []) {
    for (const r of p.recipients) {
      const reserve = entryId('reserve', id, 'miner', r.account);
      const needs: EntryKind[] = [];
      if (p.status !== 'pending' && p.status !== 'failed') needs.push('reserve');
      if (p.status === 'confirmed' && !index.has(entryId('returned', id, 'miner', r.account))) needs.push('paid');
      if (p.status === 'failed' && index.has(reserve)) needs.push('release');
      for (const kind of needs) {
        const want = entryId(kind, id, 'miner', r.account);
        if (!index.has(want)) throw new Mismatch(`payout ${id} (${p.status}): entry ${want} is missing`);
      }
    }
  }
  for (const e of index.values()) {
    if (e.kind === 'release' && input.payouts && input.payouts.get(e.ref)?.status !== 'failed') {
      throw new Mismatch(`entry ${e.id}: releases payout ${e.ref}, which has not failed`);
    }
  }
}

/**
 * A `returned` entry gives back what a confirmed payout reserved for a recipient its transaction could not pay: it
 * says why (its note), moves exactly the reserved amount, and that amount left by no other way (paid, release).
 */
function checkReturned(input: AuditInput, entries: LedgerEntry[], index: Map<string, LedgerEntry>): void {
  for (const e of entries) {
    if (e.kind !== 'returned') continue;
    if (!e.note?.trim()) throw new Mismatch(`entry ${e.id}: returns a payout's amount without a note saying why`);
    if (!input.confirmedPayouts.has(e.ref)) {
      throw new Mismatch(`entry ${e.id}: returns an amount of ${e.ref}, which is not a confirmed payout`);
    }
    const reserve = index.get(entryId('reserve', e.ref, e.role, e.account));
    if (!reserve) throw new Mismatch(`entry ${e.id}: has no reserve entry to move from`);
    if (reserve.amount !== e.amount) {
      throw new Mismatch(`entry ${e.id} is ${e.amount}, but its reserve entry ${reserve.id} is ${reserve.amount}`);
    }
    for (const other of ['paid', 'release'] as const) {
      const rival = entryId(other, e.ref, e.role, e.account);
      if (index.has(rival)) throw new Mismatch(`entry ${e.id}: the same amount also left by ${rival}`);
    }
  }
}

function checkBalances(balances: Map<string, Balance>, stored: ReadonlyMap<string, Balance> | undefined): void {
  for (const [account, b] of balances) {
    for (const [bucket, v] of Object.entries(b) as [keyof Balance, bigint][]) {
      if (v < 0n) throw new Mismatch(`account ${account}: ${bucket} balance ${v} is negative`);
      const kept = stored?.get(account)?.[bucket];
      if (stored && (kept ?? 0n) !== v) {
        throw new Mismatch(`account ${account}: stored ${bucket} balance ${kept ?? 0n} ≠ ${v} from its entries`);
      }
    }
  }
  for (const [account, b] of stored ?? []) {
    if (!balances.has(account) && Object.values(b).some((v) => v !== 0n)) {
      throw new Mismatch(`account ${account}: a stored balance without any entries`);
    }
  }
}

function checkWallet(input: AuditInput, entries: LedgerEntry[]): void {
  if (!input.wallet) return;
  const paid = entries.filter((e) => e.kind === 'paid').reduce((s, e) => s + e.amount, 0n);
  const { sent, networkFees } = input.wallet;
  if (paid + networkFees !== sent) {
    throw new Mismatch(`wallet: sent ${sent} ≠ confirmed payouts ${paid} + network fees ${networkFees}`);
  }
}

const CONVERSION_KINDS: readonly EntryKind[] = ['convert-out', 'convert-back', 'convert-in'];

function checkConversions(input: AuditInput, entries: LedgerEntry[], index: Map<string, LedgerEntry>): void {
  for (const e of entries) {
    if (e.kind !== 'convert-back') continue;
    const out = index.get(entryId('convert-out', e.ref, e.role, e.account));
    if (!out) throw new Mismatch(`entry ${e.id}: has no convert-out entry to come back from`);
    if (e.amount > out.amount)
      throw new Mismatch(`entry ${e.id} is ${e.amount}, more than its convert-out ${out.amount}`);
  }
  if (!input.conversions) return;
  for (const e of entries) {
    if (!CONVERSION_KINDS.includes(e.kind)) continue;
    const view = input.conversions.get(e.ref);
    if (!view) throw new Mismatch(`entry ${e.id}: conversion ${e.ref} is unknown`);
    const want = view.entries.find((x) => x.kind === e.kind && x.role === e.role && x.account === e.account);
    if (!want) throw new Mismatch(`entry ${e.id} (${e.amount}): not part of conversion ${e.ref}`);
    if (want.amount !== e.amount)
      throw new Mismatch(`entry ${e.id} is ${e.amount}, conversion ${e.ref} says ${want.amount}`);
  }
  for (const [id, view] of input.conversions) {
    if (!view.complete) continue;
    for (const x of view.entries) {
      const want = entryId(x.kind, id, x.role, x.account);
      if (!index.has(want)) throw new Mismatch(`conversion ${id}: entry ${want} is missing`);
    }
  }
}

function checkUpstreamPayouts(input: AuditInput, entries: LedgerEntry[], index: Map<string, LedgerEntry>): void {
  const payouts = input.upstreamPayouts ?? new Map<string, UpstreamPayoutView>();
  for (const e of entries) {
    if (e.kind !== 'upstream') continue;
    const credits = payouts.get(e.ref)?.credits;
    if (!credits) throw new Mismatch(`entry ${e.id}: upstream payout ${e.ref} is not recorded with a split`);
    const want = credits.find((c) => c.role === e.role && c.account === e.account)?.amount;
    if (want === undefined) throw new Mismatch(`entry ${e.id} (${e.amount}): not part of upstream payout ${e.ref}`);
    if (want !== e.amount) throw new Mismatch(`entry ${e.id} is ${e.amount}, upstream payout ${e.ref} says ${want}`);
  }
  for (const [id, p] of payouts) {
    // Below the minimum payment: recorded so it is read once, and never split (no entry can name it: see above).
    if (p.status === 'ignored') {
      if (p.credits) throw new Mismatch(`upstream payout ${id} is ignored but has a split`);
      continue;
    }
    if (!p.credits) {
      if (p.status !== 'pending') throw new Mismatch(`upstream payout ${id} is ${p.status} without a split`);
      continue;
    }
    const split = p.credits.reduce((s, c) => s + c.amount, 0n);
    if (split !== p.amount) throw new Mismatch(`upstream payout ${id}: its split ${split} ≠ paid ${p.amount}`);
    if (p.status === 'pending') continue;
    for (const c of p.credits) {
      const want = entryId('upstream', id, c.role, c.account);
      if (!index.has(want)) throw new Mismatch(`upstream payout ${id} (${p.status}): entry ${want} is missing`);
    }
    const credited = sumOf(entries, 'upstream', id);
    if (credited !== p.amount) throw new Mismatch(`upstream payout ${id}: credited ${credited} ≠ paid ${p.amount}`);
  }
}
