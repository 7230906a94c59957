import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { getCoin } from '../../core/coins/index.js';
import { DAEMON_PASSWORD_MARKER, DAEMON_USER_MARKER, relativeDaemonMarkers } from '../../core/config/credentials.js';
import { ConfigError } from '../../core/errors.js';
import { settingsFromEnv } from '../../fargate/src/container.js';

function catchError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const poolAddress = payments.p2wpkh({ hash: Buffer.alloc(20, 3), network: getCoin('LTC').networks.mainnet![0] })
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
    const err = catchError(() => settingsFromEnv({}));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.issues).toEqual([
      'POOL_COIN: is not set',
      'SHARE_QUEUE_URL: is not set',
      'POOL_CONFIG_JSON or POOL_CONFIG: is not set',
    ]);
    expect(err.message).toMatch(/POOL_COIN[\s\S]*SHARE_QUEUE_URL[\s\S]*POOL_CONFIG_JSON or POOL_CONFIG/);
  });

  it('treats a variable set to the empty string as unset', () => {
    const err = catchError(() => settingsFromEnv({ ...env, SHARE_QUEUE_URL: '', POOL_CONFIG_JSON: '' }));
    expect(err.issues).toEqual(['SHARE_QUEUE_URL: is not set', 'POOL_CONFIG_JSON or POOL_CONFIG: is not set']);
    expect(settingsFromEnv({ ...env, STATS_TABLE: '', POOL_INSTANCE_PREFIX: '' })).not.toHaveProperty('statsTable');
  });

  it('runs one stratum process unless told how many, from 1 to 64', () => {
    expect(settingsFromEnv(env).processes).toBe(1);
    expect(settingsFromEnv({ ...env, POOL_STRATUM_PROCESSES: '4' }).processes).toBe(4);
    for (const bad of ['0', '65', '1.5', 'two']) {
      expect(catchError(() => settingsFromEnv({ ...env, POOL_STRATUM_PROCESSES: bad })).issues).toEqual([
        'POOL_STRATUM_PROCESSES: must be a whole number from 1 to 64',
      ]);
    }
  });

  it('reads the ops port, the process lane and the blocknotify token', () => {
    const s = settingsFromEnv({
      ...env,
      OPS_PORT: '9200',
      POOL_STRATUM_PROCESS: '2',
      POOL_STRATUM_PROCESSES: '3',
      POOL_BLOCKNOTIFY_TOKEN: 'tok',
    });
    expect(s).toMatchObject({ opsPort: 9200, processIndex: 2, processes: 3, blockNotifyToken: 'tok' });
    expect(settingsFromEnv(env)).toMatchObject({ opsPort: 9100, logLevel: 'info' });
    expect(settingsFromEnv(env)).not.toHaveProperty('processIndex');
    expect(catchError(() => settingsFromEnv({ ...env, OPS_PORT: '70000' })).issues).toEqual([
      'OPS_PORT: must be a whole number from 1 to 65535',
    ]);
  });

  it('refuses a coin the config does not serve', () => {
    expect(() => settingsFromEnv({ ...env, POOL_COIN: 'BTC' })).toThrow(/POOL_COIN BTC is not in the config/);
  });

  it("refuses a merge-mined coin: its parent's task mines it", () => {
    const config = JSON.parse(configJson) as { coins: unknown[] };
    const dogePool = payments.p2pkh({ hash: Buffer.alloc(20, 4), network: getCoin('DOGE').networks.mainnet![0] })
      .address!;
    config.coins.push({
      symbol: 'DOGE',
      mergedWith: 'LTC',
      poolAddress: dogePool,
      daemons: [{ url: 'http://10.0.0.2:22555', user: DAEMON_USER_MARKER, password: DAEMON_PASSWORD_MARKER }],
    });
    const merged = { ...env, POOL_CONFIG_JSON: JSON.stringify(config) };
    expect(settingsFromEnv(merged).coin).toBe('LTC');
    expect(() => settingsFromEnv({ ...merged, POOL_COIN: 'doge' })).toThrow(
      /POOL_COIN DOGE is merge-mined with LTC: only LTC's stratum task mines it/,
    );
  });

  describe("merged mining: the aux coins' daemon credentials", () => {
    const dogePool = payments.p2pkh({ hash: Buffer.alloc(20, 4), network: getCoin('DOGE').networks.mainnet![0] })
      .address!;
    const doge = relativeDaemonMarkers('DOGE');
    // What the CDK app gives LTC's task (infra/pool-config.ts containerConfig): DOGE's daemons with DOGE's markers.
    const config = JSON.parse(configJson) as { coins: unknown[] };
    config.coins.push({
      symbol: 'DOGE',
      mergedWith: 'LTC',
      poolAddress: dogePool,
      daemons: [
        { url: 'http://10.0.0.2:22555', ...doge },
        { url: 'http://10.0.0.3:22555', ...doge },
      ],
    });
    const merged = {
      ...env,
      POOL_CONFIG_JSON: JSON.stringify(config),
      POOL_DOGE_DAEMON_USER: 'doge-rpc',
      POOL_DOGE_DAEMON_PASSWORD: 'doge-pw',
    };
    const dogeOf = (s: ReturnType<typeof settingsFromEnv>) => s.config.coins.find((c) => c.symbol === 'DOGE')!;

    it("gives each aux coin's daemons POOL_<SYMBOL>_DAEMON_USER/PASSWORD, and the coin's own daemons its own", () => {
      const s = settingsFromEnv(merged);
      for (const d of dogeOf(s).daemons) expect(d).toMatchObject({ user: 'doge-rpc', password: 'doge-pw' });
      expect(s.config.coins[0]!.daemons[0]).toMatchObject({ user: 'rpc', password: 'pw' });
    });

    it('refuses to start while an aux coin of POOL_COIN lacks a credential, naming each variable', () => {
      const { POOL_DOGE_DAEMON_PASSWORD: _, ...noPassword } = merged;
      const err = catchError(() => settingsFromEnv(noPassword));
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.issues).toEqual(['POOL_DOGE_DAEMON_PASSWORD: is not set']);
      expect(err.message).toMatch(/LTC merges DOGE/);
      // Set to the empty string (as ECS may leave a variable) is unset too; both missing: both named.
      expect(
        catchError(() => settingsFromEnv({ ...merged, POOL_DOGE_DAEMON_USER: '', POOL_DOGE_DAEMON_PASSWORD: '' }))
          .issues,
      ).toEqual(['POOL_DOGE_DAEMON_USER: is not set', 'POOL_DOGE_DAEMON_PASSWORD: is not set']);
    });

    it("needs no aux credentials in the task of a coin that merges nothing, and reads no other coin's", () => {
      const btcPool = payments.p2wpkh({ hash: Buffer.alloc(20, 5), network: getCoin('BTC').networks.mainnet![0] })
        .address!;
      const withBtc = structuredClone(config);
      withBtc.coins.push({
        symbol: 'BTC',
        poolAddress: btcPool,
        daemons: [{ url: 'http://10.0.0.4:8332', user: DAEMON_USER_MARKER, password: DAEMON_PASSWORD_MARKER }],
        ports: [{ port: 3334, host: '0.0.0.0', difficulty: { initial: 1, min: 1, max: 2 } }],
      });
      const s = settingsFromEnv({ ...env, POOL_COIN: 'btc', POOL_CONFIG_JSON: JSON.stringify(withBtc) });
      expect(s.coin).toBe('BTC');
      const btcTaskGivenDoge = settingsFromEnv({
        ...merged,
        POOL_COIN: 'btc',
        POOL_CONFIG_JSON: JSON.stringify(withBtc),
      });
      expect(dogeOf(btcTaskGivenDoge).daemons[0]).toMatchObject(doge);
    });
  });
});
