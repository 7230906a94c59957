import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoSwitchingStore } from '../../../adapters/aws/dynamo-switching-store.js';
import { ensureTables } from '../../../adapters/aws/tables.js';
import type { PublicSwitchingPort } from '../../../app/stats/switching.js';
import { poolHandler } from '../../../lambdas/shared/pool-handler.js';
import { statsLambda } from '../../../lambdas/stats/handler.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;
const ctx = { awsRequestId: 'r' } as Context;
const NOW = Date.now();

/** A sha256d port over BTC and BCH, paying in BTC, as the CDK app writes it into POOL_SWITCHING_JSON. */
const PORT: PublicSwitchingPort = {
  name: 'sha',
  algorithm: 'sha256d',
  coins: ['BTC', 'BCH'],
  payoutCurrency: 'BTC',
  ports: [{ port: 3340, tls: false, difficulty: { initial: 64, min: 8, max: 65536 } }],
  stratumHost: 'sha-nlb.elb.amazonaws.com',
};

/**
 * The stats Lambda built from its environment as the CDK app sets it: /api/switching reads what the switching task
 * recorded (SWITCHING#/SWITCH# items) in the stats table of the port's first coin, on dynalite.
 */
describe('stats Lambda: the switching routes from POOL_SWITCHING_JSON', () => {
  let dynamo: Dynamo;
  const saved = { ...process.env };
  let tables: Record<string, object>;

  beforeAll(async () => {
    dynamo = await startDynamo();
    tables = {
      BTC: await ensureTables(dynamo.client, 'sw', 'BTC'),
      BCH: await ensureTables(dynamo.client, 'sw', 'BCH'),
    };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.server.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    // What the switching task writes, in BTC's stats table.
    const store = new DynamoSwitchingStore(
      createDocumentClient(dynamo.client),
      () => (tables.BTC as { stats: string }).stats,
    );
    await store.putState({
      port: 'sha',
      algorithm: 'sha256d',
      quote: 'BTC',
      current: 'BCH',
      since: NOW - 60_000,
      table: [
        { coin: 'BTC', earningsPerTerahash: '1.0', reward: '312500000', healthy: true, eligible: true },
        { coin: 'BCH', earningsPerTerahash: '1.2', reward: '312500000', healthy: true, eligible: true },
      ],
      at: NOW - 1_000,
    });
    await store.recordSwitch({ port: 'sha', at: NOW - 60_000, from: 'BTC', to: 'BCH', reason: 'BCH earns 20% more' });
  });
  afterAll(async () => {
    process.env = saved;
    await dynamo.close();
  });

  const handlerWith = (switching?: readonly PublicSwitchingPort[]) =>
    poolHandler(statsLambda, {
      log: silent,
      env: {
        POOL_TABLES_JSON: JSON.stringify(tables),
        POOL_PUBLIC_JSON: JSON.stringify({ name: 'pool', coins: [] }),
        ...(switching ? { POOL_SWITCHING_JSON: JSON.stringify(switching) } : {}),
      },
    });
  const call = async (handler: ReturnType<typeof handlerWith>, path: string) => {
    const res = (await handler(
      {
        rawPath: path,
        rawQueryString: '',
        requestContext: { http: { method: 'GET' } },
      } as unknown as APIGatewayProxyEventV2,
      ctx,
    )) as { statusCode: number; body: string };
    return { status: res.statusCode, body: JSON.parse(res.body) };
  };

  it('lists the port with the coin the task mines now and its profitability table', async () => {
    const { status, body } = await call(handlerWith([PORT]), '/api/switching');
    expect(status).toBe(200);
    expect(body.ports).toHaveLength(1);
    expect(body.ports[0]).toMatchObject({ name: 'sha', payoutCurrency: 'BTC', stratumHost: PORT.stratumHost });
    expect(JSON.stringify(body.ports[0])).toContain('"current":"BCH"');
  });

  it('answers the port’s switch history, and 404 for a port it was not given', async () => {
    const handler = handlerWith([PORT]);
    const history = await call(handler, '/api/switching/sha/history');
    expect(history.status).toBe(200);
    expect(JSON.stringify(history.body)).toContain('BCH earns 20% more');
    expect((await call(handler, '/api/switching/scrypt/history')).status).toBe(404);
  });

  it('without POOL_SWITCHING_JSON lists no ports', async () => {
    expect((await call(handlerWith(), '/api/switching')).body).toEqual({ ports: [] });
  });
});
