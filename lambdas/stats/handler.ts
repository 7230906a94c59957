import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { DynamoAuxAddressStore } from '../../adapters/aws/dynamo-aux-address-store.js';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { DynamoConversionStore } from '../../adapters/aws/dynamo-conversion-store.js';
import { DynamoLiveStats } from '../../adapters/aws/dynamo-live-stats.js';
import { DynamoMoneyStore } from '../../adapters/aws/dynamo-money-store.js';
import { createDynamoShareStores } from '../../adapters/aws/dynamo-share-store.js';
import { DynamoSwitchingStore } from '../../adapters/aws/dynamo-switching-store.js';
import type { TableNames } from '../../adapters/aws/tables.js';
import { type ApiDeps, handleApi } from '../../app/stats/api.js';
import { publicConversionSchema, publicPoolSchema, publicSwitchingSchema } from '../../app/stats/public.js';
import { isKnownCoin } from '../../core/coins/registry.js';
import { auxChainSchema } from '../../core/config/aux-chains.js';
import { jsonVar, parseJsonVar } from '../../core/config/env.js';
import { registerConfigAuxChains } from '../../core/config/load.js';
import { ConfigError, StorageError } from '../../core/errors.js';
import { poolHandler, poolLambda } from '../shared/pool-handler.js';

/**
 * Set by infra/stacks/api-stack.ts: every coin's table names, and what the API may show of the config. The first two
 * hold deploy-time references, so synth checks that they are set and the function reads their JSON when it starts.
 */
export const statsEnvSchema = z.object({
  POOL_TABLES_JSON: z.string().min(2),
  POOL_PUBLIC_JSON: z.string().min(2),
  /** {"LTC": publicConversion(<coins[].conversion>), …} of the converting coins: miners' payout-currency routes. */
  POOL_CONVERSION_JSON: z.string().optional(),
  /**
   * publicSwitching(<config>) of the switching ports (issue 17), their stratum hosts from their NLBs: /api/switching
   * reads each port's SWITCHING#/SWITCH# items in its first coin's stats table.
   */
  POOL_SWITCHING_JSON: z.string().optional(),
  /**
   * The pool config's `auxChains` (core/config/aux-chains.ts), the definitions of the aux chains the registry does not
   * have built in: registered in the coin registry when the function starts (their parents from POOL_PUBLIC_JSON's
   * `mergedWith`), as parseConfig registers them in every runtime that reads the config. Absent: none.
   */
  POOL_AUX_CHAINS_JSON: jsonVar(z.array(auxChainSchema)).optional(),
});

/**
 * POOL_TABLES_JSON's content (also the notification Lambda's). A merge-mined coin has blocks and ledger tables only
 * (infra/stacks/aux-coin-stack.ts): its parent's shares mine it.
 */
export const tablesSchema = z.record(
  z.string(),
  z.object({ shares: z.string().optional(), stats: z.string().optional(), blocks: z.string(), ledger: z.string() }),
);

export function statsDeps(e: z.output<typeof statsEnvSchema>): ApiDeps {
  const tables = parseJsonVar(tablesSchema, 'POOL_TABLES_JSON', e.POOL_TABLES_JSON);
  const pool = parseJsonVar(publicPoolSchema, 'POOL_PUBLIC_JSON', e.POOL_PUBLIC_JSON);
  registerConfigAuxChains({ auxChains: e.POOL_AUX_CHAINS_JSON ?? [], coins: pool.coins }, 'POOL_AUX_CHAINS_JSON');
  // Every coin the API serves must be known before a route reads its decimals or checks an address of it: a coin
  // the registry lacks fails the start, never one route after another.
  const unknown = pool.coins.filter((c) => !isKnownCoin(c.symbol)).map((c) => c.symbol);
  if (unknown.length > 0)
    throw new ConfigError(
      `POOL_PUBLIC_JSON names ${unknown.join(', ')}, defined neither in the coin registry nor in POOL_AUX_CHAINS_JSON`,
    );
  const conversions = parseJsonVar(
    z.record(z.string(), publicConversionSchema),
    'POOL_CONVERSION_JSON',
    e.POOL_CONVERSION_JSON ?? '{}',
  );
  const of = (coin: string): TableNames => {
    const t = tables[coin];
    if (!t) throw new StorageError(`no tables for coin ${coin}`);
    const only = (name: 'shares' | 'stats') => {
      const table = t[name];
      if (!table) throw new StorageError(`${coin} has no ${name} table (merge-mined: read its parent's)`);
      return table;
    };
    return {
      blocks: t.blocks,
      ledger: t.ledger,
      get shares() {
        return only('shares');
      },
      get stats() {
        return only('stats');
      },
    };
  };
  const switching = parseJsonVar(publicSwitchingSchema, 'POOL_SWITCHING_JSON', e.POOL_SWITCHING_JSON ?? '[]');
  const doc = createDocumentClient(new DynamoDBClient({}));
  const { rounds, miners, poolStats } = createDynamoShareStores({ doc, tables: of });
  return {
    pool,
    rounds,
    miners,
    poolStats,
    money: new DynamoMoneyStore(doc, of),
    // Reported by the stratum containers (fargate/src/live-stats.ts) into each coin's stats table.
    live: new DynamoLiveStats(doc, of, Date.now),
    // Merged mining: miners' aux payout addresses, `AUXADDR` items of the aux coins' ledger tables (the one item kind
    // this function writes there: a miner's signed change, app/stats/aux-address.ts).
    auxAddresses: new DynamoAuxAddressStore({ doc, ledgerTable: (coin) => of(coin).ledger }),
    now: Date.now,
    // Quotes are what the conversion Lambda stored from the exchanges' books (this small function has no ccxt).
    ...(Object.keys(conversions).length > 0
      ? { conversion: { configs: new Map(Object.entries(conversions)), store: new DynamoConversionStore(doc, of) } }
      : {}),
    // A switching port's state and switches are in the stats table of its first coin.
    ...(switching.length > 0
      ? {
          switching: {
            ports: switching,
            store: new DynamoSwitchingStore(doc, (name) => {
              const port = switching.find((p) => p.name === name);
              if (!port) throw new StorageError(`no switching port ${name}`);
              return of(port.coins[0]!).stats;
            }),
          },
        }
      : {}),
  };
}

/** API Gateway HTTP API (payload 2.0) → handleApi. */
export const statsLambda = poolLambda({
  name: 'stats',
  env: statsEnvSchema,
  build: statsDeps,
  run: async (event: APIGatewayProxyEventV2, deps: ApiDeps): Promise<APIGatewayProxyStructuredResultV2> => {
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
  },
});

export const handler = poolHandler(statsLambda);
