import { CcxtExchange } from '../adapters/exchange/ccxt-exchange.js';
import { type ConvertReport, runConversions } from '../app/convert/convert.js';
import type { ConvertDeps } from '../app/convert/deps.js';
import { getCoin } from '../core/coins/index.js';
import type { CoinConfig } from '../core/config/schema.js';
import { type DepositRecord, takesDeposits } from '../core/conversion/deposit.js';
import type { ForeignAccounts } from '../core/conversion/exclusion.js';
import { type ExchangeInventory, expectedInventory } from '../core/conversion/inventory.js';
import { ConfigError } from '../core/errors.js';
import type { ConversionStore } from '../core/ports/conversion-store.js';
import type { Exchange } from '../core/ports/exchange.js';
import type { Logger } from '../core/ports/logger.js';
import type { MoneyStore } from '../core/ports/money-store.js';
import { CHAIN_FAMILIES } from '../families/registry.js';

export interface LocalConverter {
  /** One conversion pass, as the Lambda runs it on its schedule. */
  run(opts?: { crashAt?: ConvertDeps['crashAt'] }): Promise<ConvertReport>;
  /** `pool conversion deposits`: every deposit record and what the pool holds on each exchange. */
  deposits(): Promise<DepositListing>;
}

/**
 * A coin's conversion in local mode: the Lambda's `runConversions` against the exchanges of the config, with the
 * API keys inline (`credentials`) and, for tests, another API base URL (`apiBaseUrl`: the fake exchanges); deposits
 * to exchanges are sent from the pool wallet the coin's chain family gives (MoneyFamily.depositWallet).
 */
export function localConverter(
  coin: Readonly<CoinConfig>,
  money: MoneyStore,
  store: ConversionStore,
  log: Logger,
  /** The coin is mined on a switching port paying in another currency: its foreign accounts are converted into it. */
  foreign?: ForeignAccounts,
): LocalConverter {
  const config = coin.conversion!;
  const exchanges = new Map<string, Exchange>();
  for (const x of config.exchanges) {
    if (!x.credentials) throw new ConfigError(`${coin.symbol} conversion: exchange ${x.id} needs credentials locally`);
    exchanges.set(
      x.id,
      new CcxtExchange({
        id: x.id,
        credentials: x.credentials,
        ...(x.apiBaseUrl ? { apiBaseUrl: x.apiBaseUrl, rateLimitMs: 1 } : {}),
      }),
    );
  }
  const wallet = takesDeposits(config) ? CHAIN_FAMILIES.forCoin(coin).money.depositWallet(coin) : undefined;
  const deps = {
    ...(wallet ? { wallet } : {}),
    coin: coin.symbol,
    decimals: getCoin(coin.symbol).decimals,
    config,
    money,
    store,
    exchanges,
    ...(foreign ? { foreign } : {}),
    log,
    now: Date.now,
  };
  return {
    run: (opts = {}) => runConversions({ ...deps, ...opts }),
    deposits: () => depositListing(store, coin.symbol),
  };
}

export interface DepositListing {
  deposits: DepositRecord[];
  /** Coins deposited and not sold, per exchange (core/conversion/inventory.ts): the wallet holds that much less. */
  inventory: Array<Pick<ExchangeInventory, 'exchange' | 'amount' | 'updatedAt'>>;
  /**
   * The stored inventory against what the conversion and deposit records imply (expectedInventory): checked only
   * while no conversion is open; `mismatches` lists every exchange where they differ.
   */
  check: { open: number } | { open: 0; mismatches: Array<{ exchange: string; stored: bigint; expected: bigint }> };
}

export async function depositListing(
  store: Pick<ConversionStore, 'listDeposits' | 'listInventories' | 'listConversions'>,
  coin: string,
): Promise<DepositListing> {
  const [deposits, inventory, conversions] = await Promise.all([
    store.listDeposits(coin),
    store.listInventories(coin),
    store.listConversions(coin),
  ]);
  const open = conversions.filter((r) => r.status !== 'credited').length;
  const listing = inventory.map(({ exchange, amount, updatedAt }) => ({ exchange, amount, updatedAt }));
  if (open > 0) return { deposits, inventory: listing, check: { open } };
  const expected = expectedInventory(conversions, deposits);
  const stored = new Map(inventory.map((i) => [i.exchange, i.amount]));
  const mismatches = [...new Set([...expected.keys(), ...stored.keys()])]
    .map((exchange) => ({ exchange, stored: stored.get(exchange) ?? 0n, expected: expected.get(exchange) ?? 0n }))
    .filter((m) => m.stored !== m.expected);
  return { deposits, inventory: listing, check: { open: 0, mismatches } };
}
