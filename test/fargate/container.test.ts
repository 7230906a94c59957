import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { getCoin } from '../../core/coins/index.js';
import { DAEMON_PASSWORD_MARKER, DAEMON_USER_MARKER } from '../../core/config/credentials.js';
import { settingsFromEnv } from '../../fargate/src/container.js';

const poolAddress = payments.p2wpkh({ hash: Buffer.alloc(20, 3), network: getCoin('LTC').networks.mainnet[0] })
  .address!;
const configJson = JSON.stringify({
  coins: [
    {
      symbol: 'LTC',
      poolAddress,
      daemons: [{ url: 'http://10.0.0.1:9332', user: DAEMON_USER_MARKER, password: DAEMON_PASSWORD_MARKER }],
      ports: [{ port: 3333, host: '0.0.0.0', difficulty: { initial: 1, min: 1, max: 2 } }],
    },
  ],
});

describe('settingsFromEnv', () => {
  const env = {
    POOL_COIN: 'ltc',
    POOL_CONFIG_JSON: configJson,
    SHARE_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/shares',
    POOL_DAEMON_USER: 'rpc',
    POOL_DAEMON_PASSWORD: 'pw',
  };

  it('reads the coin, queue and config, with credentials from the injected secrets', () => {
    const s = settingsFromEnv(env);
    expect(s.coin).toBe('LTC');
    expect(s.queueUrl).toBe(env.SHARE_QUEUE_URL);
    expect(s.config.coins[0]!.daemons[0]).toMatchObject({ user: 'rpc', password: 'pw' });
    expect(s.instancePrefix).toBeUndefined(); // the primary leases the task's prefix; nothing is made up here
    expect(s.spoolDir).toBe('/var/spool/edgepool');
  });

  it('reports live stats to the stats table only when it is given one', () => {
    expect(settingsFromEnv(env).statsTable).toBeUndefined();
    expect(settingsFromEnv({ ...env, STATS_TABLE: 'ltc-stats' }).statsTable).toBe('ltc-stats');
  });

  it('takes the extranonce1 prefix its primary leased', () => {
    expect(settingsFromEnv({ ...env, POOL_INSTANCE_PREFIX: '0a1b' }).instancePrefix).toBe('0a1b');
  });

  it('names every missing variable', () => {
    expect(() => settingsFromEnv({})).toThrow(/POOL_COIN, SHARE_QUEUE_URL, POOL_CONFIG_JSON or POOL_CONFIG/);
  });

  it('refuses a coin the config does not serve', () => {
    expect(() => settingsFromEnv({ ...env, POOL_COIN: 'BTC' })).toThrow(/POOL_COIN BTC is not in the config/);
  });
});
