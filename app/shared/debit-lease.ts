import { randomBytes } from 'node:crypto';
import type { Logger } from '../../core/ports/logger.js';
import type { MoneyStore } from '../../core/ports/money-store.js';

/**
 * The lease payouts and conversion take on a coin's ledger while they choose whose confirmed balance to debit and
 * write those debits (reserve / convert-out). Held by one planner at a time, each sees the other's debits already
 * written (and the other's open records), so one confirmed balance is never taken by both.
 */
export const DEBIT_LEASE = 'debits';

/** Long enough for a plan (a ledger read, a wallet or order-book call, a few hundred writes); a crash frees it. */
const LEASE_MS = 120_000;

export interface LeaseDeps {
  coin: string;
  money: Pick<MoneyStore, 'acquireLease' | 'releaseLease'>;
  /** Wall-clock ms (the lease's expiry is compared across processes); Date.now unless a test injects one. */
  clock?: () => number;
  log: Pick<Logger, 'warn'>;
  /** How long to wait for the other planner (ms), polling every `pollMs`. */
  waitMs?: number;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `fn` holding the coin's debit lease: `{ held: true, value }`, or `{ held: false }` when the other planner kept
 * it longer than `waitMs` (this pass plans nothing; the next one will).
 */
export function withDebitLease<T>(
  deps: LeaseDeps,
  fn: () => Promise<T>,
): Promise<{ held: true; value: T } | { held: false }> {
  return withLease(
    deps,
    { name: DEBIT_LEASE, ms: LEASE_MS, busy: 'debit lease held by another planner; planning nothing this pass' },
    fn,
  );
}

/**
 * Runs `fn` holding the coin's lease `lease.name` (for `lease.ms`, longer than any holder can run, so that it only
 * expires when its holder died): `{ held: false }` when another holder kept it past `waitMs` (logged as `lease.busy`).
 */
export async function withLease<T>(
  deps: LeaseDeps,
  lease: { name: string; ms: number; busy: string },
  fn: () => Promise<T>,
): Promise<{ held: true; value: T } | { held: false }> {
  const holder = randomBytes(8).toString('hex');
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const clock = deps.clock ?? Date.now;
  const pollMs = deps.pollMs ?? 250;
  const waitUntil = clock() + (deps.waitMs ?? 15_000);
  for (;;) {
    const now = clock();
    if (await deps.money.acquireLease(deps.coin, lease.name, holder, now, now + lease.ms)) break;
    if (clock() >= waitUntil) {
      deps.log.warn({ coin: deps.coin }, lease.busy);
      return { held: false };
    }
    await sleep(pollMs);
  }
  try {
    return { held: true, value: await fn() };
  } finally {
    await deps.money.releaseLease(deps.coin, lease.name, holder);
  }
}
