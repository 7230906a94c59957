import { PoolError } from '../errors.js';

/**
 * One exchange account the pool converts on (adapters/exchange/ccxt-exchange.ts). Amounts and prices cross this
 * port as exact decimal strings in whole units ("0.00123"), as the exchange wrote them; core/conversion turns them
 * into base units. Markets are unified symbols `SOURCE/TARGET` ("LTC/BTC").
 */
export interface Exchange {
  readonly id: string;
  /** The book's top `depth` levels per side, best first, and when it was read (ms, the pool's clock). */
  fetchOrderBook(market: string, depth?: number): Promise<ExchangeBook>;
  /**
   * Sells `amount` at `limitPrice` or better, immediate-or-cancel (what does not fill at once is cancelled), tagged
   * with `clientOrderId` so it can be found again after a crash (findOrder). Never retried by the adapter: a timeout
   * leaves the outcome unknown (ExchangeUnavailableError) and the caller reconciles by the client order id.
   */
  sellLimitIoc(order: {
    market: string;
    amount: string;
    limitPrice: string;
    clientOrderId: string;
  }): Promise<ExchangeOrder>;
  /** The order placed with this client order id, or undefined when the exchange has none. */
  findOrder(market: string, clientOrderId: string): Promise<ExchangeOrder | undefined>;
  /**
   * Withdraws to an address of the pool's wallet; returns the exchange's withdrawal id (Kraken: its refid). `reference`
   * is the pool's client reference (Binance withdrawOrderId, OKX clientId): after a timeout the withdrawal is found
   * again by it (findWithdrawal). `fee` is the network fee the pool expects to pay (OKX requires it stated; Kraken
   * deducts it from what is asked, so it is asked for amount + fee with that fee as its maximum). Never retried by
   * the adapter: a timeout leaves the outcome unknown (ExchangeUnavailableError).
   */
  withdraw(request: WithdrawalRequest): Promise<{ id: string }>;
  /**
   * The withdrawal made with this reference since `since` (ms), or undefined when the exchange has none. Kraken takes
   * no client reference: there it is the withdrawal to the pool's key since `since`, whose id is not in `exclude`
   * (ids already recorded), that took amount + fee from the account (Kraken deducts its fee from what is asked).
   */
  findWithdrawal(
    request: WithdrawalRequest & { since: number; exclude?: readonly string[] },
  ): Promise<{ id: string } | undefined>;
  /**
   * The pool account's deposit address for `currency` (on `network`, the exchange's default when absent). Refused
   * (ExchangeRejectedError) when the exchange wants a memo or tag as well: a wallet send cannot carry one.
   */
  depositAddress(currency: string, network?: string): Promise<string>;
  /** The exchange's record of the deposit of transaction `txid` since `since` (ms), or undefined until it sees it. */
  findDeposit(request: { currency: string; txid: string; since: number }): Promise<ExchangeDeposit | undefined>;
}

/** A deposit as the exchange reports it: `ok` = credited to the account (tradable). */
export interface ExchangeDeposit {
  id: string;
  txid: string;
  /** Whole units, exact decimal text. */
  amount: string;
  status: 'pending' | 'ok' | 'failed';
}

export interface WithdrawalRequest {
  currency: string;
  /** Whole units, exact decimal text. */
  amount: string;
  address: string;
  /** Lowercase alphanumeric, at most 32 characters (OKX's limit). */
  reference: string;
  network?: string;
  fee?: string;
}

export interface ExchangeBook {
  bids: Array<[price: string, amount: string]>;
  asks: Array<[price: string, amount: string]>;
  fetchedAt: number;
}

/** An order as the exchange reports it; `filled` in the source currency, `cost` = gross proceeds in the target. */
export interface ExchangeOrder {
  id: string;
  clientOrderId: string;
  /** open: still working (not for IOC once answered); closed: fully filled; canceled/expired: the rest was cancelled. */
  status: 'open' | 'closed' | 'canceled' | 'expired' | 'rejected';
  filled: string;
  cost: string;
  /** The fee the exchange charged, when it says (currency code and amount). */
  fee?: { currency: string; cost: string };
}

/** The exchange could not be reached or did not answer in time: an order's outcome is unknown until reconciled. */
export class ExchangeUnavailableError extends PoolError {
  constructor(exchange: string, message: string, options?: { cause?: unknown }) {
    super(`${exchange}: ${message}`, 'EXCHANGE_UNAVAILABLE', options);
  }
}

/** The exchange answered and refused (bad order, insufficient funds, market closed…): nothing happened. */
export class ExchangeRejectedError extends PoolError {
  constructor(exchange: string, message: string, options?: { cause?: unknown }) {
    super(`${exchange}: ${message}`, 'EXCHANGE_REJECTED', options);
  }
}
