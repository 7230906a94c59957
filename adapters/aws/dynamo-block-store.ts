import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BlockCredit, BlockStatus, MoneyBlock } from '../../core/blocks/block.js';
import type { BlockStore } from '../../core/ports/money-store.js';
import { conditionalWrite, dynamoCall, num, queryAll } from './dynamo-calls.js';
import { blockSortKey, toBlockRecord } from './share-items.js';
import type { TableNames } from './tables.js';

/** The blocks table as confirmation moves it: by status (the byStatus index) and by height (the sort key). */
export class DynamoBlockStore implements BlockStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: (coin: string) => Pick<TableNames, 'blocks'>,
  ) {}

  async listUnsettledBlocks(coin: string, orphanedFrom = 0): Promise<MoneyBlock[]> {
    const out: MoneyBlock[] = [];
    for (const status of ['pending', 'immature', 'orphaned'] as const) {
      const from = status === 'orphaned' ? Math.max(orphanedFrom, 0) : 0;
      const items = await queryAll(this.doc, 'list blocks by status', {
        TableName: this.tables(coin).blocks,
        IndexName: 'byStatus',
        KeyConditionExpression: '#s = :s AND sk >= :from',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': status, ':from': blockSortKey(from, '') },
      });
      out.push(...items.map(toBlock));
    }
    return out.sort((a, b) => a.height - b.height);
  }

  async listAllBlocks(coin: string): Promise<MoneyBlock[]> {
    const items = await queryAll(this.doc, 'list blocks', {
      TableName: this.tables(coin).blocks,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'BLOCK' },
    });
    return items.map(toBlock);
  }

  async previousBlockHeight(coin: string, height: number): Promise<number> {
    // Newest first below `height`, a page at a time: orphans are rare, so the first page nearly always answers.
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamoCall('find previous block', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tables(coin).blocks,
            KeyConditionExpression: 'pk = :pk AND sk < :below',
            FilterExpression: '#s <> :orphaned',
            ExpressionAttributeNames: { '#s': 'status', '#r': 'round' },
            ExpressionAttributeValues: { ':pk': 'BLOCK', ':below': blockSortKey(height, ''), ':orphaned': 'orphaned' },
            // An aux chain's block: its round's height (the parent's), where the next block's PROP round starts.
            ProjectionExpression: 'height, #r',
            ScanIndexForward: false,
            Limit: 16,
            ExclusiveStartKey: start,
            ConsistentRead: true,
          }),
        ),
      );
      const found = page.Items?.[0];
      if (found) return num((found.round as { height?: unknown } | undefined)?.height ?? found.height);
      start = page.LastEvaluatedKey;
    } while (start);
    return -1;
  }

  async getBlock(coin: string, height: number, hash: string): Promise<MoneyBlock | undefined> {
    const { Item } = await dynamoCall('get block', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tables(coin).blocks,
          Key: { pk: 'BLOCK', sk: blockSortKey(height, hash) },
          ConsistentRead: true,
        }),
      ),
    );
    return Item ? toBlock(Item) : undefined;
  }

  setBlockCredits(coin: string, block: MoneyBlock, credits: BlockCredit[], chainReward: bigint): Promise<boolean> {
    return conditionalWrite('fix block credits', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tables(coin).blocks,
          Key: { pk: 'BLOCK', sk: blockSortKey(block.height, block.hash) },
          UpdateExpression: 'SET credits = :c, chainReward = :r',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(credits)',
          ExpressionAttributeValues: {
            ':c': credits.map((c) => ({ account: c.account, role: c.role, amount: c.amount.toString() })),
            ':r': chainReward.toString(),
          },
        }),
      ),
    );
  }

  setBlockStatus(
    coin: string,
    block: MoneyBlock,
    from: BlockStatus,
    to: BlockStatus,
    confirmations: number,
    trips?: { from: number; to: number },
  ): Promise<boolean> {
    const values: Record<string, unknown> = { ':to': to, ':from': from, ':n': confirmations };
    let update = 'SET #s = :to, confirmations = :n';
    let condition = '#s = :from';
    if (trips) {
      Object.assign(values, { ':tf': trips.from, ':tt': trips.to });
      update += ', trips = :tt';
      condition += trips.from === 0 ? ' AND (attribute_not_exists(trips) OR trips = :tf)' : ' AND trips = :tf';
    }
    return conditionalWrite('set block status', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tables(coin).blocks,
          Key: { pk: 'BLOCK', sk: blockSortKey(block.height, block.hash) },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }
}

function toBlock(i: Record<string, unknown>): MoneyBlock {
  return {
    ...toBlockRecord(i),
    confirmations: i.confirmations === undefined ? undefined : num(i.confirmations),
    chainReward: i.chainReward === undefined ? undefined : BigInt(String(i.chainReward)),
    trips: i.trips === undefined ? undefined : num(i.trips),
    credits: (i.credits as { account: string; role: BlockCredit['role']; amount: string }[] | undefined)?.map((c) => ({
      account: c.account,
      role: c.role,
      amount: BigInt(c.amount),
    })),
  };
}
