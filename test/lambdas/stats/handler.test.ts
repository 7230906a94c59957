import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import type { ApiDeps } from '../../../app/stats/api.js';
import { ingestBatch } from '../../../core/shares/ingest-batch.js';
import { poolHandler } from '../../../lambdas/shared/pool-handler.js';
import { statsEnvSchema, statsLambda } from '../../../lambdas/stats/handler.js';
import { TEST_POOL } from '../../app/stats/helpers.js';
import { ADDRESS } from '../../fargate/stratum/fakes.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;
const event = (path: string, method = 'GET', query = '') =>
  ({ rawPath: path, rawQueryString: query, requestContext: { http: { method } } }) as unknown as APIGatewayProxyEventV2;

describe('stats Lambda (API Gateway v2)', () => {
  let dynamo: Dynamo;
  let deps: ApiDeps;
  const now = 1_700_000_000_000;

  beforeAll(async () => {
    dynamo = await startDynamo();
    const shares = await dynamo.freshStore();
    const names = dynamo.lastTables!;
    await ingestBatch(
      shares.ingest,
      {
        v: 1,
        batchId: 'b1',
        coin: 'LTC',
        shares: [
          {
            coin: 'LTC',
            miner: ADDRESS,
            worker: 'w1',
            height: 10,
            difficulty: 60,
            actualDifficulty: 60,
            timestamp: now - 30_000,
          },
        ],
      },
      { claim: 'c', now: () => now, leaseMs: 1000 },
    );
    deps = {
      pool: TEST_POOL,
      rounds: shares.rounds,
      miners: shares.miners,
      poolStats: shares.poolStats,
      money: new DynamoMoneyStore(createDocumentClient(dynamo.client), () => names),
      now: () => now,
    };
  });
  afterAll(async () => {
    await dynamo.close();
  });

  const ctx = { awsRequestId: 'r' } as Context;

  it('answers pool and miner stats from storage with cache headers', async () => {
    const handler = poolHandler(statsLambda, { deps: () => deps, log: silent });
    const pool = (await handler(event('/api/pools'), ctx)) as {
      statusCode: number;
      headers: Record<string, string>;
      body: string;
    };
    expect(pool.statusCode).toBe(200);
    expect(pool.headers['cache-control']).toBe('public, max-age=10');
    const body = JSON.parse(pool.body);
    expect(body.coins[0].sharesTotal).toEqual({ shares: 1, difficulty: 60 });
    expect(body.coins[0].hashrate['10m']).toBeCloseTo((60 * 65536) / 600, 3);
    const miner = (await handler(event(`/api/pools/LTC/miners/${ADDRESS}`), ctx)) as {
      statusCode: number;
      body: string;
    };
    const m = JSON.parse(miner.body);
    expect(m.workers).toEqual([expect.objectContaining({ name: 'w1', offline: false })]);
    expect(m.balance).toEqual({ immature: '0', confirmed: '0', pending: '0', paid: '0' });
  });

  it('answers bad input with 400 and a reason, unknown routes with 404, a wrong method 405, never 500', async () => {
    const handler = poolHandler(statsLambda, { deps: () => deps, log: silent });
    const cases: Array<[APIGatewayProxyEventV2, number, RegExp]> = [
      [event('/api/pools/XYZ'), 400, /unknown coin "XYZ"/],
      [event('/api/pools/LTC/miners/1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa'), 400, /not a valid LTC regtest address/],
      [event('/api/pools/LTC/blocks', 'GET', 'limit=0'), 400, /limit must be/],
      [event('/api/pools', 'POST'), 405, /POST is not allowed on \/api\/pools: use GET/],
      [event('/api/nope'), 404, /no API route/],
    ];
    for (const [e, status, message] of cases) {
      const res = (await handler(e, ctx)) as { statusCode: number; headers: Record<string, string>; body: string };
      expect(res.statusCode).toBe(status);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(res.body).error).toMatch(message);
    }
    // The 405's Allow reaches API Gateway's answer.
    const wrongMethod = (await handler(event('/api/pools', 'DELETE'), ctx)) as { headers: Record<string, string> };
    expect(wrongMethod.headers.allow).toBe('GET');
  });

  it('takes one spelling of each query value, so that each answer has one cache key', async () => {
    const handler = poolHandler(statsLambda, { deps: () => deps, log: silent });
    const status = async (path: string, query: string) =>
      ((await handler(event(path, 'GET', query), ctx)) as { statusCode: number }).statusCode;
    for (const query of ['limit=050', 'limit=5e1', 'limit=50.0', 'limit=+50', 'limit=%2050', 'limit=0x32'])
      expect(await status('/api/pools/LTC/blocks', query), query).toBe(400);
    for (const query of ['hours=24.0', 'hours=024', 'hours=2.4e1'])
      expect(await status('/api/pools/LTC/history', query), query).toBe(400);
    expect(await status('/api/pools/LTC/blocks', 'limit=50')).toBe(200);
    expect(await status('/api/pools/LTC/history', 'hours=24')).toBe(200);
    // Parameters the API does not read are not in CloudFront's cache key either: ignored.
    expect(await status('/api/pools/LTC/blocks', 'limit=50&utm_source=x')).toBe(200);
  });

  it('requires its environment', () => {
    expect(statsEnvSchema.safeParse({}).success).toBe(false);
  });
});
