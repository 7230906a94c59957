import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { BlockCredit } from '../../core/blocks/block.js';
import type { UpstreamPayoutStore } from '../../core/ports/upstream-payouts.js';
import type { UpstreamPayout, UpstreamPayoutStatus } from '../../core/proxy/upstream-payouts.js';
import { batchGetAll, conditionalWrite, dynamoCall, num, queryAll } from './dynamo-calls.js';
import { roundKey } from './dynamo-ledger-state.js';
import type { TableNames } from './tables.js';

/**
 * The `view` of an upstream payout not settled yet: the ledger table's byView index (view, time = seenAt) lists
 * them, so a pass never reads every upstream payout ever received. Set with the record, removed by the write that
 * settles it.
 */
export const OPEN_UPSTREAM_VIEW = 'UPSTREAM#OPEN';

/**
 * `UPSTREAM#SPLIT / <height, 12 digits>#<txid>:<vout>`: one item per payout whose split is fixed, ordered by height,
 * so a PROP period's start is one Query (`sk <` the height, newest first, one item), never a read of every payout.
 */
const SPLIT_PK = 'UPSTREAM#SPLIT';

/** Proxy mining's upstream payouts on the coin's ledger table (`UPSTREAM / <txid>:<vout>`). */
export class DynamoUpstreamPayoutStore implements UpstreamPayoutStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: (coin: string) => Pick<TableNames, 'ledger'>,
  ) {}

  recordUpstreamPayout(coin: string, p: UpstreamPayout): Promise<boolean> {
    return conditionalWrite('record upstream payout', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tables(coin).ledger,
          Item: {
            pk: 'UPSTREAM',
            sk: p.id,
            txid: p.txid,
            vout: p.vout,
            amount: p.amount.toString(),
            status: p.status,
            seenAt: p.seenAt,
            // Open (listed by each pass) until settled; an ignored one never is.
            ...(p.status === 'pending' || p.status === 'credited' ? { view: OPEN_UPSTREAM_VIEW, time: p.seenAt } : {}),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  setUpstreamCredits(coin: string, id: string, height: number, credits: BlockCredit[]): Promise<boolean> {
    return conditionalWrite('fix upstream payout credits', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tables(coin).ledger,
          Key: { pk: 'UPSTREAM', sk: id },
          UpdateExpression: 'SET credits = :c, height = :h',
          // Only a recorded, pending payout, and only once: a rerun's split never replaces the first.
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(credits) AND #s = :pending',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':c': credits.map((c) => ({ account: c.account, role: c.role, amount: c.amount.toString() })),
            ':h': height,
            ':pending': 'pending',
          },
        }),
      ),
    );
  }

  setUpstreamStatus(coin: string, id: string, from: UpstreamPayoutStatus, to: UpstreamPayoutStatus): Promise<boolean> {
    // Credited needs its split: a payout is never marked credited without the entries it stands for.
    const condition = to === 'pending' ? '#s = :from' : '#s = :from AND attribute_exists(credits)';
    return conditionalWrite('move upstream payout', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tables(coin).ledger,
          Key: { pk: 'UPSTREAM', sk: id },
          UpdateExpression: to === 'settled' ? 'SET #s = :to REMOVE #v' : 'SET #s = :to',
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#s': 'status', ...(to === 'settled' ? { '#v': 'view' } : {}) },
          ExpressionAttributeValues: { ':from': from, ':to': to },
        }),
      ),
    );
  }

  async getUpstreamPayout(coin: string, id: string): Promise<UpstreamPayout | undefined> {
    const { Item } = await dynamoCall('get upstream payout', () =>
      this.doc.send(
        new GetCommand({ TableName: this.tables(coin).ledger, Key: { pk: 'UPSTREAM', sk: id }, ConsistentRead: true }),
      ),
    );
    return Item ? toUpstreamPayout(Item) : undefined;
  }

  async listOpenUpstreamPayouts(coin: string): Promise<UpstreamPayout[]> {
    const table = this.tables(coin).ledger;
    const listed = await queryAll(this.doc, 'list open upstream payouts', {
      TableName: table,
      IndexName: 'byView',
      KeyConditionExpression: '#v = :v',
      ExpressionAttributeNames: { '#v': 'view' },
      ExpressionAttributeValues: { ':v': OPEN_UPSTREAM_VIEW },
    });
    // The index lags the table: each is read again (consistent), and one settled meanwhile is left out.
    const keys = listed.map((i) => ({ pk: 'UPSTREAM', sk: String(i.sk) }));
    return (await batchGetAll(this.doc, 'get upstream payouts', table, keys, true))
      .map(toUpstreamPayout)
      .filter((p) => p.status === 'pending' || p.status === 'credited')
      .sort((a, b) => a.seenAt - b.seenAt || (a.id < b.id ? -1 : 1));
  }

  async markUpstreamSplit(coin: string, id: string, height: number): Promise<void> {
    // The same item each time: written again after a crash, nothing changes.
    await dynamoCall('mark upstream split', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tables(coin).ledger,
          Item: { pk: SPLIT_PK, sk: `${roundKey(height)}#${id}`, id, height },
        }),
      ),
    );
  }

  async previousSplitHeight(coin: string, height: number): Promise<number> {
    const { Items } = await dynamoCall('previous upstream split', () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.tables(coin).ledger,
          KeyConditionExpression: 'pk = :pk AND sk < :h',
          ExpressionAttributeValues: { ':pk': SPLIT_PK, ':h': roundKey(height) },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      ),
    );
    const previous = Items?.[0];
    return previous ? num(previous.height) : -1;
  }

  async listUpstreamPayouts(coin: string): Promise<UpstreamPayout[]> {
    const items = await queryAll(this.doc, 'list upstream payouts', {
      TableName: this.tables(coin).ledger,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'UPSTREAM' },
      ConsistentRead: true,
    });
    return items.map(toUpstreamPayout);
  }
}

function toUpstreamPayout(i: Record<string, unknown>): UpstreamPayout {
  const credits = i.credits as { account: string; role: BlockCredit['role']; amount: string }[] | undefined;
  return {
    id: String(i.sk),
    txid: String(i.txid),
    vout: num(i.vout),
    amount: BigInt(String(i.amount)),
    status: i.status as UpstreamPayoutStatus,
    seenAt: num(i.seenAt),
    ...(i.height === undefined ? {} : { height: num(i.height) }),
    ...(credits
      ? { credits: credits.map((c) => ({ account: c.account, role: c.role, amount: BigInt(c.amount) })) }
      : {}),
  };
}
