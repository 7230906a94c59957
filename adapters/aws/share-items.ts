import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { BlockRecord } from '../../core/blocks/block.js';
import type { Counter, Tally } from '../../core/shares/aggregate.js';
import { dynamoCall, num } from './dynamo-calls.js';
import type { TableNames } from './tables.js';

/**
 * The item layout the share adapters (ingest, round, miner and pool readers) and the money store share: keys,
 * counters and codecs. Key layout: adapters/aws/tables.ts. Internal to adapters/aws.
 */

/** The tables of a coin; throws for a coin this deployment does not serve. */
export type ShareTables = (coin: string) => Pick<TableNames, 'shares' | 'stats' | 'blocks'>;

export interface ShareTablesOptions {
  /** Build it with `createDocumentClient` so that large sums come back without precision errors. */
  doc: DynamoDBDocumentClient;
  tables: ShareTables;
}

const DAY_S = 86_400;
/** Per-minute buckets are kept this long (the dashboard shows at most a week). */
export const DEFAULT_STATS_TTL_SECONDS = 7 * DAY_S;
/** Batch items are kept this long to recognise redeliveries: longer than SQS retention (14 days) plus spool age. */
export const DEFAULT_BATCH_TTL_SECONDS = 30 * DAY_S;

/**
 * Share claims (coins whose shares are not bound to a connection) are kept as long as batch items, measured from
 * the share's acceptance: the twin of a share may arrive that late (held in a task's spool while the queue was away).
 */
export const DEFAULT_SHARE_CLAIM_TTL_SECONDS = DEFAULT_BATCH_TTL_SECONDS;

export const BATCH_SK = 'BATCH';
export const TOTAL = 'TOTAL';

export const batchKey = (batchId: string) => ({ pk: `BATCH#${batchId}`, sk: BATCH_SK });
/** A claimed share, by its PoW hash: one partition per share, so claims spread over the table's partitions. */
export const shareClaimKey = (hash: string) => ({ pk: `SHARE#${hash}`, sk: 'CLAIM' });
export const roundPk = (height: number) => `ROUND#${height}`;
/** The height of a round's partition key (roundPk). */
export const heightOfRoundPk = (pk: unknown) => Number(String(pk).slice('ROUND#'.length));
/** The partition of a miner shard's per-minute items (packed-slices.ts `minerShard`). */
export const minerShardPk = (shard: number) => `MS#${shard}`;
export const POOL_TOTAL_KEY = { pk: 'POOL', sk: TOTAL };

/** Minute numbers in miner shard sort keys: zero-padded so that string order is time order. */
export const minuteKey = (minute: number) => String(minute).padStart(10, '0');
/** The minute of a miner shard item, from its sort key (`<minuteKey>#<batch>#<n>`). */
export const minuteOfSortKey = (sk: unknown) => String(sk).slice(0, 10);

/** Where a counter lives, and the attributes it carries besides its sums. */
export interface CounterLocation {
  table: 'shares' | 'stats';
  key: { pk: string; sk: string | number };
  attrs: Record<string, unknown>;
}

export function locateCounter(c: Counter): CounterLocation {
  switch (c.kind) {
    case 'poolTotal':
      return { table: 'shares', key: POOL_TOTAL_KEY, attrs: {} };
    case 'round':
      return { table: 'shares', key: { pk: roundPk(c.height), sk: TOTAL }, attrs: { height: c.height } };
    case 'poolMinute':
      return { table: 'stats', key: { pk: 'POOL', sk: c.minute }, attrs: {} };
  }
}

export function tally(item: Record<string, unknown> | undefined): Tally {
  return { shares: num(item?.shares), difficulty: num(item?.difficulty) };
}

/** One counter item's sums (zero when it was never written). */
export async function getTally(
  doc: DynamoDBDocumentClient,
  table: string,
  key: { pk: string; sk: string },
): Promise<Tally> {
  const { Item } = await dynamoCall('get', () => doc.send(new GetCommand({ TableName: table, Key: key })));
  return tally(Item);
}

/** Height first, zero-padded, so that the sort key orders blocks by height. */
export function blockSortKey(height: number, hash: string): string {
  return `${String(height).padStart(10, '0')}#${hash}`;
}

/** A blocks-table item as the domain sees it (shared with the money store, which adds its own fields). */
export function toBlockRecord(i: Record<string, unknown>): BlockRecord {
  return {
    coin: String(i.coin),
    status: i.status as BlockRecord['status'],
    height: num(i.height),
    hash: String(i.hash),
    reward: String(i.reward),
    networkDifficulty: num(i.networkDifficulty),
    submitResult: String(i.submitResult),
    miner: String(i.miner),
    worker: String(i.worker),
    shareDifficulty: num(i.shareDifficulty),
    actualDifficulty: num(i.actualDifficulty),
    time: num(i.time),
    ...(isRound(i.round) ? { round: { coin: i.round.coin, height: num(i.round.height) } } : {}),
  };
}

/** An aux chain block's paying round as stored (a map `{coin, height}`). */
function isRound(r: unknown): r is { coin: string; height: unknown } {
  return typeof r === 'object' && r !== null && typeof (r as { coin?: unknown }).coin === 'string';
}
