import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CcxtExchange } from '../../../adapters/exchange/ccxt-exchange.js';
import { CONVERSION_EXCHANGES, conversionConfigSchema } from '../../../core/conversion/config.js';
import { checkPreference, InvalidPreferenceError } from '../../../core/conversion/preference.js';
import { conversionQuotes } from '../../../lambdas/convert/quote.js';
import { FakeExchangeServer } from '../../helpers/fake-exchanges/server.js';
import { silentLog } from '../ingest/helpers.js';

const NOW = 1_800_000_000_000;
const conversion = conversionConfigSchema.parse({
  exchanges: CONVERSION_EXCHANGES.map((id) => ({ id, withdrawalFees: { BTC: '100' } })),
  targets: [
    { currency: 'BTC', feeWallets: [{ address: 'bc1qfee' }] },
    { currency: 'USDT', feeWallets: [{ address: '0x0000000000000000000000000000000000000001' }] },
  ],
  maxSlippageBps: 150,
});
const coin = { symbol: 'LTC', network: 'mainnet' as const, conversion };

describe('payout currency preference', () => {
  it('accepts a configured target with an address of it, and the coin itself to stop converting', () => {
    const btc = checkPreference(
      coin,
      { account: 'ltc1qminer', currency: 'BTC', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' },
      5,
    );
    expect(btc).toEqual({
      account: 'ltc1qminer',
      currency: 'BTC',
      address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
      updatedAt: 5,
    });
    const usdt = { account: 'ltc1qminer', currency: 'USDT', address: '0x52908400098527886E0F7030069857D2E4169EE7' };
    expect(checkPreference(coin, usdt, 5).address).toBe(usdt.address);
    // typed in lower case: stored checksummed (EIP-55), the form the EVM payout sender pays to
    expect(checkPreference(coin, { ...usdt, address: usdt.address.toLowerCase() }, 5).address).toBe(usdt.address);
    expect(checkPreference(coin, { account: 'ltc1qminer', currency: 'LTC', address: '' }, 5).address).toBe(
      'ltc1qminer',
    );
  });

  it('refuses a currency the pool does not offer, or an address of another currency', () => {
    const bad = [
      { currency: 'USDC', address: '0x52908400098527886E0F7030069857D2E4169EE7' },
      { currency: 'BTC', address: 'ltc1qg82tvwl5cla5a4dmxhq8p7zx4ycsqq5ks0xelm' },
      { currency: 'USDT', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' },
      { currency: 'USDT', address: '0x52908400098527886E0F7030069857D2E4169Ee7' }, // mixed case, wrong checksum
    ];
    for (const b of bad) {
      expect(() => checkPreference(coin, { account: 'ltc1qminer', ...b }, 5)).toThrow(InvalidPreferenceError);
    }
    expect(() =>
      checkPreference({ ...coin, conversion: undefined }, { account: 'a', currency: 'BTC', address: 'x' }, 5),
    ).toThrow(InvalidPreferenceError);
  });
});

describe('conversion quotes for the dashboard', () => {
  const fakes: FakeExchangeServer[] = [];
  beforeAll(async () => {
    for (const id of CONVERSION_EXCHANGES) fakes.push(await new FakeExchangeServer(id).start());
  });
  afterAll(async () => {
    for (const f of fakes) await f.stop();
  });

  it('shows the net rate after all fees per target, or why the pool would not convert now', async () => {
    const exchanges = new Map(
      fakes.map((f) => [
        f.id,
        new CcxtExchange({
          id: f.id,
          credentials: { apiKey: 'k', secret: 'c2VjcmV0', password: 'p' },
          apiBaseUrl: f.url,
          rateLimitMs: 1,
          now: () => NOW,
        }),
      ]),
    );
    const quotes = await conversionQuotes(
      { coin: 'LTC', decimals: 8, config: conversion, exchanges, log: silentLog, now: () => NOW },
      100_000_000n,
    );
    expect(quotes[0]).toMatchObject({ target: 'BTC', exchanges: expect.any(Array) });
    expect(Number(quotes[0]!.rate)).toBeGreaterThan(0.0012);
    expect(Number(quotes[0]!.rate)).toBeLessThan(0.00124);
    // No exchange lists LTC/USDT in the fixtures: no book, no quote.
    expect(quotes[1]).toMatchObject({ target: 'USDT', refused: expect.stringContaining('no-books') });
  });
});
