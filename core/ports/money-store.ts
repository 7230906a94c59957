import type { LedgerEntry, Role } from '../ledger/ledger.js';
import type { PayoutRecord, PayoutStatus } from '../ledger/payouts.js';
import type { BlockRecord, BlockStatus } from './share-store.js';

/** How a block's reward was split, fixed once per block so that maturing or orphaning reuses the same amounts. */
export interface BlockCredit {
  account: string;
  role: Role;
  amount: bigint;
}

export interface MoneyBlock extends BlockRecord {
  confirmations?: number;
  /** The reward read from the chain (coinbase outputs to the pool), base units. */
  chainReward?: bigint;
  credits?: BlockCredit[];
  /**
   * How many times the credited block came back into the chain after a reorg had taken it out (0 when never): the
   * trip number of its next reversal, and of the restore that follows it (core/ledger/entries.ts, "Revisions").
   */
  trips?: number;
}

/** What a PPS/PoT pass credited a round for: the round's total when it read the shares (app/confirm/pps.ts). */
export interface CreditedRound {
  height: number;
  shares: number;
  difficulty: number;
}

/**
 * Blocks, ledger and payouts of a coin. Every write is a single-item conditional write (no transactions): the
 * processes that use it are written so that any step can be repeated after a crash.
 */
export interface MoneyStore {
  /**
   * Blocks still moving: pending, immature and orphaned (a reorg may bring an orphan back until the chain is a
   * coinbase maturity past it: the caller leaves settled ones alone, core/blocks/confirmation.ts), lowest height first.
   */
  listUnsettledBlocks(coin: string): Promise<MoneyBlock[]>;
  listAllBlocks(coin: string): Promise<MoneyBlock[]>;
  /** Fixes the split of a block; false when it was fixed already (then read it back). */
  setBlockCredits(coin: string, block: MoneyBlock, credits: BlockCredit[], chainReward: bigint): Promise<boolean>;
  getBlock(coin: string, height: number, hash: string): Promise<MoneyBlock | undefined>;
  /**
   * Moves a block from `from` to `to`; false when it was not in `from` any more. With `trips`, only while the block's
   * trips are still `trips.from` (absent counts as 0), and they become `trips.to`.
   */
  setBlockStatus(
    coin: string,
    block: MoneyBlock,
    from: BlockStatus,
    to: BlockStatus,
    confirmations: number,
    trips?: { from: number; to: number },
  ): Promise<boolean>;

  /** Writes entries that do not exist yet; throws LedgerConflictError if an id exists with other content. */
  putEntries(coin: string, entries: LedgerEntry[]): Promise<number>;
  listEntries(coin: string): Promise<LedgerEntry[]>;
  /** One account's entries (a Query, not a scan: the miner page reads this); `idPrefix`: only ids starting so. */
  listAccountEntries(coin: string, account: string, idPrefix?: string): Promise<LedgerEntry[]>;

  createPayout(coin: string, payout: PayoutRecord): Promise<boolean>;
  /** Conditional status change; false when the payout was not in `from`. A recorded historyMark is kept. */
  transitionPayout(
    coin: string,
    id: string,
    from: PayoutStatus,
    to: PayoutStatus,
    set?: { txid?: string; historyMark?: string },
  ): Promise<boolean>;
  listPayouts(coin: string): Promise<PayoutRecord[]>;
  /** The payouts of these ids that exist (any order): a miner's, named by its `reserve` entries, without the rest. */
  getPayouts(coin: string, ids: readonly string[]): Promise<PayoutRecord[]>;

  /** A named progress marker (e.g. the last height PPS credited); undefined before the first set. */
  getCursor(coin: string, name: string): Promise<number | undefined>;
  setCursor(coin: string, name: string, value: number): Promise<void>;

  /** PPS/PoT: the rounds credited in [from, to], with the total each was credited for (absent: never credited). */
  listCreditedRounds(coin: string, from: number, to: number): Promise<CreditedRound[]>;
  /** Records what a round was credited for, once all its credits are written. */
  setCreditedRound(coin: string, round: CreditedRound): Promise<void>;

  /**
   * A named lease on the coin's ledger, held by one `holder` until `expiresAt` (ms). True when `holder` holds it now
   * (it was free, expired, or already its own). Payouts and conversion plan their debits of confirmed balances under
   * the same lease (DEBIT_LEASE), so the two never take one balance twice.
   */
  acquireLease(coin: string, name: string, holder: string, now: number, expiresAt: number): Promise<boolean>;
  /** Gives the lease back if `holder` still holds it. */
  releaseLease(coin: string, name: string, holder: string): Promise<void>;

  /** The reason payouts of the coin are suspended, or undefined. */
  getSuspension(coin: string): Promise<string | undefined>;
  setSuspension(coin: string, reason: string | undefined): Promise<void>;
}
