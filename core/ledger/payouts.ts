import { toUnits } from '../conversion/decimal.js';
import { PoolError } from '../errors.js';
import type { Balance } from './entries.js';

/**
 * A payout's life: pending (planned, amounts reserved) → sending (the transaction is being created) → sent
 * (txid recorded) → confirmed (paid). `failed`: abandoned before anything was sent, amounts released (a `release`
 * entry). `suspended`: the wallet and the record disagree (two transactions carry the payout id, outputs differ, the
 * transaction conflicts with the chain): nothing moves until an operator has looked.
 */
export type PayoutStatus = 'pending' | 'sending' | 'sent' | 'confirmed' | 'failed' | 'suspended';

const NEXT: Record<PayoutStatus, readonly PayoutStatus[]> = {
  pending: ['sending', 'failed'],
  // → pending: reconciliation found no wallet transaction for the payout id after a crash around sendmany.
  sending: ['sent', 'pending', 'failed', 'suspended'],
  sent: ['confirmed', 'suspended'],
  // The operator's verdict after reconciling by hand: it went out (sent), it never did (pending or failed).
  suspended: ['sent', 'pending', 'failed'],
  confirmed: [],
  failed: [],
};

/**
 * Statuses from which a payout would be sent (again): one whose transaction went out (it has a txid) may never
 * return to them. transitionPayout checks it on a record; the store's conditional write enforces it on the item.
 */
export function isUnsentStatus(s: PayoutStatus): boolean {
  return s === 'pending' || s === 'sending' || s === 'failed';
}

/** A payout not yet settled (confirmed) or abandoned (failed): what the passes advance, or leave alone. */
export function isOpenPayoutStatus(s: PayoutStatus): boolean {
  return s !== 'confirmed' && s !== 'failed';
}

export function canTransition(from: PayoutStatus, to: PayoutStatus): boolean {
  return NEXT[from].includes(to);
}

export class IllegalPayoutTransitionError extends PoolError {
  constructor(id: string, from: PayoutStatus, to: PayoutStatus, why = 'not allowed') {
    super(`payout ${id}: ${from} → ${to} is ${why}`, 'PAYOUT_TRANSITION');
  }
}

/**
 * The next record of a payout, or IllegalPayoutTransitionError. Storage applies it as a conditional write on the
 * old status, so two runs racing on the same payout cannot both move it. Moving to `sent` needs the txid, a
 * recorded txid is never replaced, and a payout with a txid never returns to pending/sending/failed (a suspended
 * payout that had gone out can only be resolved to sent): canTransition alone is not enough for that.
 */
export function transitionPayout(
  p: PayoutRecord,
  to: PayoutStatus,
  now: number,
  set: { txid?: string; historyMark?: string } = {},
): PayoutRecord {
  if (!canTransition(p.status, to)) throw new IllegalPayoutTransitionError(p.id, p.status, to);
  const txid = set.txid ?? p.txid;
  if (p.txid !== undefined && set.txid !== undefined && set.txid !== p.txid) {
    throw new IllegalPayoutTransitionError(p.id, p.status, to, `refused: it already has txid ${p.txid}`);
  }
  // A payout with a transaction went out: it may never go back to a state from which it would be sent again.
  if (p.txid !== undefined && isUnsentStatus(to)) {
    throw new IllegalPayoutTransitionError(p.id, p.status, to, `refused: transaction ${p.txid} already went out`);
  }
  if ((to === 'sent' || to === 'confirmed') && !txid) {
    throw new IllegalPayoutTransitionError(p.id, p.status, to, 'refused without a txid');
  }
  const historyMark = p.historyMark ?? set.historyMark; // where the first attempt started: kept
  return { ...p, status: to, ...(txid ? { txid } : {}), ...(historyMark ? { historyMark } : {}), updatedAt: now };
}

export interface PayoutRecipient {
  account: string;
  amount: bigint;
  /**
   * Where the payout goes when that is not the account itself: an aux chain's ledger credits the parent coin's mining
   * address, and pays the aux address the miner gave (core/config/merged.ts). Absent: the account is the address.
   */
  address?: string;
}

/** The address a recipient is paid at. */
export function payoutAddress(r: PayoutRecipient): string {
  return r.address ?? r.account;
}

/**
 * What a payout pays each address: recipients paid at one address (two parent accounts that gave one aux address)
 * share its output, summed. A wallet's `sendmany` takes one amount per address, and reports one output per address.
 */
export function amountsByAddress(recipients: readonly PayoutRecipient[]): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const r of recipients) sums.set(payoutAddress(r), (sums.get(payoutAddress(r)) ?? 0n) + r.amount);
  return sums;
}

export interface PayoutRecord {
  id: string;
  coin: string;
  status: PayoutStatus;
  recipients: PayoutRecipient[];
  total: bigint;
  txid?: string;
  /**
   * Where the wallet's history stood before the first attempt to send (PayoutSender.historyMark): the lookup after
   * a crash reads from there. Recorded with the first move to sending, never replaced.
   */
  historyMark?: string;
  /**
   * A signed-first sender's transaction (hex), recorded while `sending` and before it is broadcast, together with
   * its `txid`: only these bytes are ever broadcast for the payout, so a crash anywhere cannot pay it twice. Recorded
   * once (core/ports/money-store.ts `recordSignedPayout`), never replaced.
   */
  signedTx?: string;
  createdAt: number;
  updatedAt: number;
}

export interface PayoutPolicy {
  /** Smallest confirmed balance paid out. */
  minimum: bigint;
  /**
   * Miner accounts' own thresholds (issue 19), by ledger account: each replaces `minimum` for its account (already
   * within the coin's bounds, core/accounts/settings.ts thresholdBounds).
   */
  perAccount?: ReadonlyMap<string, bigint>;
  /** Recipients per transaction (sendmany outputs). */
  maxRecipients: number;
  /**
   * A lower minimum for accounts that stopped mining (open-ethereum-pool's idea): small leftovers of miners who left
   * are paid instead of waiting forever. Needs `inactiveAfterMs` and the accounts' last activity.
   */
  inactiveMinimum?: bigint;
  inactiveAfterMs?: number;
  /** What the wallet may spend now (its balance minus the reserve the pool keeps); no cap when undefined. */
  available?: bigint;
}

/** An account's last share time (ms), for the inactive threshold; 0 when unknown. */
export type LastActivity = (account: string) => number;

export interface PayoutPlanInput {
  balances: ReadonlyMap<string, Balance>;
  thresholds: Pick<PayoutPolicy, 'minimum' | 'perAccount' | 'inactiveMinimum' | 'inactiveAfterMs'>;
  lastActivity: LastActivity;
  /** Outputs per transaction. */
  maxRecipients: number;
  /** Transactions planned at most (default 1: one payout in flight per coin). */
  maxBatches?: number;
  /** The wallet's spendable balance, and the part of it the pool keeps; no cap when spendable is undefined. */
  spendable?: bigint;
  reserve?: bigint;
  now: number;
}

/** The smallest confirmed balance `account` is paid at (its own threshold, else the pool's minimum). */
export function minimumOf(policy: Pick<PayoutPolicy, 'minimum' | 'perAccount'>, account: string): bigint {
  return policy.perAccount?.get(account) ?? policy.minimum;
}

/**
 * Who gets paid now: accounts whose confirmed balance reaches their minimum (minimumOf) (or the inactive minimum, for accounts
 * idle longer than inactiveAfterMs), largest first (ties by account), never more than the confirmed balance, and in
 * total never more than the wallet may spend above the reserve; cut into batches of at most maxRecipients. An account appears at most once over all batches,
 * with its whole confirmed balance; confirmed is already net of pending payouts (a reserve entry moves the amount
 * to pending), so nothing reserved can be planned again.
 */
export function planPayouts(input: PayoutPlanInput): PayoutRecipient[][] {
  const { maxRecipients } = input;
  const maxBatches = input.maxBatches ?? 1;
  if (!Number.isInteger(maxRecipients) || maxRecipients < 1) throw new RangeError(`bad maxRecipients ${maxRecipients}`);
  if (!Number.isInteger(maxBatches) || maxBatches < 1) throw new RangeError(`bad maxBatches ${maxBatches}`);
  let available: bigint | undefined;
  if (input.spendable !== undefined) {
    available = input.spendable - (input.reserve ?? 0n);
    if (available < 0n) available = 0n;
  }
  const policy: PayoutPolicy = { ...input.thresholds, maxRecipients, available };
  const all = selectDue(input.balances, policy, maxRecipients * maxBatches, input.lastActivity, input.now);
  const batches: PayoutRecipient[][] = [];
  for (let i = 0; i < all.length; i += maxRecipients) batches.push(all.slice(i, i + maxRecipients));
  return batches;
}

function selectDue(
  balances: ReadonlyMap<string, Balance>,
  policy: PayoutPolicy,
  limit: number,
  lastActivity: LastActivity,
  now: number,
): PayoutRecipient[] {
  const due = (account: string, confirmed: bigint) => {
    if (confirmed <= 0n) return false;
    if (confirmed >= minimumOf(policy, account)) return true;
    const { inactiveMinimum, inactiveAfterMs } = policy;
    if (inactiveMinimum === undefined || inactiveAfterMs === undefined || confirmed < inactiveMinimum) return false;
    return now - lastActivity(account) >= inactiveAfterMs;
  };
  const candidates = [...balances.entries()]
    // Internal accounts (the PPS pool account…) are bookkeeping, not addresses.
    .filter(([account, b]) => !account.includes(':') && due(account, b.confirmed))
    .map(([account, b]) => ({ account, amount: b.confirmed }))
    .sort((a, b) => (a.amount === b.amount ? (a.account < b.account ? -1 : 1) : a.amount > b.amount ? -1 : 1));
  const plan: PayoutRecipient[] = [];
  let left = policy.available;
  for (const c of candidates) {
    if (plan.length >= limit) break;
    if (left !== undefined) {
      if (c.amount > left) continue; // does not fit what the wallet may spend; a smaller one may
      left -= c.amount;
    }
    plan.push(c);
  }
  return plan;
}

/** Base units → the exact decimal string wallet RPC accepts as an amount ("1.23456789"). */
export function formatAmount(units: bigint, decimals = 8): string {
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const scale = 10n ** BigInt(decimals);
  const frac = (abs % scale).toString().padStart(decimals, '0');
  return `${neg ? '-' : ''}${abs / scale}.${frac}`;
}

/**
 * A wallet amount (a JSON number of coins, or a decimal string) → base units: exact for any whole number of base
 * units, and a sub-unit (digits past `decimals`) is floored, so an amount read is never more than the wallet said
 * (a balance is not overstated, a coinbase does not credit a unit the chain does not hold). A number is read as its
 * shortest round-trip decimal — the text the wallet wrote — never through float arithmetic.
 */
export function parseAmount(coins: number | string, decimals = 8): bigint {
  return toUnits(coins, decimals);
}
