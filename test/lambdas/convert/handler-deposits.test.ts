import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { payments } from 'bitcoinjs-lib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getCoin } from '../../../core/coins/index.js';
import { DAEMON_PASSWORD_MARKER, DAEMON_USER_MARKER } from '../../../core/config/credentials.js';
import { ConfigError } from '../../../core/errors.js';
import { convertLambda } from '../../../lambdas/convert/handler.js';
import { lambdaDeps } from '../../../lambdas/shared/pool-handler.js';
import { FakeDaemon, rpcResult } from '../../adapters/rpc/fake-daemon.js';

const LTC_POOL = payments.p2wpkh({ hash: Buffer.alloc(20, 7), network: getCoin('LTC').networks.regtest![0] }).address!;
const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:1:secret:${name}`;

/** The conversion Lambda of a coin whose exchanges take deposits: the pool wallet's daemon, from the secret. */
describe('conversion Lambda: the deposit wallet from the environment', () => {
  const secrets = mockClient(SecretsManagerClient);
  let daemon: FakeDaemon;
  beforeAll(async () => {
    daemon = await FakeDaemon.start((req, res) => rpcResult(res, req.method === 'getbalance' ? 2.5 : null));
  });
  afterEach(() => secrets.reset());
  afterAll(async () => {
    secrets.restore();
    await daemon.close();
  });

  const env = (deposit: boolean, daemonSecret = true) => ({
    POOL_COIN: 'LTC',
    BLOCKS_TABLE: 'blocks',
    LEDGER_TABLE: 'ledger',
    TARGET_LEDGER_TABLES: JSON.stringify({ BTC: 'btc-ledger' }),
    ...(daemonSecret ? { DAEMON_SECRET_ARN: arn('daemon') } : {}),
    // The container config: daemon credentials as markers.
    POOL_CONFIG_JSON: JSON.stringify({
      coins: [
        {
          symbol: 'LTC',
          network: 'regtest',
          poolAddress: LTC_POOL,
          daemons: [{ url: daemon.url, user: DAEMON_USER_MARKER, password: DAEMON_PASSWORD_MARKER }],
          ports: [{ port: 3333, difficulty: { initial: 1, min: 1, max: 1 } }],
          rewards: { scheme: 'PPLNS', feeWallets: [{ address: LTC_POOL }] },
          payouts: { wallet: 'pool', intervalSeconds: 3600 },
          conversion: {
            exchanges: [{ id: 'binance', secretArn: arn('binance'), ...(deposit ? { deposit: {} } : {}) }],
            targets: [{ currency: 'BTC', feeWallets: [{ address: 'bc1qfees' }] }],
          },
        },
      ],
    }),
  });

  const secretsAnswer = () =>
    secrets.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => ({
      SecretString: JSON.stringify(
        input.SecretId === arn('daemon') ? { user: 'rpc', password: 'pw' } : { apiKey: 'k', secret: 's' },
      ),
    }));

  it("sends deposits from the payouts wallet, with the secret's daemon credentials", async () => {
    secretsAnswer();
    const deps = await lambdaDeps(convertLambda, env(true));
    expect(await deps.wallet!.spendable()).toBe(250_000_000n);
    const seen = daemon.requests.at(-1)!;
    expect(seen).toMatchObject({ method: 'getbalance', url: '/wallet/pool' });
    expect(seen.authorization).toBe(`Basic ${Buffer.from('rpc:pw').toString('base64')}`);
  });

  it('needs no wallet (nor daemon secret) when no exchange takes deposits', async () => {
    secretsAnswer();
    expect((await lambdaDeps(convertLambda, env(false, false))).wallet).toBeUndefined();
  });

  it('refuses deposits without the daemon secret', async () => {
    secretsAnswer();
    const err = await lambdaDeps(convertLambda, env(true, false)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('DAEMON_SECRET_ARN');
  });
});
