import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Logger } from 'pino';
import { z } from 'zod';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { DynamoConversionStore } from '../../adapters/aws/dynamo-conversion-store.js';
import { DynamoLiveStats } from '../../adapters/aws/dynamo-live-stats.js';
import { DynamoMoneyStore } from '../../adapters/aws/dynamo-money-store.js';
import { DynamoShareStore } from '../../adapters/aws/dynamo-share-store.js';
import type { TableNames } from '../../adapters/aws/tables.js';
import { type ApiDeps, handleApi } from '../../app/stats/api.js';
import { type PublicCoin, publicConversionSchema } from '../../app/stats/public.js';
import { ConfigError, StorageError } from '../../core/errors.js';
import { createLambdaLogger, poolMiddleware } from '../shared/middleware.js';

/** Set by infra/stacks/api-stack.ts: every coin's table names, and what the API may show of the config. */
export const statsEnvSchema = z.object({
  POOL_TABLES_JSON: z.string().min(2),
  POOL_PUBLIC_JSON: z.string().min(2),
  /** {"LTC": publicConversion(<coins[].conversion>), …} of the converting coins: miners' payout-currency routes. */
  POOL_CONVERSION_JSON: z.string().optional(),
});

export function depsFromEnv(env: NodeJS.ProcessEnv = process.env): ApiDeps {
  const parsed = statsEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      'stats environment is invalid',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    );
  }
  const tables = JSON.parse(parsed.data.POOL_TABLES_JSON) as Record<string, TableNames>;
  const pool = JSON.parse(parsed.data.POOL_PUBLIC_JSON) as { name: string; coins: PublicCoin[] };
  const of = (coin: string) => {
    const t = tables[coin];
    if (!t) throw new StorageError(`no tables for coin ${coin}`);
    return t;
  };
  const doc = createDocumentClient(new DynamoDBClient({}));
  const conversions = z
    .record(z.string(), publicConversionSchema)
    .parse(JSON.parse(parsed.data.POOL_CONVERSION_JSON ?? '{}'));
  return {
    pool,
    shares: new DynamoShareStore({ doc, tables: of }),
    money: new DynamoMoneyStore(doc, of),
    // Reported by the stratum containers (fargate/src/live-stats.ts) into each coin's stats table.
    live: new DynamoLiveStats(doc, of, Date.now),
    now: Date.now,
    // Quotes are what the conversion Lambda stored from the exchanges' books (this small function has no ccxt).
    ...(Object.keys(conversions).length > 0
      ? { conversion: { configs: new Map(Object.entries(conversions)), store: new DynamoConversionStore(doc, of) } }
      : {}),
  };
}

/** API Gateway HTTP API (payload 2.0) → handleApi. */
export function createHandler(
  makeDeps: () => ApiDeps = () => depsFromEnv(),
  log: Logger = createLambdaLogger('stats'),
) {
  let deps: ApiDeps | undefined;
  const base = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    deps ??= makeDeps();
    const res = await handleApi(
      {
        method: event.requestContext.http.method,
        path: event.rawPath,
        query: new URLSearchParams(event.rawQueryString ?? ''),
        ...(event.body === undefined
          ? {}
          : { body: event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body }),
      },
      deps,
    );
    return {
      statusCode: res.status,
      headers: res.headers,
      body: res.body,
      isBase64Encoded: res.isBase64Encoded ?? false,
    };
  };
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>(base).use(
    poolMiddleware(log),
  );
}

export const handler = createHandler();
