import { getCoin } from '../../../core/coins/index.js';
import { levelsFrom, midPrice, PRICE_SCALE } from '../../../core/conversion/book.js';
import { ledgerDecimals } from '../../../core/conversion/config.js';
import { formatUnits } from '../../../core/conversion/decimal.js';
import type { Exchange } from '../../../core/ports/exchange.js';
import type { Logger } from '../../../core/ports/logger.js';

/** A coin's price in the quote currency, as core/conversion scales prices, with when it was read. */
export interface PriceReading {
  /** Quote base units per ONE coin base unit × PRICE_SCALE. */
  price: bigint;
  /** Whole quote per whole coin, exact ("0.0012"). */
  text: string;
  /** When the books were read (ms, the pool's clock). */
  at: number;
}

export interface PricePollerOptions {
  exchanges: readonly Exchange[];
  /** The coins priced (merged chains' included); one equal to `quote` is worth exactly 1. */
  coins: readonly string[];
  quote: string;
  /** `mid` of the best bid and ask, or the best `bid`. */
  mode: 'mid' | 'bid';
  intervalMs: number;
  log: Logger;
  now: () => number;
}

/**
 * Reads `<coin>/<quote>` on every exchange's public book every `intervalMs` and keeps each coin's price: the median
 * of the exchanges that answered (the lower middle of an even count: one exchange's broken book alone moves
 * nothing), at the time of the read. An exchange that fails is left out of that read; when none answers, the last
 * price is kept with its old time, so it goes stale and the switching rule stops choosing the coin.
 */
export class PricePoller {
  private readonly prices = new Map<string, PriceReading>();
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;

  constructor(private readonly o: PricePollerOptions) {}

  price(coin: string): PriceReading | undefined {
    if (coin === this.o.quote) return { price: PRICE_SCALE, text: '1', at: this.o.now() };
    return this.prices.get(coin);
  }

  /** Reads once now, then every interval. */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.o.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One read of every coin's books; concurrent calls share it. */
  poll(): Promise<void> {
    this.inflight ??= this.readAll().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async readAll(): Promise<void> {
    await Promise.all(this.o.coins.filter((c) => c !== this.o.quote).map((coin) => this.read(coin)));
  }

  private async read(coin: string): Promise<void> {
    const units = { sourceDecimals: getCoin(coin).decimals, targetDecimals: ledgerDecimals(this.o.quote) };
    const market = `${coin}/${this.o.quote}`;
    const readings = await Promise.all(
      this.o.exchanges.map(async (exchange) => {
        try {
          const book = await exchange.fetchOrderBook(market, 5);
          const sides = { bids: levelsFrom(book.bids, units), asks: levelsFrom(book.asks, units) };
          const price = this.o.mode === 'bid' ? sides.bids[0]?.price : midPrice(sides);
          if (price === undefined) this.o.log.warn({ exchange: exchange.id, market }, 'price: one-sided or empty book');
          return price === undefined ? undefined : { price, at: book.fetchedAt };
        } catch (err) {
          this.o.log.warn({ err, exchange: exchange.id, market }, 'price: book not read');
          return undefined;
        }
      }),
    );
    const ok = readings
      .filter((r) => r !== undefined)
      .sort((a, b) => (a.price < b.price ? -1 : a.price > b.price ? 1 : 0));
    if (ok.length === 0) return;
    const median = ok[Math.floor((ok.length - 1) / 2)]!;
    this.prices.set(coin, {
      price: median.price,
      text: formatUnits(median.price * 10n ** BigInt(units.sourceDecimals), 24 + units.targetDecimals),
      at: Math.min(...ok.map((r) => r.at)),
    });
  }
}
