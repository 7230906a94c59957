import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { payments } from 'bitcoinjs-lib';
import { afterAll, afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { getCoin } from '../../../core/coins/index.js';
import { DAEMON_PASSWORD_MARKER, DAEMON_USER_MARKER } from '../../../core/config/credentials.js';
import { parseEnv } from '../../../core/config/env.js';
import { ConfigError, StorageError } from '../../../core/errors.js';
import { isSignedFirst, PayoutNotSentError } from '../../../core/ports/payout-sender.js';
import { CHAIN_FAMILIES, ChainFamilies } from '../../../families/registry.js';
import { convertEnvSchema } from '../../../lambdas/convert/env.js';
import { convertDeps } from '../../../lambdas/convert/handler.js';
import { moneyDeps, moneyEnvSchema } from '../../../lambdas/shared/money-deps.js';
import { FakeDaemon, reply } from '../../adapters/rpc/fake-daemon.js';
import { mergedConfig } from '../../helpers/aux-money.js';
import { openNodesFamily } from '../../helpers/test-family.js';

const POOL = payments.p2wpkh({ hash: Buffer.alloc(20, 7), network: getCoin('LTC').networks.regtest![0] }).address!;
const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:1:secret:${name}`;

/** An LTC config served by `family`, its daemon credentials markers (the container config), exchanges taking deposits. */
const configJson = (family: string) =>
  JSON.stringify({
    coins: [
      {
        symbol: 'LTC',
        family,
        network: 'regtest',
        poolAddress: POOL,
        daemons: [{ url: 'http://127.0.0.1:1', user: DAEMON_USER_MARKER, password: DAEMON_PASSWORD_MARKER }],
        ports: [{ port: 3333, difficulty: { initial: 1, min: 1, max: 1 } }],
        rewards: { scheme: 'PPLNS', feeWallets: [{ address: POOL }] },
        payouts: { wallet: 'pool', intervalSeconds: 3600 },
        conversion: {
          exchanges: [{ id: 'binance', secretArn: arn('binance'), deposit: {} }],
          targets: [{ currency: 'BTC', feeWallets: [{ address: 'bc1qfees' }] }],
        },
      },
    ],
  });

const tables = { SHARES_TABLE: 's', STATS_TABLE: 'st', BLOCKS_TABLE: 'b', LEDGER_TABLE: 'l' };

describe('money Lambdas: the daemon secret only where the chain family takes one', () => {
  const secrets = mockClient(SecretsManagerClient);
  afterEach(() => secrets.reset());
  afterAll(() => secrets.restore());

  it('builds confirmation and payouts of a family whose nodes take no credentials without DAEMON_SECRET_ARN', async () => {
    const { family, built } = openNodesFamily();
    const env = parseEnv(
      moneyEnvSchema,
      { POOL_COIN: 'LTC', POOL_CONFIG_JSON: configJson(family.name), ...tables },
      'x',
    );
    const deps = await moneyDeps(env, new ChainFamilies([family]));
    expect(deps.rules.maturity).toBe(10);
    expect(built.confirmation).toEqual(['LTC']);
    // No secret was asked for.
    expect(secrets.calls()).toHaveLength(0);
  });

  it('refuses a Bitcoin-family coin without DAEMON_SECRET_ARN, naming it', async () => {
    const env = parseEnv(moneyEnvSchema, { POOL_COIN: 'LTC', POOL_CONFIG_JSON: configJson('bitcoin'), ...tables }, 'x');
    const err = await moneyDeps(env, CHAIN_FAMILIES).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/LTC confirmation and payouts need DAEMON_SECRET_ARN: the bitcoin family/);
  });

  it('gives a btcwallet payout sender the passphrase from PAYOUT_WALLET_SECRET_ARN, which it unlocks the wallet with', async () => {
    const pool = payments.p2pkh({ hash: Buffer.alloc(20, 5), network: getCoin('BTC').networks.regtest![0] });
    const wallet = await FakeDaemon.start((req, res) => {
      if (req.method === 'listunspent') {
        const coin = {
          txid: 'ab'.repeat(32),
          vout: 0,
          amount: 50,
          scriptPubKey: Buffer.from(pool.output!).toString('hex'),
        };
        return reply(res, 200, { result: [coin], error: null, id: req.id });
      }
      reply(res, 500, { result: null, error: { code: -14, message: 'invalid passphrase' }, id: req.id });
    });
    try {
      const config = JSON.parse(configJson('bitcoin'));
      Object.assign(config.coins[0], {
        symbol: 'BTC',
        poolAddress: pool.address,
        rewards: { scheme: 'PPLNS', feeWallets: [{ address: pool.address }] },
        payouts: { wallet: 'default', walletRpc: 'btcwallet', walletUrl: wallet.url },
        conversion: undefined,
      });
      secrets
        .onAnyCommand()
        .callsFake((input: { SecretId: string }) =>
          input.SecretId === arn('payout-wallet')
            ? { SecretString: 'open sesame' }
            : { SecretString: JSON.stringify({ user: 'u', password: 'p' }) },
        );
      const env = parseEnv(
        moneyEnvSchema,
        {
          POOL_COIN: 'BTC',
          POOL_CONFIG_JSON: JSON.stringify(config),
          DAEMON_SECRET_ARN: arn('daemon'),
          PAYOUT_WALLET_SECRET_ARN: arn('payout-wallet'),
          ...tables,
        },
        'x',
      );
      const deps = await moneyDeps(env, CHAIN_FAMILIES);
      expect(deps.coin.payouts?.walletPassphrase).toBeUndefined(); // only the sender holds it
      const sender = deps.sender();
      if (!isSignedFirst(sender)) throw new Error('expected the signed-first btcwallet sender');
      const to = payments.p2wpkh({ hash: Buffer.alloc(20, 6), network: getCoin('BTC').networks.regtest![0] }).address!;
      await expect(sender.prepare('BTC-1', [{ account: to, amount: 100_000n }])).rejects.toThrow(PayoutNotSentError);
      expect(wallet.requests.find((r) => r.method === 'walletpassphrase')?.params[0]).toBe('open sesame');
    } finally {
      await wallet.close();
    }
  });

  it("sends conversion deposits from the family's deposit wallet, without a daemon secret when it takes none", async () => {
    const { family, built, wallet } = openNodesFamily();
    secrets.onAnyCommand().resolves({ SecretString: JSON.stringify({ apiKey: 'k', secret: 's' }) });
    const env = parseEnv(
      convertEnvSchema,
      {
        POOL_COIN: 'LTC',
        POOL_CONFIG_JSON: configJson(family.name),
        BLOCKS_TABLE: 'b',
        LEDGER_TABLE: 'l',
        TARGET_LEDGER_TABLES: JSON.stringify({ BTC: 'btc-ledger' }),
      },
      'x',
    );
    const deps = await convertDeps(env, new ChainFamilies([family]));
    expect(deps.wallet).toBe(wallet);
    expect(built.depositWallet).toEqual(['LTC']);
    // Only the exchange's keys were read.
    expect(secrets.calls().map((c) => (c.args[0].input as { SecretId: string }).SecretId)).toEqual([arn('binance')]);
  });
});

describe('money Lambdas of a merge-mined coin', () => {
  // Made in the test: the describe above restores its own mock of the secrets client when it ends.
  const mocks = { secrets: () => mockClient(SecretsManagerClient), dynamo: () => mockClient(DynamoDBDocumentClient) };
  afterEach(() => vi.unstubAllEnvs());

  it("reads the parent's rounds from SHARES_TABLE, its own blocks and ledger, and builds its aux address store", async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    const secrets = mocks.secrets();
    const dynamo = mocks.dynamo();
    onTestFinished(() => {
      secrets.restore();
      dynamo.restore();
    });
    secrets.onAnyCommand().resolves({ SecretString: JSON.stringify({ user: 'u', password: 'p' }) });
    dynamo.onAnyCommand().resolves({ Responses: {}, Items: [] });
    const config = mergedConfig({
      daemons: [{ url: 'http://127.0.0.1:1', user: DAEMON_USER_MARKER, password: DAEMON_PASSWORD_MARKER }],
      payouts: { wallet: 'pool', intervalSeconds: 3600 },
    });
    const env = parseEnv(
      moneyEnvSchema,
      {
        POOL_COIN: 'DOGE',
        POOL_CONFIG_JSON: JSON.stringify(config),
        DAEMON_SECRET_ARN: arn('doge-daemon'),
        SHARES_TABLE: 'ltc-shares',
        BLOCKS_TABLE: 'doge-blocks',
        LEDGER_TABLE: 'doge-ledger',
      },
      'x',
    );
    const deps = await moneyDeps(env, CHAIN_FAMILIES);
    expect(deps.rules.maturity).toBe(240);
    await deps.shares.rounds.getRoundsBetween('LTC', 700, 700);
    expect(dynamo.calls().map((c) => Object.keys((c.args[0].input as { RequestItems: object }).RequestItems))).toEqual([
      ['ltc-shares'],
    ]);
    // Its own rounds do not exist, nor the parent's money: a mixed-up call fails, it never reads another table.
    await expect(deps.shares.rounds.getRoundsBetween('DOGE', 700, 700)).rejects.toThrow(StorageError);
    await expect(deps.money.listBalances('LTC')).rejects.toThrow(StorageError);
    await deps.auxAddresses!.listAuxAddresses('DOGE');
    expect((dynamo.calls().at(-1)!.args[0].input as { TableName: string }).TableName).toBe('doge-ledger');
  });
});
