import type { DepositRecord } from './deposit.js';
import type { ConversionRecord } from './record.js';

/**
 * Coins of the mined coin held on an exchange that takes deposits (issue 7): a deposited leg that did not sell in
 * full (a partial IOC fill, lot rounding) leaves its rest there, while `convert-back` returns it to the miners in the
 * ledger. The pool wallet then holds that much less than the ledger owes, until a later conversion on that exchange
 * sells those coins instead of depositing as many: wallet + Σ inventory = what the ledger owes.
 *
 * One record per exchange, changed by conditional writes on its `version`; every change has a key (one per deposit
 * that used inventory, one per leg that left some) and the record keeps the last RECENT_CHANGES of them, so a change
 * retried after a crash is found and never applied twice. That window is enough because only the open conversions of
 * one coin change an exchange's inventory (one batch in flight), and each applies its changes before it is credited.
 */
export interface ExchangeInventory {
  exchange: string;
  /** Base units of the coin held there for the pool. */
  amount: bigint;
  /** Bumped by every change: the condition of the next write (0: no record yet). */
  version: number;
  /** The latest changes, newest last. */
  recent: Array<{ key: string; delta: bigint }>;
  updatedAt: number;
}

export const RECENT_CHANGES = 64;

/** The change of deposit `depositId` (inventory it sells instead of sending coins). */
export const useKey = (depositId: string) => `use#${depositId}`;
/** The change of a deposited leg that did not sell in full. */
export const leftoverKey = (conversionId: string, leg: number) => `left#${conversionId}#${leg}`;

export function emptyInventory(exchange: string): ExchangeInventory {
  return { exchange, amount: 0n, version: 0, recent: [], updatedAt: 0 };
}

/** The delta already applied under `key`, if it is among the recent changes. */
export function appliedDelta(inv: ExchangeInventory, key: string): bigint | undefined {
  return inv.recent.find((c) => c.key === key)?.delta;
}

/** The record after applying `delta` under `key` (never below zero). */
export function applyChange(inv: ExchangeInventory, key: string, delta: bigint, now: number): ExchangeInventory {
  if (appliedDelta(inv, key) !== undefined) throw new RangeError(`inventory change ${key} is applied already`);
  const amount = inv.amount + delta;
  if (amount < 0n) throw new RangeError(`${inv.exchange} inventory ${inv.amount} cannot give ${-delta}`);
  return {
    exchange: inv.exchange,
    amount,
    version: inv.version + 1,
    recent: [...inv.recent, { key, delta }].slice(-RECENT_CHANGES),
    updatedAt: now,
  };
}

/** What leg `leg` of a conversion with fills did not sell: what stays on its exchange when it was deposited. */
export function unsoldOfLeg(r: ConversionRecord, leg: number): bigint {
  const plan = r.legs[leg]!;
  const sold = r.fills?.find((f) => f.clientOrderId === plan.clientOrderId)?.sold ?? 0n;
  return sold < plan.amount ? plan.amount - sold : 0n;
}

/**
 * What the records say each exchange should hold: every credited conversion's deposited legs' unsold coins, less
 * what deposits took from inventory. Only a fact while no conversion is open (an open one may have applied part of
 * its changes); then it must equal the stored inventory, which `pool conversion deposits` checks.
 */
export function expectedInventory(
  conversions: readonly ConversionRecord[],
  deposits: readonly DepositRecord[],
): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const add = (exchange: string, delta: bigint) => out.set(exchange, (out.get(exchange) ?? 0n) + delta);
  const deposited = new Set(deposits.map((d) => `${d.conversion}#${d.leg}`));
  for (const r of conversions) {
    if (r.status !== 'credited') continue;
    for (const [leg, plan] of r.legs.entries()) {
      if (!deposited.has(`${r.id}#${leg}`)) continue; // sold from coins the pool keeps there itself
      const left = unsoldOfLeg(r, leg);
      if (left > 0n) add(plan.exchange, left);
    }
  }
  for (const d of deposits) if (d.fromInventory) add(d.exchange, -d.fromInventory);
  return out;
}
