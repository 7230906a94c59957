import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../adapters/aws/dynamo-client.js';
import { DynamoConversionStore } from '../adapters/aws/dynamo-conversion-store.js';
import { DynamoMoneyStore } from '../adapters/aws/dynamo-money-store.js';
import { createDynamoShareStores, type DynamoShareStores } from '../adapters/aws/dynamo-share-store.js';
import { ensureTables, type TableNames } from '../adapters/aws/tables.js';
import { startDynalite } from '../adapters/local/dynalite-server.js';
import { StorageError } from '../core/errors.js';

/** Table names locally: the same definitions as in AWS, under this prefix. */
export const LOCAL_TABLE_PREFIX = 'edgepool-local';

export interface LocalStorage {
  endpoint: string;
  client: DynamoDBClient;
  /** The share ports (ingest, rounds, miners, pool stats) on the local tables. */
  shares: DynamoShareStores;
  money: DynamoMoneyStore;
  /** Conversion records and miners' payout-currency preferences (on each source coin's ledger table). */
  conversions: DynamoConversionStore;
  tables: Map<string, TableNames>;
  close(): Promise<void>;
}

/**
 * DynamoDB-compatible storage in-process: dynalite persisted under `<dataDir>/dynamodb` (LevelDB), with the tables
 * created from adapters/aws/tables.ts, the definitions the CDK app deploys.
 */
export async function startLocalStorage(opts: { dataDir?: string; coins: string[] }): Promise<LocalStorage> {
  let path: string | undefined;
  if (opts.dataDir) {
    path = join(opts.dataDir, 'dynamodb');
    await mkdir(path, { recursive: true });
  }
  const server = await startDynalite({ path });
  const client = new DynamoDBClient({
    endpoint: server.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const tables = new Map<string, TableNames>();
  for (const coin of opts.coins) tables.set(coin, await ensureTables(client, LOCAL_TABLE_PREFIX, coin));
  const namesOf = (coin: string) => {
    const names = tables.get(coin);
    if (!names) throw new StorageError(`no tables for coin ${coin}`);
    return names;
  };
  const doc = createDocumentClient(client);
  const shares = createDynamoShareStores({ doc, tables: namesOf });
  const money = new DynamoMoneyStore(doc, namesOf);
  const conversions = new DynamoConversionStore(doc, namesOf);
  return {
    endpoint: server.endpoint,
    client,
    shares,
    money,
    conversions,
    tables,
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
}
