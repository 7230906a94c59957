import { describe, expect, it } from 'vitest';
import { relativeDaemonMarkers } from '../../../core/config/credentials.js';
import { parseConfig } from '../../../core/config/load.js';
import { ConfigError } from '../../../core/errors.js';
import { switchingSettingsFromEnv } from '../../../fargate/src/container.js';
import { switchingContainerConfig } from '../../../infra/pool-config.js';
import { address, coin, DAEMON_PASSWORD, difficulty, testAuxChain } from '../../infra/helpers.js';

const TSWAUX = testAuxChain('TSWAUX', 'BTC');

/** A sha256d port over BTC (merging TSWAUX) and BCH, paying in BTC; and the config the CDK app gives its task. */
const POOL = parseConfig({
  auxChains: [TSWAUX.definition],
  coins: [
    coin('BTC', [{ port: 3333, difficulty }]),
    {
      ...coin('BCH', [{ port: 3334, difficulty }]),
      conversion: {
        exchanges: [{ id: 'binance' as const, secretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:x-AbCdEf' }],
        targets: [
          { currency: 'BTC' as const, wallet: address('BTC', 0x44), feeWallets: [{ address: address('BTC', 0x45) }] },
        ],
      },
    },
    TSWAUX.coin,
  ],
  switching: [
    {
      name: 'sha',
      algorithm: 'sha256d',
      coins: ['BTC', 'BCH'],
      payoutCurrency: 'BTC',
      ports: [{ port: 3340, difficulty, tls: { certFile: '/c.pem', keyFile: '/k.pem' } }],
      prices: { exchanges: [{ id: 'binance' as const }] },
    },
  ],
});
const CONFIG_JSON = JSON.stringify(switchingContainerConfig(POOL, POOL.switching[0]!));

const credentials = (symbol: string, user: string) => {
  const m = relativeDaemonMarkers(symbol);
  return { [m.user.slice(1)]: user, [m.password.slice(1)]: `${user}-pw` };
};
const ENV: Record<string, string> = {
  POOL_SWITCHING: 'sha',
  POOL_CONFIG_JSON: CONFIG_JSON,
  POOL_BTC_SHARE_QUEUE_URL: 'https://sqs/btc',
  POOL_BTC_STATS_TABLE: 'btc-stats',
  POOL_BCH_SHARE_QUEUE_URL: 'https://sqs/bch',
  POOL_BCH_STATS_TABLE: 'bch-stats',
  ...credentials('BTC', 'btc-rpc'),
  ...credentials('BCH', 'bch-rpc'),
  ...credentials('TSWAUX', 'aux-rpc'),
};

function refusal(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('the switching task’s config, as the CDK app writes it', () => {
  it('holds no daemon credential, only each coin’s own markers', () => {
    expect(CONFIG_JSON).not.toContain(DAEMON_PASSWORD);
    const config = JSON.parse(CONFIG_JSON) as { coins: Array<{ symbol: string; daemons: unknown[] }> };
    for (const c of config.coins) for (const d of c.daemons) expect(d).toMatchObject(relativeDaemonMarkers(c.symbol));
  });

  it('serves the port’s ports behind the NLB (all interfaces, TLS stripped, PROXY v2), with no payouts', () => {
    const config = JSON.parse(CONFIG_JSON) as ReturnType<typeof parseConfig>;
    expect(config.switching).toHaveLength(1);
    expect(config.switching[0]!.ports).toEqual([expect.objectContaining({ port: 3340, host: '0.0.0.0' })]);
    expect(config.switching[0]!.ports[0]).not.toHaveProperty('tls');
    expect(config.stratum.proxyProtocol).toBe(true);
    expect(config.coins.map((c) => c.symbol)).toEqual(['BTC', 'BCH', 'TSWAUX']);
    for (const c of config.coins) expect(c).not.toHaveProperty('payouts');
  });
});

describe('switchingSettingsFromEnv', () => {
  it("reads the port, each coin's queue and stats table, and each coin's and aux coin's daemon credentials", () => {
    const s = switchingSettingsFromEnv(ENV);
    expect(s.port).toBe('sha');
    expect(s.coins).toEqual([
      { symbol: 'BTC', queueUrl: 'https://sqs/btc', statsTable: 'btc-stats' },
      { symbol: 'BCH', queueUrl: 'https://sqs/bch', statsTable: 'bch-stats' },
    ]);
    const daemon = (symbol: string) => s.config.coins.find((c) => c.symbol === symbol)!.daemons[0];
    expect(daemon('BTC')).toMatchObject({ user: 'btc-rpc', password: 'btc-rpc-pw' });
    expect(daemon('BCH')).toMatchObject({ user: 'bch-rpc', password: 'bch-rpc-pw' });
    expect(daemon('TSWAUX')).toMatchObject({ user: 'aux-rpc', password: 'aux-rpc-pw' });
    expect(s).toMatchObject({ processes: 1, opsPort: 9100, spoolDir: '/var/spool/edgepool' });
  });

  it('names every missing variable: a coin’s queue and stats table, a coin’s and an aux coin’s credentials', () => {
    const {
      POOL_BCH_SHARE_QUEUE_URL: _q,
      POOL_BTC_STATS_TABLE: _t,
      POOL_BCH_DAEMON_PASSWORD: _p,
      POOL_TSWAUX_DAEMON_USER: _u,
      ...env
    } = ENV;
    const err = refusal(() => switchingSettingsFromEnv({ ...env, POOL_BTC_DAEMON_USER: '' }));
    expect(err.issues).toEqual([
      'POOL_BTC_STATS_TABLE: is not set',
      'POOL_BCH_SHARE_QUEUE_URL: is not set',
      'POOL_BTC_DAEMON_USER: is not set',
      'POOL_BCH_DAEMON_PASSWORD: is not set',
      'POOL_TSWAUX_DAEMON_USER: is not set',
    ]);
    expect(err.message).toMatch(/port sha mines BTC, TSWAUX, BCH/);
  });

  it('names the schema’s missing variables at once', () => {
    expect(refusal(() => switchingSettingsFromEnv({})).issues).toEqual([
      'POOL_SWITCHING: is not set',
      'POOL_CONFIG_JSON or POOL_CONFIG: is not set',
    ]);
  });

  it('refuses a port name the config does not have, naming the ones it has', () => {
    expect(() => switchingSettingsFromEnv({ ...ENV, POOL_SWITCHING: 'scrypt' })).toThrow(
      /POOL_SWITCHING scrypt is not a switching port of the config \(it has: sha\)/,
    );
  });
});
