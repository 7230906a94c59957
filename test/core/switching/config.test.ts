import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { getCoin } from '../../../core/coins/index.js';
import { parseConfig } from '../../../core/config/load.js';
import { ConfigError } from '../../../core/errors.js';

const address = (symbol: string, fill: number) =>
  payments.p2pkh({ hash: Buffer.alloc(20, fill), network: getCoin(symbol).networks.regtest![0] }).address!;
const daemons = [{ url: 'http://127.0.0.1:19443', user: 'u', password: 'p' }];
const difficulty = { initial: 0.01, min: 0.001, max: 1000 };

function raw(over: Record<string, unknown> = {}, coins?: Record<string, unknown>[]): Record<string, unknown> {
  return {
    coins: coins ?? [
      {
        symbol: 'LTC',
        network: 'regtest',
        poolAddress: address('LTC', 1),
        daemons,
        ports: [{ port: 3333, difficulty }],
      },
      {
        symbol: 'DOGE',
        network: 'regtest',
        poolAddress: address('DOGE', 2),
        daemons,
        ports: [{ port: 3336, difficulty }],
      },
      {
        symbol: 'BTC',
        network: 'regtest',
        poolAddress: address('BTC', 3),
        daemons,
        ports: [{ port: 3334, difficulty }],
      },
    ],
    switching: [
      {
        name: 'scrypt',
        algorithm: 'scrypt',
        coins: ['LTC', 'DOGE'],
        ports: [{ port: 3340, difficulty }],
        prices: { exchanges: [{ id: 'binance' }] },
        ...over,
      },
    ],
  };
}

function issuesOf(config: unknown): string[] {
  try {
    parseConfig(config);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected the config to be rejected');
}

describe('config: switching ports', () => {
  it('takes a switching port with the documented defaults', () => {
    const sw = parseConfig(raw()).switching[0]!;
    expect(sw).toMatchObject({
      name: 'scrypt',
      marginPercent: 5,
      holdSeconds: 300,
      maxPriceAgeSeconds: 600,
      quote: 'BTC',
      evaluateSeconds: 5,
      prices: { exchanges: [{ id: 'binance' }], price: 'mid', pollSeconds: 60 },
    });
    expect(sw.ports[0]!.host).toBe('127.0.0.1');
  });

  it('has none by default', () => {
    const config = raw();
    delete config.switching;
    expect(parseConfig(config).switching).toEqual([]);
  });

  it('refuses a coin of another algorithm, an unconfigured coin, a coin listed twice', () => {
    expect(issuesOf(raw({ coins: ['LTC', 'BTC'] }))).toEqual(['switching[0].coins[1]: BTC is sha256d, not scrypt']);
    expect(issuesOf(raw({ coins: ['LTC', 'BCH'] }))).toEqual(['switching[0].coins[1]: BCH is not a configured coin']);
    expect(issuesOf(raw({ coins: ['LTC', 'LTC'] }))).toEqual(['switching[0].coins[1]: LTC is listed twice']);
  });

  it('refuses a merge-mined coin (its parent mines it)', () => {
    const config = raw();
    const doge = (config.coins as Record<string, unknown>[])[1]!;
    doge.mergedWith = 'LTC';
    doge.ports = [];
    expect(issuesOf(config)).toEqual([
      'switching[0].coins[1]: DOGE is merge-mined with LTC: switch to LTC, which mines it',
    ]);
  });

  it('refuses a port already used by a coin or another switching port', () => {
    expect(issuesOf(raw({ ports: [{ port: 3333, difficulty }] }))).toEqual([
      'switching[0].ports[0].port: 127.0.0.1:3333 is already used by coins[0].ports[0]',
    ]);
    const config = raw();
    const first = (config.switching as Record<string, unknown>[])[0]!;
    (config.switching as Record<string, unknown>[]).push({ ...first, name: 'scrypt-2' });
    expect(issuesOf(config)).toEqual([
      'switching[1].ports[0].port: 127.0.0.1:3340 is already used by switching[0].ports[0]',
    ]);
  });

  it('refuses one coin, an unknown exchange, a name used twice', () => {
    expect(issuesOf(raw({ coins: ['LTC'] }))[0]).toMatch(/^switching\[0\]\.coins: /);
    expect(issuesOf(raw({ prices: { exchanges: [{ id: 'mtgox' }] } }))[0]).toMatch(
      /^switching\[0\]\.prices\.exchanges\[0\]\.id: /,
    );
    const config = raw();
    const first = (config.switching as Record<string, unknown>[])[0]!;
    (config.switching as Record<string, unknown>[]).push({ ...first, ports: [{ port: 3341, difficulty }] });
    expect(issuesOf(config)).toEqual(['switching[1].name: switching port scrypt is configured twice']);
  });
});
