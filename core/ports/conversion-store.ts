import type { DepositRecord, DepositStatus } from '../conversion/deposit.js';
import type { ExchangeInventory } from '../conversion/inventory.js';
import type { ConversionQuote } from '../conversion/quote.js';
import type {
  ConversionFill,
  ConversionLeg,
  ConversionRecord,
  ConversionStatus,
  ConversionWithdrawal,
} from '../conversion/record.js';

/** A miner's choice of payout currency: coins of `account` (source ledger) are converted and credited to `address`. */
export interface ConversionPreference {
  account: string;
  /** The target currency (BTC, USDT…), or the coin itself to stop converting. */
  currency: string;
  /** The miner's address in the target currency; proceeds are credited to it in that currency's ledger. */
  address: string;
  updatedAt: number;
}

/**
 * Conversion records and miners' preferences of one source coin. Every write is a single-item conditional write,
 * like the MoneyStore's: records are created once (`attribute_not_exists`) and change status only from an expected
 * status, so two runs cannot both move a conversion.
 */
export interface ConversionStore {
  /** False when a record with that id exists (then read it back). */
  createConversion(coin: string, record: ConversionRecord): Promise<boolean>;
  getConversion(coin: string, id: string): Promise<ConversionRecord | undefined>;
  /** Every conversion not yet credited, oldest first. */
  listOpenConversions(coin: string): Promise<ConversionRecord[]>;
  listConversions(coin: string): Promise<ConversionRecord[]>;
  /**
   * Conditional status change; `legs` (repriced at sale time) are recorded with the move to `ordered`, `fills` with
   * the move to `filled`, `withdrawals` as each is made (`filled` to `filled`) and with the move to `withdrawn`.
   * False when not in `from`.
   */
  transitionConversion(
    coin: string,
    id: string,
    from: ConversionStatus,
    to: ConversionStatus,
    set?: { legs?: ConversionLeg[]; fills?: ConversionFill[]; withdrawals?: ConversionWithdrawal[] },
  ): Promise<boolean>;
  /** False when a deposit with that id exists (then read it back). */
  createDeposit(coin: string, record: DepositRecord): Promise<boolean>;
  getDeposit(coin: string, id: string): Promise<DepositRecord | undefined>;
  listDeposits(coin: string): Promise<DepositRecord[]>;
  /** Conditional status change (core/conversion/deposit.ts); `txid` with the move to `sent`. False when not in `from`. */
  transitionDeposit(
    coin: string,
    id: string,
    from: DepositStatus,
    to: DepositStatus,
    set?: { txid?: string; exchangeDepositId?: string; historyMark?: string },
  ): Promise<boolean>;
  /** The coin's inventory on an exchange (core/conversion/inventory.ts); an empty one (version 0) when none. */
  getInventory(coin: string, exchange: string): Promise<ExchangeInventory>;
  listInventories(coin: string): Promise<ExchangeInventory[]>;
  /** Writes `next` only if the stored record still has `version` (0: none stored); false otherwise. */
  putInventory(coin: string, next: ExchangeInventory, version: number): Promise<boolean>;
  /** Stores the latest quote of a target unless a newer one is stored (false then). */
  putQuote(coin: string, quote: ConversionQuote): Promise<boolean>;
  getQuote(coin: string, target: string): Promise<ConversionQuote | undefined>;
  listQuotes(coin: string): Promise<ConversionQuote[]>;
  listPreferences(coin: string): Promise<ConversionPreference[]>;
  getPreference(coin: string, account: string): Promise<ConversionPreference | undefined>;
  setPreference(coin: string, preference: ConversionPreference): Promise<void>;
  /** Writes the preference only if none is stored or the stored one is older (`updatedAt`); false otherwise. */
  replacePreference(coin: string, preference: ConversionPreference): Promise<boolean>;
}
