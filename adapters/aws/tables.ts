import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { StorageError } from '../../core/errors.js';

/**
 * The DynamoDB tables of one coin, as plain data: the CDK app builds its Table constructs from these, local mode
 * creates them in dynalite with `ensureTables`. One set of tables per coin keeps a coin's load, alarms and
 * retention apart from the others.
 *
 * shares (single table, string keys):
 *   BATCH#<batchId> / BATCH             immutable batch fact: totals, ingest status and lease (TTL 30 days)
 *   SHARE#<PoW hash> / CLAIM            the batch that counts this share (coins whose shares are not bound to a
 *                                       connection: ingest-batch.ts `claimShares`; TTL 30 days after the share)
 *   POOL / TOTAL                        all shares ever ingested
 *   ROUND#<height> / TOTAL              round sums (+ `credit`: PoT credit difficulty)
 *   ROUND#<height> / PART#<batchId>#<n> a batch's per-worker sums of the round, gzip-packed (packed-slices.ts)
 *   MS#<shard> / <minute>#<batchId>#<n> a batch's per-worker sums of a minute for the miners of one of 32 address
 *                                       shards, gzip-packed, with each worker's newest share (TTL: stats retention)
 * stats (per-minute buckets, sort key = minute number, TTL `expiresAt`):
 *   POOL / <minute>
 *   LIVE / <process number>             each stratum process's live snapshot (dynamo-live-stats.ts)
 * blocks (one partition: blocks are rare; sort key orders by height):
 *   BLOCK / <height, 10 digits>#<hash>, GSI byStatus (status, sk) for the confirmer.
 *   An aux chain's block carries `round` {coin, height}: the parent's round that pays it (merged mining).
 */

export type KeyType = 'S' | 'N';

export interface KeyDef {
  name: string;
  type: KeyType;
}

export interface TableDef {
  /** The table is named `<prefix>-<coin lowercase>-<suffix>`. */
  suffix: string;
  partitionKey: KeyDef;
  sortKey?: KeyDef;
  globalSecondaryIndexes: Array<{ indexName: string; partitionKey: KeyDef; sortKey?: KeyDef }>;
  /** Items with this epoch-seconds attribute are deleted by DynamoDB after that time. */
  ttlAttribute?: string;
  /** On-demand: share load follows miners' hashrate, which nobody provisions ahead. */
  billing: 'PAY_PER_REQUEST';
  /** Balances and rounds are money: keep point-in-time recovery on. */
  pointInTimeRecovery: boolean;
}

export const SHARES_TABLE: TableDef = {
  suffix: 'shares',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [],
  ttlAttribute: 'expiresAt',
  billing: 'PAY_PER_REQUEST',
  pointInTimeRecovery: true,
};

export const STATS_TABLE: TableDef = {
  suffix: 'stats',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'N' },
  globalSecondaryIndexes: [],
  ttlAttribute: 'expiresAt',
  billing: 'PAY_PER_REQUEST',
  // Derived, short-lived data: recovery would restore buckets that expire within days anyway.
  pointInTimeRecovery: false,
};

export const BLOCKS_TABLE: TableDef = {
  suffix: 'blocks',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    { indexName: 'byStatus', partitionKey: { name: 'status', type: 'S' }, sortKey: { name: 'sk', type: 'S' } },
  ],
  billing: 'PAY_PER_REQUEST',
  pointInTimeRecovery: true,
};

/**
 * ledger (money: entries are written once and never changed):
 *   ACCT#<account> / <entry id>   one ledger entry (amount as a decimal string of base units)
 *   PAYOUT / <payout id>          a payout and its status; a miner's are named by its own `reserve:<payout id>:…`
 *                                 entries, so its page reads them by key (BatchGet), never the whole PAYOUT partition
 *   STATE / payouts               the suspension flag of the coin's payouts
 *   PPSROUND / <height, 12 digits> what a PPS/PoT round was credited for (its shares' total then)
 *   BALANCE / <account>           the account's balance, kept with its entries (dynamo-ledger-store.ts)
 *   AUXADDR / <account>           an aux coin's ledger: the parent-coin account's payout address on the aux chain
 *                                 (merged mining; dynamo-aux-address-store.ts)
 *   UPSTREAM / <txid>:<vout>      proxy mining: a payment the upstream pool made to the pool address, its fixed split
 *                                 and status (dynamo-upstream-payouts.ts); view UPSTREAM#OPEN until settled
 *   UPSTREAM#SPLIT / <height>#<id>  a payout whose split is fixed at that height: a PROP period's start, one Query
 *   GSI byView (view, time): an entry's `view` is UNAPPLIED until its balance counts it, then ACCT#<account>:
 *   the repair lists what a crash left unapplied, a miner's page reads its newest entries; a payout's is
 *   PAYOUT#OPEN (time = createdAt) until it is confirmed or failed: the passes list the open payouts only
 */
export const LEDGER_TABLE: TableDef = {
  suffix: 'ledger',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    { indexName: 'byView', partitionKey: { name: 'view', type: 'S' }, sortKey: { name: 'time', type: 'N' } },
  ],
  billing: 'PAY_PER_REQUEST',
  pointInTimeRecovery: true,
};

/**
 * The accounts table (issue 19): pool-wide, not per coin (an account spans coins); item layout in account-items.ts.
 * Named `<prefix>-accounts`. Expiring items (tokens, pending changes, rate counters) carry `ttl`; readers check the
 * expiry themselves too (dynalite, and DynamoDB's TTL deletes up to days late).
 */
export const ACCOUNTS_TABLE: TableDef = {
  suffix: 'accounts',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    { indexName: 'byKind', partitionKey: { name: 'kind', type: 'S' }, sortKey: { name: 'pk', type: 'S' } },
  ],
  ttlAttribute: 'ttl',
  billing: 'PAY_PER_REQUEST',
  pointInTimeRecovery: true,
};

export function accountsTableName(prefix: string): string {
  return `${prefix}-${ACCOUNTS_TABLE.suffix}`;
}

/** Creates the accounts table where missing and waits until it is ACTIVE (local mode, tests). */
export async function ensureAccountsTable(client: DynamoDBClient, prefix: string): Promise<string> {
  const name = accountsTableName(prefix);
  await ensureTable(client, ACCOUNTS_TABLE, name);
  return name;
}

export const POOL_TABLES = {
  shares: SHARES_TABLE,
  stats: STATS_TABLE,
  blocks: BLOCKS_TABLE,
  ledger: LEDGER_TABLE,
} as const;

export type TableNames = Record<keyof typeof POOL_TABLES, string>;

export function tableName(prefix: string, coin: string, def: TableDef): string {
  return `${prefix}-${coin.toLowerCase()}-${def.suffix}`;
}

export function tableNames(prefix: string, coin: string): TableNames {
  return {
    shares: tableName(prefix, coin, SHARES_TABLE),
    stats: tableName(prefix, coin, STATS_TABLE),
    blocks: tableName(prefix, coin, BLOCKS_TABLE),
    ledger: tableName(prefix, coin, LEDGER_TABLE),
  };
}

export function createTableInput(def: TableDef, name: string): CreateTableCommandInput {
  const keys = [
    def.partitionKey,
    def.sortKey,
    ...def.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey]),
  ];
  const attributes = new Map<string, KeyType>();
  for (const k of keys) if (k) attributes.set(k.name, k.type);
  const keySchema = (pk: KeyDef, sk?: KeyDef) => [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: name,
    BillingMode: def.billing,
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: keySchema(def.partitionKey, def.sortKey),
    ...(def.globalSecondaryIndexes.length > 0 && {
      GlobalSecondaryIndexes: def.globalSecondaryIndexes.map((g) => ({
        IndexName: g.indexName,
        KeySchema: keySchema(g.partitionKey, g.sortKey),
        Projection: { ProjectionType: 'ALL' as const },
      })),
    }),
  };
}

/**
 * Creates the coin's tables where missing and waits until they are ACTIVE (local mode, tests). TTL is switched on
 * where the endpoint supports it; dynalite does not, and there nothing expires, which local mode can live with.
 */
export async function ensureTables(client: DynamoDBClient, prefix: string, coin: string): Promise<TableNames> {
  const names = tableNames(prefix, coin);
  for (const key of Object.keys(POOL_TABLES) as Array<keyof typeof POOL_TABLES>)
    await ensureTable(client, POOL_TABLES[key], names[key]);
  return names;
}

async function ensureTable(client: DynamoDBClient, def: TableDef, name: string): Promise<void> {
  if (!(await tableExists(client, name))) {
    try {
      await client.send(new CreateTableCommand(createTableInput(def, name)));
    } catch (err) {
      if ((err as Error).name !== 'ResourceInUseException') throw err;
    }
    if (def.ttlAttribute) await enableTtl(client, name, def.ttlAttribute);
  }
  await waitActive(client, name);
}

async function tableExists(client: DynamoDBClient, name: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: name }));
    return true;
  } catch (err) {
    if (err instanceof ResourceNotFoundException || (err as Error).name === 'ResourceNotFoundException') return false;
    throw err;
  }
}

async function enableTtl(client: DynamoDBClient, name: string, attribute: string): Promise<void> {
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
      }),
    );
  } catch (err) {
    // dynalite answers UnknownOperationException; anything else is a real problem.
    if (!/UnknownOperation/i.test((err as Error).name)) throw err;
  }
}

async function waitActive(client: DynamoDBClient, name: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new StorageError(`table ${name} is not ACTIVE after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
