import { getCoin } from '../../core/coins/index.js';
import { SIGNED_REQUEST_WINDOW_MS } from '../../core/coins/signed-request.js';
import { TARGET_CURRENCIES, type TargetCurrency } from '../../core/conversion/config.js';
import { formatUnits } from '../../core/conversion/decimal.js';
import { preferenceMessage } from '../../core/conversion/preference-message.js';
import { type ConversionQuote, quoteAmount, quoteIsStale } from '../../core/conversion/quote.js';
import { checkSignedPreference } from '../../core/conversion/signed-preference.js';
import { BadRequestError, PoolError } from '../../core/errors.js';
import type { ConversionStore } from '../../core/ports/conversion-store.js';
import type { PublicCoin, PublicConversion } from './public.js';
import { conversionChangeSchema } from './schema.js';

/** What the stats API needs to show and change miners' payout currency (absent: conversion is off everywhere). */
export interface ConversionApiDeps {
  /** What the API needs of the converting coins' conversion config, by symbol (app/stats/public.ts). */
  configs: ReadonlyMap<string, PublicConversion>;
  /** Preferences, and the quotes the conversion pass stored (app/convert/quote.ts): AWS and local alike. */
  store: Pick<ConversionStore, 'getPreference' | 'replacePreference' | 'listQuotes'>;
}

/** A payout-currency change for a coin this pool does not convert (404): there is no preference to change. */
export class ConversionOffError extends PoolError {
  constructor(coin: string) {
    super(`${coin} payouts are not converted on this pool (no coins[].conversion)`, 'CONVERSION_OFF');
  }
}

/** What the conversion routes need besides the conversion ports: the pool's name, which signed messages carry. */
type ConversionRouteDeps = { pool: { name: string }; conversion?: ConversionApiDeps; now: () => number };

/** A newer preference was stored between the check and the write (two changes at once): nothing changed. */
export class PreferenceConflictError extends PoolError {
  constructor(message: string) {
    super(message, 'PREFERENCE_CONFLICT');
  }
}

/**
 * GET /api/pools/{coin}/miners/{address}/conversion: the miner's payout currency, what the pool offers, the latest
 * quotes the conversion pass stored (one coin's worth; older than two schedule periods: `stale`) and how to change
 * it: the message template to sign.
 */
export async function conversionView(deps: ConversionRouteDeps, coin: PublicCoin, account: string) {
  const config = deps.conversion?.configs.get(coin.symbol);
  if (!deps.conversion || !config) return { enabled: false, preference: null, targets: [], quotes: [] };
  const decimals = getCoin(coin.symbol).decimals;
  const [pref, stored] = await Promise.all([
    deps.conversion.store.getPreference(coin.symbol, account),
    deps.conversion.store.listQuotes(coin.symbol),
  ]);
  const targets = config.targets.map((t) => t.currency);
  const now = deps.now();
  return {
    enabled: true,
    preference: pref ? { currency: pref.currency, address: pref.address, updatedAt: pref.updatedAt } : null,
    targets,
    minimum: config.minimum,
    feeShareBps: config.feeShareBps,
    quoteAmount: quoteAmount(decimals, BigInt(config.minimum)).toString(),
    quotes: stored
      .filter((q) => targets.includes(q.target as TargetCurrency))
      .sort((a, b) => targets.indexOf(a.target as TargetCurrency) - targets.indexOf(b.target as TargetCurrency))
      .map((q) => quoteView(q, decimals, quoteIsStale(q, config.scheduleMinutes, now))),
    sign: {
      pool: deps.pool.name,
      message: preferenceMessage({
        pool: deps.pool.name,
        coin: coin.symbol,
        account,
        currency: '<currency>',
        address: '<address>',
        time: '<time>',
      }),
      windowSeconds: SIGNED_REQUEST_WINDOW_MS / 1000,
    },
  };
}

/** A stored quote as the API shows it: amounts in whole units of the target, the rate per whole coin. */
function quoteView(q: ConversionQuote, decimals: number, stale: boolean) {
  const targetDecimals = TARGET_CURRENCIES[q.target as TargetCurrency];
  const field = (name: string, v: bigint | undefined) =>
    v === undefined ? {} : { [name]: formatUnits(v, targetDecimals) };
  return {
    target: q.target,
    quotedAt: q.quotedAt,
    bookAgeSeconds: Math.round(q.bookAgeMs / 1000),
    stale,
    ...field('net', q.net),
    ...field('rate', q.net === undefined ? undefined : (q.net * 10n ** BigInt(decimals)) / q.amount),
    ...field('exchangeFee', q.exchangeFee),
    ...field('withdrawalFee', q.withdrawalFee),
    ...field('poolFee', q.poolFee),
    ...(q.exchanges ? { exchanges: q.exchanges } : {}),
    ...(q.slippageBps === undefined ? {} : { slippageBps: q.slippageBps.toString() }),
    ...(q.refused ? { refused: q.refused } : {}),
  };
}

/**
 * POST /api/pools/{coin}/miners/{address}/conversion with {currency, address, time, signature}: the change, only
 * with a signature of the miner's key (core/conversion/signed-preference.ts). Throws ConversionOffError (404),
 * BadRequestError / InvalidAddressError (400), SignatureNotAuthorizedError (403), PreferenceConflictError (409).
 */
export async function changePreference(
  deps: ConversionRouteDeps,
  coin: PublicCoin,
  account: string,
  body: string | undefined,
) {
  const config = deps.conversion?.configs.get(coin.symbol);
  if (!deps.conversion || !config) throw new ConversionOffError(coin.symbol);
  const request = changeRequest(body);
  const current = await deps.conversion.store.getPreference(coin.symbol, account);
  const pref = checkSignedPreference(
    deps.pool.name,
    { symbol: coin.symbol, network: coin.network, conversion: config },
    account,
    request,
    current,
    deps.now(),
  );
  if (!(await deps.conversion.store.replacePreference(coin.symbol, pref))) {
    throw new PreferenceConflictError('a newer payout-currency change was stored meanwhile');
  }
  return { preference: { currency: pref.currency, address: pref.address, updatedAt: pref.updatedAt } };
}

function changeRequest(body: string | undefined) {
  try {
    return conversionChangeSchema.parse(JSON.parse(body || '{}'));
  } catch (err) {
    throw new BadRequestError(`expected JSON {currency, address, time, signature}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
