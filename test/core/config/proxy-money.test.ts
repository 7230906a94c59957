import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { getCoin } from '../../../core/coins/index.js';
import { parseConfig } from '../../../core/config/load.js';
import { ConfigError } from '../../../core/errors.js';

const address = (fill: number) =>
  payments.p2pkh({ hash: Buffer.alloc(20, fill), network: getCoin('LTC').networks.regtest![0] }).address!;

function config(proxy: Record<string, unknown>, scheme = 'PPLNS') {
  return {
    coins: [
      {
        symbol: 'LTC',
        network: 'regtest',
        poolAddress: address(1),
        daemons: [{ url: 'http://127.0.0.1:19443', user: 'u', password: 'p' }],
        ports: [{ port: 3333, difficulty: { initial: 0.01, min: 0.001, max: 1000 } }],
        rewards: { scheme, feeWallets: [{ address: address(2) }] },
        proxy: { upstreams: [{ url: 'stratum+tcp://upstream.example:3333', user: address(1) }], ...proxy },
      },
    ],
  };
}

describe('coins[].proxy money settings', () => {
  it('distributes upstream payouts by PPLNS unless told PROP, at the payout confirmations unless told', () => {
    expect(parseConfig(config({})).coins[0]!.proxy).toMatchObject({ distribution: 'PPLNS' });
    expect(parseConfig(config({ distribution: 'PROP', confirmations: 6 })).coins[0]!.proxy).toMatchObject({
      distribution: 'PROP',
      confirmations: 6,
    });
    expect(() => parseConfig(config({ distribution: 'SOLO' }))).toThrow(ConfigError);
  });

  it('refuses PPS and POT on a proxied coin: its miners are paid from the upstream payouts, not again per share', () => {
    for (const scheme of ['PPS', 'POT']) {
      expect(() => parseConfig(config({}, scheme))).toThrow(/paid from the upstream's payouts/);
    }
  });
});

describe('config: a conversion target withdrawing to a proxied coin’s pool address', () => {
  const btc = (fill: number) =>
    payments.p2wpkh({ hash: Buffer.alloc(20, fill), network: getCoin('BTC').networks.regtest![0] }).address!;
  /** BTC proxied to an upstream pool; LTC converts to BTC, its proceeds withdrawn to `wallet`. */
  function withTarget(wallet: string) {
    const ltc = config({}).coins[0]!;
    return {
      coins: [
        {
          ...ltc,
          proxy: undefined,
          conversion: {
            exchanges: [{ id: 'binance' }],
            targets: [{ currency: 'BTC', wallet, feeWallets: [{ address: btc(9) }] }],
          },
        },
        {
          symbol: 'BTC',
          network: 'regtest',
          poolAddress: btc(1),
          daemons: [{ url: 'http://127.0.0.1:18443', user: 'u', password: 'p' }],
          ports: [{ port: 3334, difficulty: { initial: 0.01, min: 0.001, max: 1000 } }],
          rewards: { scheme: 'PPLNS', feeWallets: [{ address: btc(2) }] },
          proxy: { upstreams: [{ url: 'stratum+tcp://upstream.example:3333', user: btc(1) }] },
        },
      ],
    };
  }

  it('refuses it (withdrawals would be counted as upstream income), in any letter case', () => {
    for (const wallet of [btc(1), btc(1).toUpperCase()]) {
      expect(() => parseConfig(withTarget(wallet))).toThrow(
        /coins\[0\]\.conversion\.targets\[0\]\.wallet: .* is the pool address of proxied BTC/,
      );
    }
  });

  it('accepts another address of the wallet', () => {
    expect(parseConfig(withTarget(btc(3))).coins[0]!.conversion!.targets[0]!.wallet).toBe(btc(3));
  });
});

describe('coins[].proxy.minimumPayment', () => {
  it('is 10,000 base units unless set, and a string of digits', () => {
    expect(parseConfig(config({})).coins[0]!.proxy!.minimumPayment).toBe('10000');
    expect(parseConfig(config({ minimumPayment: '0' })).coins[0]!.proxy!.minimumPayment).toBe('0');
    expect(() => parseConfig(config({ minimumPayment: '0.001' }))).toThrow(ConfigError);
  });
});
