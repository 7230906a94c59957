import type { Balance } from './ledger.js';

/**
 * A payout's life: pending (planned, amounts reserved) → sending (the transaction is being created) → sent
 * (txid recorded) → confirmed (paid). `failed`: abandoned before anything was sent, amounts released.
 */
export type PayoutStatus = 'pending' | 'sending' | 'sent' | 'confirmed' | 'failed';

const NEXT: Record<PayoutStatus, readonly PayoutStatus[]> = {
  pending: ['sending', 'failed'],
  sending: ['sent', 'pending', 'failed'],
  sent: ['confirmed'],
  confirmed: [],
  failed: [],
};

export function canTransition(from: PayoutStatus, to: PayoutStatus): boolean {
  return NEXT[from].includes(to);
}

export interface PayoutRecipient {
  account: string;
  amount: bigint;
}

export interface PayoutRecord {
  id: string;
  coin: string;
  status: PayoutStatus;
  recipients: PayoutRecipient[];
  total: bigint;
  txid?: string;
  createdAt: number;
  updatedAt: number;
}

export interface PayoutPolicy {
  /** Smallest confirmed balance paid out. */
  minimum: bigint;
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

/**
 * Who gets paid now: accounts whose confirmed balance reaches the minimum (or the inactive minimum, for accounts
 * idle longer than inactiveAfterMs), largest first (ties by account), at most maxRecipients, never more than the
 * confirmed balance (which already excludes what is pending), and in total never more than `available`.
 */
export function planPayout(
  balances: ReadonlyMap<string, Balance>,
  policy: PayoutPolicy,
  lastActivity: LastActivity = () => Number.POSITIVE_INFINITY,
  now = 0,
): PayoutRecipient[] {
  const due = (account: string, confirmed: bigint) => {
    if (confirmed <= 0n) return false;
    if (confirmed >= policy.minimum) return true;
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
    if (plan.length >= policy.maxRecipients) break;
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

/** A wallet amount (JSON number of coins) → base units, rounding to the unit. */
export function parseAmount(coins: number | string, decimals = 8): bigint {
  const s = typeof coins === 'number' ? coins.toFixed(decimals) : coins;
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s.trim());
  if (!m) throw new RangeError(`not an amount: ${s}`);
  const frac = (m[3] ?? '').padEnd(decimals, '0').slice(0, decimals);
  const v = BigInt(m[2]!) * 10n ** BigInt(decimals) + BigInt(frac || '0');
  return m[1] ? -v : v;
}
