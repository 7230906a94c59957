import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { getCoin } from '../../../core/coins/index.js';
import { inlineSecrets, maskSecrets } from '../../../core/config/credentials.js';
import { parseConfig } from '../../../core/config/load.js';
import { ConfigError } from '../../../core/errors.js';
import { refuseInlineSecrets } from '../../../infra/pool-config.js';

const ltc = (fill: number) =>
  payments.p2wpkh({ hash: Buffer.alloc(20, fill), network: getCoin('LTC').networks.regtest![0] }).address!;
const doge = (fill: number) =>
  payments.p2pkh({ hash: Buffer.alloc(20, fill), network: getCoin('DOGE').networks.regtest![0] }).address!;
const ETC_ADDRESS = `0x${'ab'.repeat(20)}`;

const ltcCoin = (proxy?: Record<string, unknown>) => ({
  symbol: 'LTC',
  network: 'regtest',
  poolAddress: ltc(1),
  daemons: [{ url: 'http://127.0.0.1:19443', user: 'u', password: 'p' }],
  ports: [{ port: 3333, difficulty: { initial: 0.01, min: 0.001, max: 1000 } }],
  rewards: { feeWallets: [{ address: ltc(2) }] },
  ...(proxy && { proxy }),
});
const upstream = (over: Record<string, unknown> = {}) => ({
  url: 'stratum+tcp://upstream.example:3333',
  user: ltc(3),
  ...over,
});
const proxied = (over: Record<string, unknown> = {}, proxy: Record<string, unknown> = {}) => ({
  coins: [ltcCoin({ upstreams: [upstream(over)], ...proxy })],
});

/** The message of the ConfigError `raw` is refused with. */
function refusal(raw: unknown): string {
  try {
    parseConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the config was accepted');
}

describe('coins[].proxy refusals', () => {
  it('accepts a Bitcoin-family coin with stratum+tcp and stratum+ssl upstreams, a caFile only on the TLS one', () => {
    const config = parseConfig({
      coins: [
        ltcCoin({
          upstreams: [
            upstream(),
            upstream({ url: 'stratum+ssl://10.0.0.5:443', caFile: '/etc/edgepool/upstream-ca.pem' }),
          ],
        }),
      ],
    });
    expect(config.coins[0]!.proxy!.upstreams.map((u) => [u.url, u.password])).toEqual([
      ['stratum+tcp://upstream.example:3333', 'x'],
      ['stratum+ssl://10.0.0.5:443', 'x'],
    ]);
  });

  it('refuses proxy mining on a coin that is not of the Bitcoin family (Stratum V1 only)', () => {
    const etc = {
      symbol: 'ETC',
      network: 'mainnet',
      poolAddress: ETC_ADDRESS,
      daemons: [{ url: 'http://127.0.0.1:8545', user: 'u', password: 'p' }],
      ports: [{ port: 8008, difficulty: { initial: 1, min: 1, max: 8 } }],
      rewards: { feeWallets: [{ address: ETC_ADDRESS }] },
      proxy: { upstreams: [upstream()] },
    };
    expect(refusal({ coins: [etc] })).toMatch(/proxy mining speaks Stratum V1: Bitcoin-family coins only/);
  });

  it('refuses merged mining with a proxied parent, and a proxied aux coin', () => {
    const dogeCoin = (proxy?: Record<string, unknown>) => ({
      symbol: 'DOGE',
      network: 'regtest',
      mergedWith: 'LTC',
      poolAddress: doge(4),
      daemons: [{ url: 'http://127.0.0.1:19555', user: 'u', password: 'p' }],
      rewards: { feeWallets: [{ address: doge(5) }] },
      ...(proxy && { proxy }),
    });
    expect(refusal({ coins: [ltcCoin({ upstreams: [upstream()] }), dogeCoin()] })).toMatch(
      /DOGE cannot be merge-mined in proxy mode/,
    );
    expect(refusal({ coins: [ltcCoin(), dogeCoin({ upstreams: [upstream()] })] })).toMatch(
      /DOGE cannot be merge-mined in proxy mode/,
    );
  });

  it.each([
    ['http://upstream.example:3333', /stratum\+tcp:\/\/host:port/],
    ['stratum+tcp://upstream.example', /stratum\+tcp:\/\/host:port/],
    ['stratum+tcp://upstream.example:3333/path', /stratum\+tcp:\/\/host:port/],
    ['stratum+tcp://pool:secret@upstream.example:3333', /stratum\+tcp:\/\/host:port/],
    ['stratum+tcp://worker@upstream.example:3333', /stratum\+tcp:\/\/host:port/],
    ['stratum+tcp://upstream.example:0', /port must be 1 to 65535/],
    ['stratum+tcp://upstream.example:70000', /port must be 1 to 65535/],
  ])('refuses the upstream URL %s', (url, message) => {
    expect(refusal(proxied({ url }))).toMatch(message);
  });

  it('refuses a caFile on a stratum+tcp upstream (nothing to pin), and no upstream at all', () => {
    expect(refusal(proxied({ caFile: '/ca.pem' }))).toMatch(/caFile pins the CA of a TLS upstream/);
    expect(refusal({ coins: [ltcCoin({ upstreams: [] })] })).toMatch(/upstreams/);
  });

  it('refuses an unknown key in an upstream (no silent "rejectUnauthorized" or the like)', () => {
    expect(refusal(proxied({ rejectUnauthorized: false }))).toMatch(/unknown key "rejectUnauthorized"/);
  });
});

describe('the upstream password as a secret', () => {
  const SECRET = 'upstream-s3cret-pass';

  it('is masked by `pool config check` (maskSecrets); the default "x" is no secret and stays', () => {
    const config = parseConfig({
      coins: [ltcCoin({ upstreams: [upstream({ password: SECRET }), upstream({ url: 'stratum+tcp://b.example:1' })] })],
    });
    const masked = maskSecrets(config);
    expect(JSON.stringify(masked)).not.toContain(SECRET);
    expect(masked.coins[0]!.proxy!.upstreams.map((u) => u.password)).toEqual(['***', 'x']);
    expect(masked.coins[0]!.proxy!.upstreams[0]!.user).toBe(ltc(3));
  });

  it('is refused by the CDK app, which would put it in the task definition; "x" deploys', () => {
    const withSecret = parseConfig(proxied({ password: SECRET }));
    expect(inlineSecrets(withSecret)).toContainEqual(
      expect.objectContaining({ path: ['coins', 0, 'proxy', 'upstreams', 0, 'password'], aws: 'refuse' }),
    );
    expect(() => refuseInlineSecrets(withSecret)).toThrow(/coins\[0\]\.proxy\.upstreams\[0\]\.password/);
    expect(() => refuseInlineSecrets(parseConfig(proxied()))).not.toThrow();
  });
});
