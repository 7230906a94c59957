import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsLambda } from '../../../lambdas/accounts/handler.js';
import { lambdaDeps, poolHandler } from '../../../lambdas/shared/pool-handler.js';
import { type AccountApiHarness, PASSWORD, startAccountApi } from '../../helpers/account-api.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { FakeIdentity } from '../../helpers/fake-identity.js';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;
const ctx = { awsRequestId: 'r' } as Context;

const event = (
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string>; sourceIp?: string } = {},
) =>
  ({
    rawPath: path,
    rawQueryString: '',
    headers: opts.headers ?? {},
    requestContext: { http: { method, sourceIp: opts.sourceIp ?? '203.0.113.50' } },
    // API Gateway hands JSON bodies base64-encoded when the client sent them as binary.
    ...(opts.body === undefined
      ? {}
      : { body: Buffer.from(JSON.stringify(opts.body)).toString('base64'), isBase64Encoded: true }),
  }) as unknown as APIGatewayProxyEventV2;

describe('accounts Lambda (API Gateway v2)', () => {
  let dynamo: Dynamo;
  let h: AccountApiHarness;
  let invoke: (e: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

  beforeAll(async () => {
    dynamo = await startDynamo();
    h = await startAccountApi(dynamo, new FakeIdentity());
    const handler = poolHandler(accountsLambda, { deps: () => h.deps, log: silent, emit: () => {} });
    invoke = (e) => handler(e, ctx) as Promise<APIGatewayProxyStructuredResultV2>;
  });
  afterAll(async () => {
    await h.close();
    await dynamo.close();
  });

  it('routes an HTTP API event: base64 body, the Authorization header, the source IP from requestContext', async () => {
    const up = await invoke(event('POST', '/api/account/signup', { body: { email: 'l@x.io', password: PASSWORD } }));
    expect(up.statusCode).toBe(202);
    expect(up.headers?.['cache-control']).toBe('no-store');
    const link = await h.linkToken('l@x.io', 'confirm', /confirm your account/);
    expect(
      (await invoke(event('POST', '/api/account/confirm', { body: { token: link }, sourceIp: '203.0.113.60' })))
        .statusCode,
    ).toBe(200);
    const signIn = await invoke(
      event('POST', '/api/account/signin', { body: { email: 'l@x.io', password: PASSWORD } }),
    );
    const token = JSON.parse(signIn.body!).tokens.accessToken as string;
    const log = await invoke(event('GET', '/api/account/log', { headers: { Authorization: `Bearer ${token}` } }));
    expect(log.statusCode).toBe(200);
    expect(JSON.parse(log.body!).entries[0]).toMatchObject({ kind: 'email-confirmed', ip: '203.0.113.60' });
    // No token: 401.
    expect((await invoke(event('GET', '/api/account/me'))).statusCode).toBe(401);
  });

  it('fails to start without its environment, naming what is missing', async () => {
    await expect(lambdaDeps(accountsLambda, {})).rejects.toThrow(/POOL_ACCOUNTS_TABLE/);
  });
});
