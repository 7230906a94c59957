import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { payments } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoConversionStore } from '../../../adapters/aws/dynamo-conversion-store.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { getCoin } from '../../../core/coins/index.js';
import { parseEnv } from '../../../core/config/env.js';
import { entryId } from '../../../core/ledger/ledger.js';
import { ChainFamilies } from '../../../families/registry.js';
import { convertEnvSchema } from '../../../lambdas/convert/env.js';
import { convertDeps } from '../../../lambdas/convert/handler.js';
import { payoutsLambda } from '../../../lambdas/payouts/handler.js';
import { moneyDeps, moneyEnvSchema } from '../../../lambdas/shared/money-deps.js';
import { poolHandler } from '../../../lambdas/shared/pool-handler.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { openNodesFamily } from '../../helpers/test-family.js';

const context = { awsRequestId: 'req-1' } as Context;
const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;
const address = (symbol: string, fill: number) =>
  payments.p2wpkh({ hash: Buffer.alloc(20, fill), network: getCoin(symbol).networks.regtest![0] }).address!;
const POOL = address('LTC', 7);
/** A switching miner of a BTC-paying scrypt port: its LTC shares were credited to this BTC address. */
const SWITCHER = address('BTC', 8);
const LTC_MINER = address('LTC', 9);
const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:1:secret:${name}`;

/** LTC's container config as the CDK app writes it: one coin, no switching ports (they name other coins). */
const configJson = (family: string) =>
  JSON.stringify({
    coins: [
      {
        symbol: 'LTC',
        family,
        network: 'regtest',
        poolAddress: POOL,
        daemons: [{ url: 'http://127.0.0.1:1', user: 'u', password: 'p' }],
        ports: [{ port: 3333, difficulty: { initial: 1, min: 1, max: 1 } }],
        rewards: { scheme: 'PPLNS', feeWallets: [{ address: POOL }] },
        payouts: { wallet: 'pool', intervalSeconds: 3600, minimum: '1000' },
        conversion: {
          exchanges: [{ id: 'binance', secretArn: arn('binance') }],
          targets: [{ currency: 'BTC', feeWallets: [{ address: 'bc1qfees' }] }],
        },
      },
    ],
  });
const FOREIGN = JSON.stringify([{ symbol: 'BTC', network: 'regtest' }]);
const tables = { SHARES_TABLE: 's', STATS_TABLE: 'st', BLOCKS_TABLE: 'b', LEDGER_TABLE: 'l' };

describe("money Lambdas: a switching port's foreign accounts from FOREIGN_PAYOUT_CURRENCIES", () => {
  const secrets = mockClient(SecretsManagerClient);
  const { family, wallet } = openNodesFamily();
  const families = new ChainFamilies([family]);
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    secrets.restore();
    await dynamo.close();
  });

  const moneyEnv = (foreign: boolean) =>
    parseEnv(
      moneyEnvSchema,
      {
        POOL_COIN: 'LTC',
        POOL_CONFIG_JSON: configJson(family.name),
        ...tables,
        ...(foreign ? { FOREIGN_PAYOUT_CURRENCIES: FOREIGN } : {}),
      },
      'env',
    );

  it("the payouts Lambda's deps carry the rule: a BTC address on LTC's ledger is BTC's, an LTC one LTC's own", async () => {
    const deps = await moneyDeps(moneyEnv(true), families);
    expect(deps.foreign?.currencyOf(SWITCHER)).toBe('BTC');
    expect(deps.foreign?.currencyOf(LTC_MINER)).toBeUndefined();
    expect((await moneyDeps(moneyEnv(false), families)).foreign).toBeUndefined();
  });

  it('the payouts Lambda never pays a foreign account with a confirmed balance (dynalite)', async () => {
    const shares = await dynamo.freshStore();
    const names = dynamo.lastTables!;
    const doc = createDocumentClient(dynamo.client);
    const money = new DynamoMoneyStore(doc, () => names);
    await money.putEntries(
      'LTC',
      [SWITCHER, LTC_MINER].map((account) => ({
        id: entryId('pps', 'h1', 'miner', account),
        account,
        kind: 'pps' as const,
        role: 'miner' as const,
        amount: 50_000_000n,
        ref: 'h1',
        time: 0,
      })),
    );
    const conversions = new DynamoConversionStore(doc, () => names);
    // A wallet holding enough (the test family's holds nothing): only who is paid decides.
    const sender = () => ({ ...wallet, spendable: async () => 10n ** 12n });
    const deps = { ...(await moneyDeps(moneyEnv(true), families)), shares, money, conversions, sender };
    const handler = poolHandler(payoutsLambda, { deps: () => deps, log: silent, emit: () => {} });
    const report = (await handler({ dryRun: true }, context)) as { recipients: Array<{ account: string }> };
    expect(report.recipients.map((r) => r.account)).toEqual([LTC_MINER]);
  });

  it("the conversion Lambda's deps carry the rule", async () => {
    const env = (foreign: boolean) =>
      parseEnv(
        convertEnvSchema,
        {
          POOL_COIN: 'LTC',
          POOL_CONFIG_JSON: configJson(family.name),
          BLOCKS_TABLE: 'b',
          LEDGER_TABLE: 'l',
          TARGET_LEDGER_TABLES: JSON.stringify({ BTC: 'btc-ledger' }),
          ...(foreign ? { FOREIGN_PAYOUT_CURRENCIES: FOREIGN } : {}),
        },
        'env',
      );
    secrets.onAnyCommand().resolves({ SecretString: JSON.stringify({ apiKey: 'k', secret: 's' }) });
    expect((await convertDeps(env(true), families)).foreign?.currencyOf(SWITCHER)).toBe('BTC');
    expect((await convertDeps(env(false), families)).foreign).toBeUndefined();
  });

  it('refuses a FOREIGN_PAYOUT_CURRENCIES that is not a list of coins and networks', () => {
    const r = moneyEnvSchema.safeParse({
      POOL_COIN: 'LTC',
      POOL_CONFIG_JSON: '{}',
      ...tables,
      FOREIGN_PAYOUT_CURRENCIES: JSON.stringify([{ symbol: 'BTC', network: 'moon' }]),
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path[0])).toEqual(['FOREIGN_PAYOUT_CURRENCIES']);
  });
});
