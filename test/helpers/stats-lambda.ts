import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Environment } from '../../core/config/env.js';
import { poolHandler } from '../../lambdas/shared/pool-handler.js';
import { statsLambda } from '../../lambdas/stats/handler.js';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;

/**
 * The stats Lambda built from `env` as the CDK app sets it (its deps built on the first call), as a function that
 * sends one API Gateway v2 request and returns the status and the parsed JSON body.
 */
export function statsCaller(env: Environment) {
  const handler = poolHandler(statsLambda, { log: silent, env });
  return async (path: string, method = 'GET', body?: object) => {
    const res = (await handler(
      {
        rawPath: path,
        rawQueryString: '',
        requestContext: { http: { method } },
        ...(body ? { body: JSON.stringify(body) } : {}),
      } as unknown as APIGatewayProxyEventV2,
      { awsRequestId: 'r' } as Context,
    )) as { statusCode: number; body: string };
    return { status: res.statusCode, body: JSON.parse(res.body) };
  };
}
