import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountPk, identitySk, kindOf, settingsSk } from '../../../adapters/aws/account-items.js';
import { DynamoAccountReaders } from '../../../adapters/aws/dynamo-account-readers.js';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { ensureAccountsTable } from '../../../adapters/aws/tables.js';
import { BitcoinChainReader } from '../../../adapters/rpc/bitcoin-chain-reader.js';
import type { DaemonClient } from '../../../adapters/rpc/daemon-client.js';
import { WalletPayoutSender } from '../../../adapters/rpc/wallet-payout-sender.js';
import { parseConfig } from '../../../core/config/load.js';
import { confirmLambda } from '../../../lambdas/confirm/handler.js';
import { payoutsLambda } from '../../../lambdas/payouts/handler.js';
import type { MoneyDeps } from '../../../lambdas/shared/money-deps.js';
import { moneyEnvSchema } from '../../../lambdas/shared/money-deps.js';
import { poolHandler } from '../../../lambdas/shared/pool-handler.js';
import { ADDRESS } from '../../fargate/stratum/fakes.js';
import { ltcAddress } from '../../helpers/aux-money.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { maturedCredits } from '../../helpers/matured-credits.js';

const context = { awsRequestId: 'req-1' } as Context;
const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;

describe('money Lambda handlers', () => {
  let dynamo: Dynamo;
  let deps: MoneyDeps;

  beforeAll(async () => {
    dynamo = await startDynamo();
    const shares = await dynamo.freshStore();
    const names = dynamo.lastTables!;
    const [coin] = parseConfig({
      coins: [
        {
          symbol: 'LTC',
          network: 'regtest',
          poolAddress: ADDRESS,
          daemons: [{ url: 'http://127.0.0.1:1', user: 'u', password: 'p' }],
          ports: [{ port: 3333, difficulty: { initial: 1, min: 1, max: 1 } }],
          rewards: { feeWallets: [{ address: ADDRESS }] },
          payouts: { wallet: 'pool' },
        },
      ],
    }).coins;
    const daemon = {
      getBlockCount: async () => 10,
      getBlock: async () => ({}),
      call: async (method: string) => (method === 'getbalance' ? 12.5 : []),
      withWallet: () => daemon,
    } as unknown as DaemonClient;
    deps = {
      coin: coin!,
      shares,
      money: new DynamoMoneyStore(createDocumentClient(dynamo.client), () => names),
      rules: { chain: new BitcoinChainReader(daemon, 'pool', 8), maturity: 100 },
      sender: () => new WalletPayoutSender(daemon, 8),
    };
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('confirm runs one pass with the injected dependencies and reports it', async () => {
    const handler = poolHandler(confirmLambda, { deps: () => deps, log: silent });
    expect(await handler(undefined, context)).toEqual({
      checked: 0,
      immature: 0,
      confirmed: 0,
      orphaned: 0,
      restored: 0,
      busy: false,
    });
  });

  it('payouts answers JSON-safe reports (no bigint) and is idle with nothing owed', async () => {
    const handler = poolHandler(payoutsLambda, { deps: () => deps, log: silent, emit: () => {} });
    expect(await handler({ dryRun: true }, context)).toEqual({ status: 'dry-run', recipients: [] });
    expect(await handler(undefined, context)).toEqual({ status: 'idle' });
  });

  it('payouts reports PayoutsSuspended (1 while suspended, else 0) as a CloudWatch EMF metric every pass', async () => {
    const lines: string[] = [];
    const handler = poolHandler(payoutsLambda, { deps: () => deps, log: silent, emit: (l) => void lines.push(l) });
    const reported = () =>
      lines.map((l) => JSON.parse(l) as Record<string, unknown>).map((r) => [r.Coin, r.PayoutsSuspended]);
    await handler(undefined, context);
    await deps.money.setSuspension('LTC', 'a payout matched two wallet transactions');
    expect(await handler(undefined, context)).toMatchObject({ status: 'suspended' });
    await deps.money.setSuspension('LTC', undefined);
    expect(reported()).toEqual([
      ['LTC', 0],
      ['LTC', 1],
    ]);
    expect(JSON.parse(lines[1]!)._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'Edgepool',
      Metrics: [{ Name: 'PayoutsSuspended' }],
    });
  });

  it("payouts applies the accounts' settings from the accounts table: a held account waits, another is paid at its payout address", async () => {
    const table = await ensureAccountsTable(dynamo.client, 'lambda-accounts');
    const doc = createDocumentClient(dynamo.client);
    const [held, moved, payTo] = [ltcAddress(0x11), ltcAddress(0x12), ltcAddress(0x13)];
    const account = (id: string, address: string, settings: Record<string, unknown>) =>
      Promise.all([
        doc.send(
          new PutCommand({
            TableName: table,
            Item: { pk: accountPk(id), sk: identitySk('LTC', address), kind: kindOf.identity('LTC'), addedAt: 1 },
          }),
        ),
        doc.send(
          new PutCommand({
            TableName: table,
            Item: { pk: accountPk(id), sk: settingsSk('LTC'), kind: kindOf.settings('LTC'), ...settings },
          }),
        ),
      ]);
    await account('a', held, { payoutAddress: payTo, holdUntil: Date.now() + 3_600_000 });
    await account('b', moved, { payoutAddress: payTo });
    await deps.money.putEntries(
      'LTC',
      maturedCredits(
        new Map([
          [held, 20_000_000n],
          [moved, 30_000_000n],
        ]),
        'lb',
        1,
      ),
    );
    const withAccounts = {
      ...deps,
      accounts: { readers: new DynamoAccountReaders({ doc, table }), feeSharePercent: 0 },
    };
    const handler = poolHandler(payoutsLambda, { deps: () => withAccounts, log: silent, emit: () => {} });
    expect(await handler({ dryRun: true }, context)).toEqual({
      status: 'dry-run',
      recipients: [{ account: moved, amount: '30000000', address: payTo }],
    });
  });

  it('refuses to start with an incomplete environment, naming what is missing', () => {
    const r = moneyEnvSchema.safeParse({ POOL_COIN: 'LTC' });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path[0]).sort()).toEqual(
      ['BLOCKS_TABLE', 'LEDGER_TABLE', 'POOL_CONFIG_JSON', 'SHARES_TABLE'].sort(),
    );
    // STATS_TABLE is optional: a merge-mined coin has no stats table (money-deps.test.ts).
    // DAEMON_SECRET_ARN only where the chain family takes one: required when the coin is read (money-deps.test.ts).
  });
});
