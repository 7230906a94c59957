import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { LiveSnapshot, LiveStatsSource } from '../../core/ports/live-stats.js';
import { dynamoCall, num } from './dynamo-calls.js';
import type { TableNames } from './tables.js';

/**
 * Live snapshots in the coin's stats table: `LIVE / <process number>`, one small item per stratum process,
 * overwritten every few seconds and expired by TTL. Reading is one Query of one partition.
 */
export const LIVE_PARTITION = 'LIVE';
const PK = LIVE_PARTITION;

/** Written by a stratum process (fargate/src/live-stats.ts). `process` is a random integer unique per process. */
export async function putLiveSnapshot(
  doc: DynamoDBDocumentClient,
  table: string,
  process: number,
  snap: LiveSnapshot,
  ttlSeconds = 3600,
): Promise<void> {
  await dynamoCall('put live snapshot', () =>
    doc.send(
      new PutCommand({
        TableName: table,
        Item: { pk: PK, sk: process, ...snap, expiresAt: Math.floor(snap.at / 1000) + ttlSeconds },
      }),
    ),
  );
}

/**
 * Merges the fresh snapshots of a coin's processes: the newest job wins, online counts add up (a miner whose workers
 * are spread over several processes counts once per process: behind one NLB that is rare and only inflates a count).
 */
export function mergeSnapshots(snaps: readonly LiveSnapshot[]): LiveSnapshot | undefined {
  if (snaps.length === 0) return undefined;
  const newest = snaps.reduce((a, b) =>
    b.jobHeight > a.jobHeight || (b.jobHeight === a.jobHeight && b.at > a.at) ? b : a,
  );
  return {
    ...newest,
    miners: snaps.reduce((n, s) => n + s.miners, 0),
    workers: snaps.reduce((n, s) => n + s.workers, 0),
    at: Math.max(...snaps.map((s) => s.at)),
  };
}

export class DynamoLiveStats implements LiveStatsSource {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: (coin: string) => Pick<TableNames, 'stats'>,
    private readonly now: () => number,
    /** A process that has not reported for this long is gone (it reports every few seconds). */
    private readonly staleMs = 60_000,
  ) {}

  async get(coin: string): Promise<LiveSnapshot | undefined> {
    const { Items = [] } = await dynamoCall('query live snapshots', () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.tables(coin).stats,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': PK },
        }),
      ),
    );
    const fresh = Items.map(
      (i): LiveSnapshot => ({
        jobHeight: num(i.jobHeight),
        networkDifficulty: num(i.networkDifficulty),
        miners: num(i.miners),
        workers: num(i.workers),
        windowMs: num(i.windowMs),
        at: num(i.at),
      }),
    ).filter((s) => this.now() - s.at <= this.staleMs);
    return mergeSnapshots(fresh);
  }
}
