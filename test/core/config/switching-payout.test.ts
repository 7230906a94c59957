import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { getCoin } from '../../../core/coins/index.js';
import { parseConfig } from '../../../core/config/load.js';
import { ConfigError } from '../../../core/errors.js';

const address = (symbol: string, fill: number) =>
  payments.p2pkh({ hash: Buffer.alloc(20, fill), network: getCoin(symbol).networks.regtest![0] }).address!;
const daemons = [{ url: 'http://127.0.0.1:19443', user: 'u', password: 'p' }];
const difficulty = { initial: 0.01, min: 0.001, max: 1000 };
const toBtc = {
  exchanges: [{ id: 'binance', takerFeeBps: 10, withdrawalFees: { BTC: '100' } }],
  targets: [{ currency: 'BTC', feeWallets: [{ address: address('BTC', 9) }] }],
};

/** A scrypt port over LTC and DOGE paying in `payoutCurrency`; `convert` lists the coins that convert to BTC. */
function config(payoutCurrency: string | undefined, convert: string[]) {
  const coin = (symbol: string, fill: number, port: number) => ({
    symbol,
    network: 'regtest',
    poolAddress: address(symbol, fill),
    daemons,
    ports: [{ port, difficulty }],
    ...(convert.includes(symbol) ? { conversion: toBtc } : {}),
  });
  return {
    coins: [coin('LTC', 1, 3333), coin('DOGE', 2, 3336), coin('BTC', 3, 3334)],
    switching: [
      {
        name: 'scrypt',
        algorithm: 'scrypt',
        coins: ['LTC', 'DOGE'],
        ports: [{ port: 3340, difficulty }],
        prices: { exchanges: [{ id: 'binance' }] },
        ...(payoutCurrency ? { payoutCurrency } : {}),
      },
    ],
  };
}

function issuesOf(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  return [];
}

describe('config: a switching port’s payout currency', () => {
  it('accepts a payout currency every other coin of the port converts to', () => {
    expect(issuesOf(config('BTC', ['LTC', 'DOGE']))).toEqual([]);
    expect(parseConfig(config('BTC', ['LTC', 'DOGE'])).switching[0]!.payoutCurrency).toBe('BTC');
    // One of the port's own coins: only the others convert.
    expect(issuesOf(config('LTC', []))).toEqual([
      expect.stringMatching(/^switching\[0\]\.coins\[1\]: DOGE has no conversion to LTC/),
    ]);
  });

  it('refuses a coin of the port without a conversion to it: its miners’ balance there would never be paid', () => {
    expect(issuesOf(config('BTC', ['LTC']))).toEqual([
      expect.stringMatching(/^switching\[0\]\.coins\[1\]: DOGE has no conversion to BTC/),
    ]);
  });

  it('refuses a payout currency the pool does not mine', () => {
    expect(issuesOf(config('USDT', ['LTC', 'DOGE']))).toEqual([
      expect.stringMatching(/^switching\[0\]\.payoutCurrency: USDT is not a configured coin/),
    ]);
  });
});
