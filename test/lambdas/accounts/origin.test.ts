import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsLambda } from '../../../lambdas/accounts/handler.js';
import { clientAddress, ORIGIN_SECRET_HEADER, VIEWER_IP_HEADER } from '../../../lambdas/accounts/origin.js';
import { poolHandler } from '../../../lambdas/shared/pool-handler.js';
import { type AccountApiHarness, PASSWORD, startAccountApi } from '../../helpers/account-api.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { FakeIdentity } from '../../helpers/fake-identity.js';

const SECRET = 'origin-secret-only-cloudfront-knows';
const EDGE = '130.176.0.10'; // a CloudFront edge server, as API Gateway sees every request through the distribution

describe('the client address behind CloudFront', () => {
  it('takes CloudFront’s viewer header only from a request that carries the origin secret', () => {
    const through = { [ORIGIN_SECRET_HEADER]: SECRET, [VIEWER_IP_HEADER]: '198.51.100.7' };
    expect(clientAddress(through, EDGE, SECRET)).toBe('198.51.100.7');
    expect(clientAddress({ ...through, [VIEWER_IP_HEADER]: '2001:db8::1' }, EDGE, SECRET)).toBe('2001:db8::1');
    // Straight to the HTTP API (no secret, a wrong one, or one of another length): not a client at all.
    expect(clientAddress({ [VIEWER_IP_HEADER]: '198.51.100.7' }, EDGE, SECRET)).toBeUndefined();
    expect(
      clientAddress({ ...through, [ORIGIN_SECRET_HEADER]: `${SECRET.slice(0, -1)}x` }, EDGE, SECRET),
    ).toBeUndefined();
    expect(clientAddress({ ...through, [ORIGIN_SECRET_HEADER]: 'short' }, EDGE, SECRET)).toBeUndefined();
    // A viewer header that is not an address: the connection's own.
    expect(clientAddress({ ...through, [VIEWER_IP_HEADER]: '1.2.3.4, 5.6.7.8' }, EDGE, SECRET)).toBe(EDGE);
    // No distribution in front (no secret configured): the connection's address, whatever the headers say.
    expect(clientAddress({ [VIEWER_IP_HEADER]: '198.51.100.7' }, '203.0.113.5', undefined)).toBe('203.0.113.5');
  });
});

describe('the accounts Lambda behind CloudFront', () => {
  let dynamo: Dynamo;
  let h: AccountApiHarness;
  let invoke: (e: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;
  const event = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    ({
      rawPath: path,
      rawQueryString: '',
      headers,
      requestContext: { http: { method, sourceIp: EDGE } },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }) as unknown as APIGatewayProxyEventV2;

  beforeAll(async () => {
    dynamo = await startDynamo();
    h = await startAccountApi(dynamo, new FakeIdentity());
    const handler = poolHandler(accountsLambda, {
      deps: () => ({ ...h.deps, originSecret: SECRET }),
      log: silent,
      emit: () => {},
    });
    invoke = (e) => handler(e, { awsRequestId: 'r' } as Context) as Promise<APIGatewayProxyStructuredResultV2>;
  });
  afterAll(async () => {
    await h.close();
    await dynamo.close();
  });

  it('refuses a request that went around CloudFront, even with a viewer header of its own', async () => {
    const res = await invoke(
      event(
        'POST',
        '/api/account/signup',
        { [VIEWER_IP_HEADER]: '198.51.100.99' },
        { email: 'a@x.io', password: PASSWORD },
      ),
    );
    expect(res.statusCode).toBe(403);
    expect(res.headers?.['cache-control']).toBe('no-store');
    expect(h.sink.mails()).toHaveLength(0);
  });

  it('logs the viewer’s address CloudFront sent, not the edge server’s', async () => {
    const via = (ip: string) => ({ [ORIGIN_SECRET_HEADER]: SECRET, [VIEWER_IP_HEADER]: ip });
    const up = await invoke(
      event('POST', '/api/account/signup', via('198.51.100.7'), { email: 'b@x.io', password: PASSWORD }),
    );
    expect(up.statusCode).toBe(202);
    const token = await h.linkToken('b@x.io', 'confirm', /confirm your account/);
    expect(
      (await invoke(event('POST', '/api/account/confirm', via('198.51.100.8'), { token, password: PASSWORD })))
        .statusCode,
    ).toBe(200);
    const signIn = await invoke(
      event('POST', '/api/account/signin', via('198.51.100.8'), { email: 'b@x.io', password: PASSWORD }),
    );
    const access = JSON.parse(signIn.body!).tokens.accessToken as string;
    const log = await invoke(
      event('GET', '/api/account/log', { ...via('198.51.100.8'), authorization: `Bearer ${access}` }),
    );
    expect(JSON.parse(log.body!).entries[0]).toMatchObject({ kind: 'email-confirmed', ip: '198.51.100.8' });
    expect(log.body).not.toContain(EDGE);
  });
});
