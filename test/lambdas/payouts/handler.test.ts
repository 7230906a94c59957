import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
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
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';

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
