import {
  binance,
  type Exchange as CcxtClient,
  ExchangeError,
  InsufficientFunds,
  InvalidOrder,
  kraken,
  NetworkError,
  type Order,
  OrderNotFound,
  okx,
} from 'ccxt';
import type { ConversionExchangeId } from '../../core/conversion/config.js';
import { formatUnits, toUnits } from '../../core/conversion/decimal.js';
import {
  type Exchange,
  type ExchangeBook,
  type ExchangeDeposit,
  type ExchangeOrder,
  ExchangeRejectedError,
  ExchangeUnavailableError,
  type WithdrawalRequest,
} from '../../core/ports/exchange.js';
import type { ExchangeCredentials } from './credentials.js';
import { withRetries } from './retry.js';

export interface CcxtExchangeOptions {
  id: ConversionExchangeId;
  /** Absent: public calls only (order books: the switching port's prices), no account. */
  credentials?: ExchangeCredentials;
  /** Replaces the scheme and host of every API URL (tests: a local fake server answering the exchange's formats). */
  apiBaseUrl?: string;
  /** Minimum ms between requests (ccxt's per-exchange default when absent; tests on a local server lower it). */
  rateLimitMs?: number;
  /** Per request; ccxt's own default (10 s) is long for a Lambda that reads several books. */
  timeoutMs?: number;
  /** Attempts of a repeatable call (books, order lookups) on network errors. */
  attempts?: number;
  retryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const CLIENTS = { binance, kraken, okx } as const;

/**
 * Options per exchange that keep loadMarkets to the spot markets conversion needs (fewer requests, no derivatives
 * endpoints) and currencies derived from those markets (the currency endpoints are private on some exchanges).
 */
const CLIENT_OPTIONS: Record<ConversionExchangeId, Record<string, unknown>> = {
  binance: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
  kraken: {},
  okx: { fetchMarkets: { types: ['spot'] } },
};

/**
 * The Exchange port on ccxt, the maintained multi-exchange library: request signing, response parsing and the
 * exchange's rate limit (enableRateLimit) are ccxt's. This class adds exact decimal strings at the boundary,
 * retries of repeatable calls on network errors only, and the pool's error taxonomy.
 */
export class CcxtExchange implements Exchange {
  readonly id: string;
  private readonly client: CcxtClient;
  private markets: Promise<unknown> | undefined;

  constructor(private readonly opts: CcxtExchangeOptions) {
    this.id = opts.id;
    const Client = CLIENTS[opts.id];
    this.client = new Client({
      apiKey: opts.credentials?.apiKey,
      secret: opts.credentials?.secret,
      password: opts.credentials?.password,
      enableRateLimit: true,
      ...(opts.rateLimitMs === undefined ? {} : { rateLimit: opts.rateLimitMs }),
      timeout: opts.timeoutMs ?? 5_000,
      options: CLIENT_OPTIONS[opts.id],
    });
    // Currencies come from the markets (see CLIENT_OPTIONS): one request per cold start, not two.
    this.client.has.fetchCurrencies = false;
    if (opts.apiBaseUrl) this.client.urls.api = rebase(this.client.urls.api, opts.apiBaseUrl);
  }

  fetchOrderBook(market: string, depth = 50): Promise<ExchangeBook> {
    return this.repeatable('fetch order book', async () => {
      await this.loadMarkets();
      const book = await this.client.fetchOrderBook(market, depth);
      const side = (levels: ReadonlyArray<ReadonlyArray<unknown>>) =>
        levels.map(([p, a]) => [decimalText(p), decimalText(a)] as [string, string]);
      return { bids: side(book.bids), asks: side(book.asks), fetchedAt: this.now() };
    });
  }

  async sellLimitIoc(order: {
    market: string;
    amount: string;
    limitPrice: string;
    clientOrderId: string;
  }): Promise<ExchangeOrder> {
    await this.repeatable('load markets', () => this.loadMarkets());
    try {
      const placed = await this.client.createOrder(
        order.market,
        'limit',
        'sell',
        Number(order.amount),
        Number(order.limitPrice),
        { timeInForce: 'IOC', clientOrderId: order.clientOrderId },
      );
      // Some exchanges (OKX, Kraken) answer a new order with its id only: read it back for the fill.
      if (placed.status === undefined || placed.filled === undefined) {
        return (await this.findOrder(order.market, order.clientOrderId)) ?? toOrder(placed, order.clientOrderId);
      }
      return toOrder(placed, order.clientOrderId);
    } catch (err) {
      throw this.domainError('sell', err);
    }
  }

  findOrder(market: string, clientOrderId: string): Promise<ExchangeOrder | undefined> {
    return this.repeatable('find order', async () => {
      await this.loadMarkets();
      if (this.opts.id === 'kraken') {
        // Kraken looks orders up by its own txid or an integer userref; its order lists carry cl_ord_id.
        const [closed, open] = await Promise.all([
          this.client.fetchClosedOrders(market),
          this.client.fetchOpenOrders(market),
        ]);
        const found = [...closed, ...open].find((o) => o.clientOrderId === clientOrderId);
        return found ? toOrder(found, clientOrderId) : undefined;
      }
      try {
        return toOrder(await this.client.fetchOrder('', market, { clientOrderId }), clientOrderId);
      } catch (err) {
        if (err instanceof OrderNotFound) return undefined;
        throw err;
      }
    });
  }

  async withdraw(request: WithdrawalRequest): Promise<{ id: string }> {
    await this.repeatable('load markets', () => this.loadMarkets());
    const params: Record<string, string> = {};
    if (request.network) params.network = request.network;
    if (this.opts.id === 'binance') params.withdrawOrderId = request.reference;
    let amount = request.amount;
    if (this.opts.id === 'kraken') {
      if (!this.opts.credentials?.withdrawalKey) throw new ExchangeRejectedError(this.id, 'Kraken needs withdrawalKey');
      params.key = this.opts.credentials.withdrawalKey;
      // Kraken deducts its fee from the amount withdrawn: ask for amount + fee so the address receives `amount`,
      // and refuse (EFunding:Max fee exceeded) rather than deliver less than the pool credits.
      if (request.fee !== undefined) {
        amount = krakenGross(request);
        params.max_fee = request.fee;
      }
    }
    // OKX wants the network fee stated (it is the pool's configured withdrawal fee); the others charge theirs.
    if (this.opts.id === 'okx') {
      params.fee = request.fee ?? '0';
      params.clientId = request.reference;
    }
    try {
      const w = await this.client.withdraw(request.currency, Number(amount), request.address, undefined, params);
      return { id: String(w.id) };
    } catch (err) {
      throw this.domainError('withdraw', err);
    }
  }

  findWithdrawal(
    request: WithdrawalRequest & { since: number; exclude?: readonly string[] },
  ): Promise<{ id: string } | undefined> {
    return this.repeatable('find withdrawal', async () => {
      await this.loadMarkets();
      // Binance and OKX filter their withdrawal history by the client reference; Kraken has none to filter by.
      const filter: Record<string, string> =
        this.opts.id === 'binance'
          ? { withdrawOrderId: request.reference }
          : this.opts.id === 'okx'
            ? { clientId: request.reference }
            : {};
      const list = await this.client.fetchWithdrawals(request.currency, request.since, undefined, filter);
      const found = list.find((w) => {
        const info = (w.info ?? {}) as Record<string, unknown>;
        if (this.opts.id === 'binance') return info.withdrawOrderId === request.reference;
        if (this.opts.id === 'okx') return info.clientId === request.reference;
        // Kraken: its refid is known only from the answer. One whose answer was lost is the withdrawal to the pool's
        // key, since `since`, not already recorded, that took what this request takes from the account: the amount
        // it lists (what was sent) plus the fee it lists (deducted from what was asked) is what was asked.
        return (
          info.key === this.opts.credentials?.withdrawalKey &&
          (w.timestamp ?? 0) >= request.since &&
          !request.exclude?.includes(String(w.id)) &&
          units(w.amount) + units(info.fee ?? w.fee?.cost ?? 0) === toUnits(krakenGross(request), 18)
        );
      });
      return found ? { id: String(found.id) } : undefined;
    });
  }

  depositAddress(currency: string, network?: string): Promise<string> {
    return this.repeatable('deposit address', async () => {
      await this.loadMarkets();
      const a = await this.client.fetchDepositAddress(currency, network ? { network } : {});
      if (a.tag) throw new ExchangeRejectedError(this.id, `${currency} deposits there need a memo/tag; not supported`);
      if (!a.address) throw new ExchangeRejectedError(this.id, `no ${currency} deposit address`);
      return a.address;
    });
  }

  findDeposit(request: { currency: string; txid: string; since: number }): Promise<ExchangeDeposit | undefined> {
    return this.repeatable('find deposit', async () => {
      await this.loadMarkets();
      const list = await this.client.fetchDeposits(request.currency, request.since);
      const found = list.find((d) => d.txid === request.txid);
      if (!found) return undefined;
      const status =
        found.status === 'ok' ? 'ok' : found.status === 'failed' || found.status === 'canceled' ? 'failed' : 'pending';
      return { id: String(found.id), txid: request.txid, amount: decimalText(found.amount), status };
    });
  }

  private loadMarkets(): Promise<unknown> {
    this.markets ??= this.client.loadMarkets().catch((err) => {
      this.markets = undefined;
      throw err;
    });
    return this.markets;
  }

  private async repeatable<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await withRetries(call, (err) => err instanceof NetworkError, {
        attempts: this.opts.attempts ?? 3,
        baseDelayMs: this.opts.retryDelayMs ?? 250,
        sleep: this.opts.sleep,
      });
    } catch (err) {
      throw this.domainError(what, err);
    }
  }

  private domainError(what: string, err: unknown): Error {
    if (err instanceof ExchangeUnavailableError || err instanceof ExchangeRejectedError) return err;
    const message = `${what}: ${(err as Error).message}`;
    // NetworkError covers timeouts, unreachable hosts, rate limits and maintenance: the outcome is unknown.
    if (err instanceof NetworkError) return new ExchangeUnavailableError(this.id, message, { cause: err });
    if (err instanceof InvalidOrder || err instanceof InsufficientFunds || err instanceof ExchangeError) {
      return new ExchangeRejectedError(this.id, message, { cause: err });
    }
    return err as Error;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}

function toOrder(o: Order, clientOrderId: string): ExchangeOrder {
  const status = (o.status ?? 'open') as ExchangeOrder['status'];
  return {
    id: String(o.id),
    clientOrderId: o.clientOrderId ?? clientOrderId,
    status,
    filled: decimalText(o.filled ?? 0),
    cost: decimalText(o.cost ?? 0),
    ...(o.fee?.cost !== undefined && o.fee.currency
      ? { fee: { currency: o.fee.currency, cost: decimalText(o.fee.cost) } }
      : {}),
  };
}

/** What a Kraken withdrawal takes from the account: the amount to deliver plus the fee it deducts. */
function krakenGross(request: Pick<WithdrawalRequest, 'amount' | 'fee'>): string {
  return formatUnits(toUnits(request.amount, 18) + toUnits(request.fee ?? '0', 18), 18);
}

/** An amount of a withdrawal list (ccxt's number, or Kraken's text) as exact units; absent: none. */
function units(v: unknown): bigint {
  return v === undefined || v === null ? 0n : toUnits(decimalText(v), 18);
}

/** ccxt gives numbers (or, for huge values, strings): the shortest round-trip decimal is what the exchange sent. */
function decimalText(v: unknown): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`not a finite amount: ${v}`);
    return String(v);
  }
  if (typeof v === 'string') return v;
  throw new TypeError(`not an amount: ${String(v)}`);
}

/** Every URL in ccxt's `urls.api` tree with its scheme and host replaced by `base`. */
function rebase<T>(api: T, base: string): T {
  if (typeof api === 'string') return api.replace(/^[a-z]+:\/\/[^/]+/i, base.replace(/\/$/, '')) as T;
  if (api && typeof api === 'object') {
    return Object.fromEntries(Object.entries(api).map(([k, v]) => [k, rebase(v, base)])) as T;
  }
  return api;
}
