import type { BlockCredit, BlockStatus, MoneyBlock } from '../blocks/block.js';
import type { Balance, LedgerEntry } from '../ledger/ledger.js';
import type { PayoutRecord, PayoutStatus } from '../ledger/payouts.js';

/**
 * Blocks, ledger and payouts of a coin, as four ports by who uses them: confirmation moves blocks (`BlockStore`),
 * every money use case writes and reads the ledger (`LedgerStore`), payouts and the pages read payouts
 * (`PayoutStore`), and the passes keep their cursors, leases and suspension (`LedgerStateStore`). Every write is a
 * single-item conditional write (no transactions): the processes that use them are written so that any step can be
 * repeated after a crash. `MoneyStore` is all four, as the composition roots build it.
 */
export type MoneyStore = BlockStore & LedgerStore & PayoutStore & LedgerStateStore;

/** What a PPS/PoT pass credited a round for: the round's total when it read the shares (app/confirm/pps.ts). */
export interface CreditedRound {
  height: number;
  shares: number;
  difficulty: number;
}

/** The found blocks of a coin as confirmation moves them (the blocks table). */
export interface BlockStore {
  /**
   * Blocks still moving, lowest height first: pending and immature, and orphaned ones from `orphanedFrom` on (a reorg
   * may bring an orphan back until the chain is a coinbase maturity past it, core/blocks/confirmation.ts `isSettled`;
   * older orphans are settled). Reads only those (an index by status), never every block ever found.
   */
  listUnsettledBlocks(coin: string, orphanedFrom?: number): Promise<MoneyBlock[]>;
  /** Every block (the audit, the stats pages' block lists). */
  listAllBlocks(coin: string): Promise<MoneyBlock[]>;
  /**
   * The height of the highest block below `height` that is not orphaned, or -1: where a PROP round starts. For a
   * block paid from another coin's round (an aux chain's, `round`), that round's height.
   */
  previousBlockHeight(coin: string, height: number): Promise<number>;
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
}

/**
 * The ledger: entries, and a balance per account kept with them (core/ledger/balance-sync.ts: each entry is applied
 * to its account's balance exactly once, whatever crashes), so that reading balances does not grow with history.
 */
export interface LedgerStore {
  /**
   * Writes entries that do not exist yet and applies each to its account's balance; throws LedgerConflictError if an
   * id exists with other content. Returns how many entries it wrote.
   */
  putEntries(coin: string, entries: LedgerEntry[]): Promise<number>;
  /** Every entry (the audit, the operator's PPS status): a scan. */
  listEntries(coin: string): Promise<LedgerEntry[]>;
  /** One account's entries (a Query, not a scan); `idPrefix`: only ids starting so. */
  listAccountEntries(coin: string, account: string, idPrefix?: string): Promise<LedgerEntry[]>;
  /** One account's newest entries of these kinds, newest first, at most `limit` (a miner's page). */
  listRecentEntries(
    coin: string,
    account: string,
    kinds: readonly LedgerEntry['kind'][],
    limit: number,
  ): Promise<LedgerEntry[]>;
  /**
   * Every account's stored balance (one item per account). Applies first what a crash left unapplied (repair), so
   * the balances are those of every entry written.
   */
  listBalances(coin: string): Promise<Map<string, Balance>>;
  /** One account's stored balance (zero when it has none). */
  getBalance(coin: string, account: string): Promise<Balance>;
  /** Applies the entries a crash left written but not applied to their balances; returns how many. */
  repairBalances(coin: string): Promise<number>;
}

/** The payouts of a coin. */
export interface PayoutStore {
  createPayout(coin: string, payout: PayoutRecord): Promise<boolean>;
  /** Conditional status change; false when the payout was not in `from`. A recorded historyMark is kept. */
  transitionPayout(
    coin: string,
    id: string,
    from: PayoutStatus,
    to: PayoutStatus,
    set?: { txid?: string; historyMark?: string },
  ): Promise<boolean>;
  /**
   * Records a signed-first sender's transaction (its txid and bytes) on a payout in `sending`, before it is
   * broadcast: false when the payout is not in `sending` or already has a transaction (the first recorded is the only
   * one ever broadcast).
   */
  recordSignedPayout(coin: string, id: string, tx: { txid: string; raw: string }): Promise<boolean>;
  /** Every payout (the audit, the stats pages): grows with history. */
  listPayouts(coin: string): Promise<PayoutRecord[]>;
  /**
   * The payouts not yet confirmed or failed (core/ledger/payouts.ts `isOpenPayoutStatus`), oldest first, each read as
   * it is now:
   * what the payout pass advances and conversion leaves alone. Reads only those (an index of open payouts), never
   * every payout ever made.
   */
  listOpenPayouts(coin: string): Promise<PayoutRecord[]>;
  /** The payouts of these ids that exist (any order): a miner's, named by its `reserve` entries, without the rest. */
  getPayouts(coin: string, ids: readonly string[]): Promise<PayoutRecord[]>;
}

/** The passes' own state on the ledger table: cursors, PPS rounds credited, leases, the payouts' suspension. */
export interface LedgerStateStore {
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
