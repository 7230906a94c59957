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
}

/**
 * Blocks, ledger and payouts of a coin. Every write is a single-item conditional write (no transactions): the
 * processes that use it are written so that any step can be repeated after a crash.
 */
export interface MoneyStore {
  /** Blocks still moving: pending and immature, lowest height first. */
  listUnsettledBlocks(coin: string): Promise<MoneyBlock[]>;
  listAllBlocks(coin: string): Promise<MoneyBlock[]>;
  /** Fixes the split of a block; false when it was fixed already (then read it back). */
  setBlockCredits(coin: string, block: MoneyBlock, credits: BlockCredit[], chainReward: bigint): Promise<boolean>;
  getBlock(coin: string, height: number, hash: string): Promise<MoneyBlock | undefined>;
  /** Moves a block from `from` to `to`; false when it was not in `from` any more. */
  setBlockStatus(
    coin: string,
    block: MoneyBlock,
    from: BlockStatus,
    to: BlockStatus,
    confirmations: number,
  ): Promise<boolean>;

  /** Writes entries that do not exist yet; throws LedgerConflictError if an id exists with other content. */
  putEntries(coin: string, entries: LedgerEntry[]): Promise<number>;
  listEntries(coin: string): Promise<LedgerEntry[]>;
  /** One account's entries (a Query, not a scan: the miner page reads this). */
  listAccountEntries(coin: string, account: string): Promise<LedgerEntry[]>;

  createPayout(coin: string, payout: PayoutRecord): Promise<boolean>;
  /** Conditional status change; false when the payout was not in `from`. */
  transitionPayout(
    coin: string,
    id: string,
    from: PayoutStatus,
    to: PayoutStatus,
    set?: { txid?: string },
  ): Promise<boolean>;
  listPayouts(coin: string): Promise<PayoutRecord[]>;

  /** A named progress marker (e.g. the last height PPS credited); undefined before the first set. */
  getCursor(coin: string, name: string): Promise<number | undefined>;
  setCursor(coin: string, name: string, value: number): Promise<void>;

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
