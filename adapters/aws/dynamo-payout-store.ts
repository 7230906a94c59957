import { BatchGetCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  canTransition,
  IllegalPayoutTransitionError,
  isUnsentStatus,
  type PayoutRecord,
  type PayoutStatus,
} from '../../core/ledger/payouts.js';
import type { PayoutStore } from '../../core/ports/money-store.js';
import { conditionalWrite, dynamoCall, num, queryAll } from './dynamo-calls.js';
import type { TableNames } from './tables.js';

/** Payouts on the ledger table (`PAYOUT / <id>`): statuses change only from an expected one. */
export class DynamoPayoutStore implements PayoutStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: (coin: string) => Pick<TableNames, 'ledger'>,
  ) {}

  createPayout(coin: string, p: PayoutRecord): Promise<boolean> {
    return conditionalWrite('create payout', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tables(coin).ledger,
          Item: {
            pk: 'PAYOUT',
            sk: p.id,
            coin: p.coin,
            status: p.status,
            recipients: p.recipients.map((r) => ({ account: r.account, amount: r.amount.toString() })),
            total: p.total.toString(),
            createdAt: p.createdAt,
            updatedAt: p.updatedAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async transitionPayout(
    coin: string,
    id: string,
    from: PayoutStatus,
    to: PayoutStatus,
    set: { txid?: string; historyMark?: string } = {},
  ): Promise<boolean> {
    // The rules of core/ledger/payouts.ts, enforced by the write itself so that no caller can break them.
    if (!canTransition(from, to)) throw new IllegalPayoutTransitionError(id, from, to);
    const values: Record<string, unknown> = { ':from': from, ':to': to, ':now': Date.now() };
    let update = 'SET #s = :to, updatedAt = :now';
    let condition = '#s = :from';
    if (set.txid) {
      update += ', txid = :txid';
      values[':txid'] = set.txid;
      condition += ' AND (attribute_not_exists(txid) OR txid = :txid)'; // a recorded txid is never replaced
    }
    if (set.historyMark) {
      update += ', historyMark = if_not_exists(historyMark, :mark)'; // where the first attempt started
      values[':mark'] = set.historyMark;
    }
    // A payout whose transaction went out never returns to a state from which it would be sent again.
    if (isUnsentStatus(to)) condition += ' AND attribute_not_exists(txid)';
    return conditionalWrite('transition payout', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tables(coin).ledger,
          Key: { pk: 'PAYOUT', sk: id },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async listPayouts(coin: string): Promise<PayoutRecord[]> {
    const items = await queryAll(this.doc, 'list payouts', {
      TableName: this.tables(coin).ledger,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'PAYOUT' },
    });
    return items.map(toPayout);
  }

  async getPayouts(coin: string, ids: readonly string[]): Promise<PayoutRecord[]> {
    const table = this.tables(coin).ledger;
    const out: PayoutRecord[] = [];
    // BatchGetItem takes 100 keys; keys DynamoDB leaves unprocessed (throttling) are asked again.
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = [...new Set(ids.slice(i, i + 100))].map((id) => ({
        pk: 'PAYOUT',
        sk: id,
      }));
      while (keys && keys.length > 0) {
        const page = await dynamoCall('get payouts', () =>
          this.doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } })),
        );
        out.push(...(page.Responses?.[table] ?? []).map(toPayout));
        keys = page.UnprocessedKeys?.[table]?.Keys;
      }
    }
    return out;
  }
}

function toPayout(i: Record<string, unknown>): PayoutRecord {
  return {
    id: String(i.sk),
    coin: String(i.coin),
    status: i.status as PayoutStatus,
    recipients: (i.recipients as { account: string; amount: string }[]).map((r) => ({
      account: r.account,
      amount: BigInt(r.amount),
    })),
    total: BigInt(String(i.total)),
    txid: i.txid ? String(i.txid) : undefined,
    ...(i.historyMark ? { historyMark: String(i.historyMark) } : {}),
    createdAt: num(i.createdAt),
    updatedAt: num(i.updatedAt),
  };
}
