import type { ConversionLedgerView } from '../ledger/audit.js';
import { entryId, type LedgerEntry } from '../ledger/entries.js';
import { ceilDiv } from './decimal.js';
import { type ConversionSettlement, type ConversionShare, conversionFee, settleConversion } from './proceeds.js';

/**
 * A conversion's life, each step a conditional status change (the payout discipline):
 *  pending  — planned (shares and legs fixed), the miners' coins taken out of confirmed (convert-out entries);
 *  ordered  — won by one run, which places the legs' limit-IOC orders with deterministic client order ids; a run
 *             that finds a conversion here after a crash looks every leg up by its client order id before placing;
 *  filled   — every leg's outcome is known and recorded (fills);
 *  withdrawn — each exchange's net proceeds withdrawn to the pool's target wallet, each withdrawal tagged with a
 *             deterministic client reference and looked up by it before it is requested (a timeout or a crash
 *             never withdraws twice; Kraken, without references, by key, amount + fee and ids not yet recorded);
 *             each exchange's id recorded as soon as it answers, all of them with the move (nothing to withdraw
 *             without a configured wallet);
 *  credited — convert-back (unsold coins) and convert-in (proceeds, fee) entries written: done.
 */
export type ConversionStatus = 'pending' | 'ordered' | 'filled' | 'withdrawn' | 'credited';

export const CONVERSION_NEXT: Readonly<Record<ConversionStatus, ConversionStatus | undefined>> = {
  pending: 'ordered',
  ordered: 'filled',
  filled: 'withdrawn',
  withdrawn: 'credited',
  credited: undefined,
};

/** One exchange's proceeds on their way to the pool's wallet. */
export interface ConversionWithdrawal {
  exchange: string;
  /** The pool's client reference (withdrawalReference): finds the withdrawal again after a timeout. */
  reference: string;
  /** The exchange's withdrawal id. */
  id: string;
  /** Target base units withdrawn: the leg's gross − exchange fee − withdrawal fee. */
  amount: bigint;
  address: string;
}

export interface ConversionLeg {
  exchange: string;
  /** Source base units to sell there. */
  amount: bigint;
  /** Limit price, as the exchange wrote the level (whole target per whole source). */
  limitPriceText: string;
  /** `<conversion id>-<leg index>`: finds the order again after a crash. */
  clientOrderId: string;
  /** What the plan expected, target base units, after exchange and withdrawal fees. */
  expectedNet: bigint;
  withdrawalFee: bigint;
  takerFeeBps: number;
}

/** What one leg actually did (a rejected order is a fill of nothing). */
export interface ConversionFill {
  exchange: string;
  clientOrderId: string;
  orderId?: string;
  /** Source base units sold. */
  sold: bigint;
  /** Target base units the fills yielded, before the exchange's fee. */
  gross: bigint;
  /** The exchange's fee, target base units. */
  fee: bigint;
}

export interface ConversionRecord {
  /** `conv-<source>-<target>-<schedule slot>`: the same scheduled run always plans the same id. */
  id: string;
  source: string;
  target: string;
  /** Unified market symbol, `SOURCE/TARGET`. */
  market: string;
  status: ConversionStatus;
  shares: ConversionShare[];
  amount: bigint;
  legs: ConversionLeg[];
  /** The best single exchange's net for the whole amount (the reference of the pool's fee), if one could fill. */
  referenceNet?: bigint;
  fills?: ConversionFill[];
  withdrawals?: ConversionWithdrawal[];
  createdAt: number;
  updatedAt: number;
}

/** The id of a scheduled conversion: a retry of the same scheduled event plans the same conversion. */
export function conversionId(source: string, target: string, eventTime: number, scheduleMinutes: number): string {
  const slot = Math.floor(eventTime / (scheduleMinutes * 60_000));
  return `conv-${source}-${target}-${slot}`;
}

/**
 * What each exchange must send to the pool's wallet: per leg that sold anything, gross − fee − withdrawal fee when
 * positive (the same nets `settle` adds up to `received`, so the wallet receives exactly what miners are credited).
 */
export function withdrawalsDue(record: ConversionRecord): Array<{ exchange: string; leg: number; amount: bigint }> {
  if (!record.fills) throw new RangeError(`conversion ${record.id} has no fills yet`);
  const out: Array<{ exchange: string; leg: number; amount: bigint }> = [];
  for (const f of record.fills) {
    if (f.sold <= 0n) continue;
    const leg = record.legs.findIndex((l) => l.clientOrderId === f.clientOrderId);
    const net = f.gross - f.fee - (record.legs[leg]?.withdrawalFee ?? 0n);
    if (net > 0n) out.push({ exchange: f.exchange, leg, amount: net });
  }
  return out;
}

/** The taker fee of a fill when the exchange did not state it in the target currency: the configured rate, rounded up. */
export function feeOf(gross: bigint, takerFeeBps: number): bigint {
  return ceilDiv(gross * BigInt(takerFeeBps), 10_000n);
}

/**
 * What a filled conversion settles to: received = Σ over legs that sold anything of (gross − fee − withdrawal fee,
 * never below zero); the pool's fee on the gain over the reference; per-miner returns and credits.
 */
export function settle(
  record: ConversionRecord,
  feeShareBps: number,
  feeWallets: ReadonlyArray<{ address: string; weight: number }>,
): ConversionSettlement & { received: bigint; soldAmount: bigint } {
  const received = withdrawalsDue(record).reduce((s, w) => s + w.amount, 0n);
  const sold = record.fills!.reduce((s, f) => (f.sold > 0n ? s + f.sold : s), 0n);
  if (sold > record.amount) throw new RangeError(`conversion ${record.id}: sold ${sold} > planned ${record.amount}`);
  const fee = conversionFee({
    received,
    sold,
    planned: record.amount,
    referenceNet: record.referenceNet,
    feeShareBps,
  });
  const s = settleConversion({ shares: record.shares, unsold: record.amount - sold, received, fee, feeWallets });
  return { ...s, received, soldAmount: sold };
}

/** convert-out entries (source ledger): every miner's whole share leaves confirmed when the conversion is planned. */
export function convertOutEntries(record: ConversionRecord, time: number): LedgerEntry[] {
  return record.shares.map((s) => entry('convert-out', record.id, 'miner', s.account, s.amount, time));
}

/** The entries that finish a conversion: convert-back (source ledger) and convert-in (target ledger). */
export function settlementEntries(
  record: ConversionRecord,
  settlement: ConversionSettlement,
  time: number,
): { source: LedgerEntry[]; target: LedgerEntry[] } {
  return {
    source: settlement.returned.map((r) => entry('convert-back', record.id, 'miner', r.account, r.amount, time)),
    target: settlement.credits.map((c) => entry('convert-in', record.id, c.role, c.account, c.amount, time)),
  };
}

/** What the audit must find of a conversion in the source or the target ledger (core/ledger/audit.ts). */
export function conversionLedgerView(
  record: ConversionRecord,
  side: 'source' | 'target',
  settlement?: ConversionSettlement,
): ConversionLedgerView {
  const entries: LedgerEntry[] = [];
  if (side === 'source') entries.push(...convertOutEntries(record, 0));
  if (settlement) entries.push(...settlementEntries(record, settlement, 0)[side]);
  return { complete: record.status === 'credited', entries };
}

function entry(
  kind: LedgerEntry['kind'],
  ref: string,
  role: LedgerEntry['role'],
  account: string,
  amount: bigint,
  time: number,
): LedgerEntry {
  return { id: entryId(kind, ref, role, account), account, kind, role, amount, ref, time };
}
