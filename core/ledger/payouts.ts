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
}

/**
 * Who gets paid now: accounts whose confirmed balance reaches the minimum, largest first (ties by account), at
 * most maxRecipients, never more than the confirmed balance (which already excludes what is pending).
 */
export function planPayout(balances: ReadonlyMap<string, Balance>, policy: PayoutPolicy): PayoutRecipient[] {
  return [...balances.entries()]
    .filter(([, b]) => b.confirmed >= policy.minimum && b.confirmed > 0n)
    .map(([account, b]) => ({ account, amount: b.confirmed }))
    .sort((a, b) => (a.amount === b.amount ? (a.account < b.account ? -1 : 1) : a.amount > b.amount ? -1 : 1))
    .slice(0, policy.maxRecipients);
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
