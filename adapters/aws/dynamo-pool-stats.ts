import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { BlockRecord } from '../../core/blocks/block.js';
import type { MinuteBucket, PoolStatsReader } from '../../core/ports/share-store.js';
import type { Tally } from '../../core/shares/aggregate.js';
import { dynamoCall, num, queryAll } from './dynamo-calls.js';
import {
  getTally,
  POOL_TOTAL_KEY,
  type ShareTables,
  type ShareTablesOptions,
  tally,
  toBlockRecord,
} from './share-items.js';

/** PoolStatsReader on DynamoDB: the pool's counters (total, minute buckets in the stats table) and its blocks. */
export class DynamoPoolStatsReader implements PoolStatsReader {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tables: ShareTables;

  constructor(opts: ShareTablesOptions) {
    this.doc = opts.doc;
    this.tables = opts.tables;
  }

  async getPoolStats(coin: string, sinceMinute: number): Promise<MinuteBucket[]> {
    const items = await queryAll(this.doc, 'query', {
      TableName: this.tables(coin).stats,
      KeyConditionExpression: 'pk = :pk AND sk >= :since',
      ExpressionAttributeValues: { ':pk': 'POOL', ':since': sinceMinute },
    });
    return items.map((i) => ({ minute: num(i.sk), ...tally(i) }));
  }

  getPoolTotal(coin: string): Promise<Tally> {
    return getTally(this.doc, this.tables(coin).shares, POOL_TOTAL_KEY);
  }

  async listBlocks(coin: string, limit = 100): Promise<BlockRecord[]> {
    const { Items = [] } = await dynamoCall('list blocks', () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.tables(coin).blocks,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'BLOCK' },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return Items.map(toBlockRecord);
  }
}
