import { getCoin } from '../../core/coins/index.js';
import type { ConversionConfig } from '../../core/conversion/config.js';
import { preferenceMessage } from '../../core/conversion/preference-message.js';
import { checkSignedPreference, SIGNED_PREFERENCE_WINDOW_MS } from '../../core/conversion/signed-preference.js';
import type { ConversionStore } from '../../core/conversion/store.js';
import { PoolError } from '../../core/errors.js';
import { balancesFromEntries } from '../../core/ledger/ledger.js';
import type { MoneyStore } from '../../core/ports/money-store.js';
import type { ConversionQuote } from '../convert/quote.js';
import type { PublicCoin } from './api.js';
import { conversionChangeSchema } from './schema.js';

/** What the stats API needs to show and change miners' payout currency (absent: conversion is off everywhere). */
export interface ConversionApiDeps {
  /** The converting coins' conversion config, by symbol. */
  configs: ReadonlyMap<string, ConversionConfig>;
  store: Pick<ConversionStore, 'getPreference' | 'replacePreference'>;
  /** Quotes now for an amount of a coin (lambdas/convert/quote.ts); absent: none shown. */
  quotes?: (coin: string, amount: bigint) => Promise<ConversionQuote[]>;
}

/** A newer preference was stored between the check and the write (two changes at once): nothing changed. */
export class PreferenceConflictError extends PoolError {
  constructor(message: string) {
    super(message, 'PREFERENCE_CONFLICT');
  }
}

/**
 * GET /api/pools/{coin}/miners/{address}/conversion: the miner's payout currency, what the pool offers, quotes for
 * the miner's confirmed balance (or one coin) and how to change it: the message template to sign.
 */
export async function conversionView(
  deps: { conversion?: ConversionApiDeps; money: MoneyStore },
  coin: PublicCoin,
  account: string,
) {
  const config = deps.conversion?.configs.get(coin.symbol);
  if (!deps.conversion || !config) return { enabled: false, preference: null, targets: [], quotes: [] };
  const decimals = getCoin(coin.symbol).decimals;
  const [pref, entries] = await Promise.all([
    deps.conversion.store.getPreference(coin.symbol, account),
    deps.money.listAccountEntries(coin.symbol, account),
  ]);
  const confirmed = balancesFromEntries(entries).get(account)?.confirmed ?? 0n;
  const amount = confirmed >= BigInt(config.minimum) ? confirmed : 10n ** BigInt(decimals);
  return {
    enabled: true,
    preference: pref ? { currency: pref.currency, address: pref.address, updatedAt: pref.updatedAt } : null,
    targets: config.targets.map((t) => t.currency),
    minimum: config.minimum,
    feeShareBps: config.feeShareBps,
    quoteAmount: amount.toString(),
    quotes: (await deps.conversion.quotes?.(coin.symbol, amount)) ?? [],
    sign: {
      message: preferenceMessage({
        coin: coin.symbol,
        account,
        currency: '<currency>',
        address: '<address>',
        time: '<time>',
      }),
      windowSeconds: SIGNED_PREFERENCE_WINDOW_MS / 1000,
    },
  };
}

/**
 * POST /api/pools/{coin}/miners/{address}/conversion with {currency, address, time, signature}: the change, only
 * with a signature of the miner's key (core/conversion/signed-preference.ts). Throws ZodError / InvalidPreferenceError
 * (400), PreferenceNotAuthorizedError (403), PreferenceConflictError (409).
 */
export async function changePreference(
  deps: { conversion?: ConversionApiDeps; now: () => number },
  coin: PublicCoin,
  account: string,
  body: string | undefined,
) {
  const request = conversionChangeSchema.parse(JSON.parse(body || '{}'));
  const config = deps.conversion?.configs.get(coin.symbol);
  const current = await deps.conversion?.store.getPreference(coin.symbol, account);
  const pref = checkSignedPreference(
    { symbol: coin.symbol, network: coin.network, conversion: config },
    account,
    request,
    current,
    deps.now(),
  );
  if (!(await deps.conversion!.store.replacePreference(coin.symbol, pref))) {
    throw new PreferenceConflictError('a newer payout-currency change was stored meanwhile');
  }
  return { preference: { currency: pref.currency, address: pref.address, updatedAt: pref.updatedAt } };
}
