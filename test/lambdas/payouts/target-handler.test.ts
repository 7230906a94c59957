import {
  GetSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { payments } from 'bitcoinjs-lib';
import { Wallet } from 'ethers';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { getCoin } from '../../../core/coins/index.js';
import { ConfigError } from '../../../core/errors.js';
import { entryId, type LedgerEntry } from '../../../core/ledger/ledger.js';
import type { PayoutRecipient } from '../../../core/ledger/payouts.js';
import type { PayoutSender, SentPayout } from '../../../core/ports/payout-sender.js';
import { targetPayoutsLambda } from '../../../lambdas/payouts/target-handler.js';
import { lambdaDeps, poolHandler } from '../../../lambdas/shared/pool-handler.js';
import { FakeDaemon, rpcResult } from '../../adapters/rpc/fake-daemon.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';

const POOL_KEY = Wallet.createRandom();
const LTC_POOL = payments.p2wpkh({ hash: Buffer.alloc(20, 7), network: getCoin('LTC').networks.regtest![0] }).address!;
const MINER = '0x52908400098527886E0F7030069857D2E4169EE7';
const context = { awsRequestId: 'req-1' } as Context;

const config = (payouts: boolean) =>
  JSON.stringify({
    coins: [
      {
        symbol: 'LTC',
        network: 'regtest',
        poolAddress: LTC_POOL,
        daemons: [{ url: 'http://127.0.0.1:1', user: 'u', password: 'p' }],
        ports: [{ port: 3333, difficulty: { initial: 1, min: 1, max: 1 } }],
        rewards: { scheme: 'PPLNS', feeWallets: [{ address: LTC_POOL }] },
        conversion: {
          exchanges: [{ id: 'binance', secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:binance' }],
          targets: [
            {
              currency: 'USDT',
              wallet: POOL_KEY.address,
              feeWallets: [{ address: MINER }],
              ...(payouts && {
                payouts: {
                  kind: 'evm',
                  rpcUrl: 'http://127.0.0.1:1',
                  token: '0x0000000000000000000000000000000000000aaa',
                  contract: '0x0000000000000000000000000000000000000bbb',
                  deploymentBlock: 1,
                  secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:usdt-key',
                  minimum: '1000',
                  maxRecipients: 50,
                  intervalSeconds: 3600,
                },
              }),
            },
          ],
        },
      },
    ],
  });

const env = (payouts = true) => ({
  POOL_COIN: 'LTC',
  TARGET_CURRENCY: 'USDT',
  POOL_CONFIG_JSON: config(payouts),
  LEDGER_TABLE: 'usdt-ledger',
  EVM_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:usdt-key',
});

describe('target payouts Lambda: dependencies from the environment', () => {
  const secrets = mockClient(SecretsManagerClient);
  afterEach(() => secrets.reset());
  afterAll(() => secrets.restore());

  it('names every missing variable', async () => {
    const err = await lambdaDeps(targetPayoutsLambda, { POOL_COIN: 'LTC' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.join('\n')).toMatch(/TARGET_CURRENCY[\s\S]*LEDGER_TABLE/);
  });

  it('names the secret an evm target needs when it is not set', async () => {
    const { EVM_KEY_SECRET_ARN: _, ...rest } = env();
    await expect(lambdaDeps(targetPayoutsLambda, rest)).rejects.toThrow(
      /USDT payouts \(evm\): EVM_KEY_SECRET_ARN is not set/,
    );
  });

  it('refuses a target without a payouts block', async () => {
    await expect(lambdaDeps(targetPayoutsLambda, env(false))).rejects.toThrow(/no payouts for conversion target USDT/);
  });

  it('reads the key from its secret, and refuses a key that is not of the wallet the proceeds go to', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: `${Wallet.createRandom().privateKey}\n` });
    await expect(lambdaDeps(targetPayoutsLambda, env())).rejects.toThrow(/proceeds are withdrawn to/);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: POOL_KEY.privateKey });
    const deps = await lambdaDeps(targetPayoutsLambda, env());
    expect(deps.coin).toBe('USDT');
    expect(deps.policy).toEqual({ minimum: 1000n, maxRecipients: 50 });
    expect(secrets.commandCalls(GetSecretValueCommand)[0]!.args[0].input.SecretId).toBe(env().EVM_KEY_SECRET_ARN);
  });
});

/** A sender that records what it paid and finds it again by payout id, like a chain would. */
class RecordingSender implements PayoutSender {
  readonly sent = new Map<string, PayoutRecipient[]>();
  async send(id: string, recipients: PayoutRecipient[]) {
    this.sent.set(id, recipients);
    return `tx-${id}`;
  }
  async findPayout(id: string): Promise<SentPayout[]> {
    const outputs = this.sent.get(id);
    return outputs ? [{ txid: `tx-${id}`, outputs }] : [];
  }
  async confirmations() {
    return 6;
  }
  async spendable() {
    return 10n ** 12n;
  }
}

describe('target payouts Lambda: one pass of the payouts machine on the target ledger (dynalite)', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('dry-runs, then pays the credited miner once', async () => {
    await dynamo.freshStore('USDT');
    const names = dynamo.lastTables!;
    const money = new DynamoMoneyStore(createDocumentClient(dynamo.client), () => names);
    const credit: LedgerEntry = {
      id: entryId('convert-in', 'conv-1', 'miner', MINER),
      account: MINER,
      kind: 'convert-in',
      role: 'miner',
      amount: 5_000n,
      ref: 'conv-1',
      time: 1,
    };
    await money.putEntries('USDT', [credit]);
    const sender = new RecordingSender();
    const handler = poolHandler(targetPayoutsLambda, {
      deps: () => ({ coin: 'USDT', policy: { minimum: 1000n, maxRecipients: 50 }, reserve: 0n, money, sender }),
      log: pino({ level: 'silent' }),
    });
    expect(await handler({ dryRun: true }, context)).toEqual({
      status: 'dry-run',
      recipients: [{ account: MINER, amount: '5000' }],
    });
    expect(sender.sent.size).toBe(0);
    await handler(undefined, context);
    await handler(undefined, context); // confirms the payout it sent
    expect(await handler(undefined, context)).toEqual({ status: 'idle' });
    expect([...sender.sent.values()]).toEqual([[{ account: MINER, amount: 5_000n }]]);
  });

  it('retries building its dependencies after a failed first invocation', async () => {
    let attempts = 0;
    const handler = poolHandler(targetPayoutsLambda, {
      deps: async () => {
        attempts++;
        throw new ConfigError('secret not readable yet');
      },
      log: pino({ level: 'silent' }),
    });
    await expect(handler(undefined, context)).rejects.toThrow('secret not readable yet');
    await expect(handler(undefined, context)).rejects.toThrow('secret not readable yet');
    expect(attempts).toBe(2);
  });
});

/** A BTC target paid through a wallet daemon: the container config carries markers, the secret the credentials. */
describe('target payouts Lambda: a wallet-rpc target reads its daemon credentials from the secret', () => {
  // Mocked here, not at collection: the first describe's restore() would undo a mock made beside its own.
  let secrets: AwsStub<ServiceInputTypes, ServiceOutputTypes, SecretsManagerClientResolvedConfig>;
  let daemon: FakeDaemon;
  beforeAll(async () => {
    secrets = mockClient(SecretsManagerClient);
    daemon = await FakeDaemon.start((req, res) => rpcResult(res, req.method === 'getbalance' ? 1.5 : null));
  });
  afterEach(() => secrets.reset());
  afterAll(async () => {
    secrets.restore();
    await daemon.close();
  });

  const btcEnv = () => {
    const cfg = JSON.parse(config(false)) as { coins: Array<{ conversion: { targets: unknown[] } }> };
    cfg.coins[0]!.conversion.targets = [
      {
        currency: 'BTC',
        feeWallets: [{ address: 'bc1qfees' }],
        payouts: {
          kind: 'wallet-rpc',
          daemon: { url: daemon.url, user: '$POOL_DAEMON_USER', password: '$POOL_DAEMON_PASSWORD', wallet: 'proceeds' },
          secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:btc-rpc',
          minimum: '50000',
          maxRecipients: 50,
          intervalSeconds: 3600,
        },
      },
    ];
    return {
      POOL_COIN: 'LTC',
      TARGET_CURRENCY: 'BTC',
      POOL_CONFIG_JSON: JSON.stringify(cfg),
      LEDGER_TABLE: 'btc-ledger',
      WALLET_RPC_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:btc-rpc',
    };
  };

  it("calls the pool wallet with the secret's user and password", async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ user: 'rpc', password: 'pw' }) });
    const deps = await lambdaDeps(targetPayoutsLambda, btcEnv());
    expect(deps.coin).toBe('BTC');
    expect(await deps.sender.spendable()).toBe(150_000_000n);
    const seen = daemon.requests.at(-1)!;
    expect(seen).toMatchObject({ method: 'getbalance', url: '/wallet/proceeds' });
    expect(seen.authorization).toBe(`Basic ${Buffer.from('rpc:pw').toString('base64')}`);
    expect(secrets.commandCalls(GetSecretValueCommand)[0]!.args[0].input.SecretId).toBe(btcEnv().WALLET_RPC_SECRET_ARN);
  });

  it('refuses a secret that is not the daemon credentials, without echoing it', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ user: 'rpc', pass: 'hunter2' }) });
    const err = await lambdaDeps(targetPayoutsLambda, btcEnv()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).not.toContain('hunter2');
    const { WALLET_RPC_SECRET_ARN: _, ...rest } = btcEnv();
    await expect(lambdaDeps(targetPayoutsLambda, rest)).rejects.toThrow(/WALLET_RPC_SECRET_ARN is not set/);
  });
});
