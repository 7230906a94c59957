import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  canTransition,
  IllegalPayoutTransitionError,
  isOpenPayoutStatus,
  isUnsentStatus,
  type PayoutRecord,
  type PayoutStatus,
} from '../../core/ledger/payouts.js';
import type { PayoutStore } from '../../core/ports/money-store.js';
import { batchGetAll, conditionalWrite, dynamoCall, num, queryAll } from './dynamo-calls.js';
import type { TableNames } from './tables.js';

/**
 * The `view` of a payout not yet confirmed or failed: the ledger table's byView index (view, time = createdAt) lists
 * the open payouts, so the passes never read every payout ever made. Set with the payout, removed by the same
 * conditional write that closes it (one item, no window between the two).
 */
export const OPEN_PAYOUTS_VIEW = 'PAYOUT#OPEN';
/** Marks that the payouts written before the index had their `view` set once (listOpenPayouts). */
const OPEN_INDEX_MARKER = { pk: 'STATE', sk: 'payouts-indexed' };

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
            // An aux coin's recipient keeps the address it is paid at: a miner changing it later moves no planned payout.
            recipients: p.recipients.map((r) => ({
              account: r.account,
              amount: r.amount.toString(),
              ...(r.address === undefined ? {} : { address: r.address }),
            })),
            total: p.total.toString(),
            createdAt: p.createdAt,
            updatedAt: p.updatedAt,
            ...(isOpenPayoutStatus(p.status) && { view: OPEN_PAYOUTS_VIEW, time: p.createdAt }),
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
    // In the index of open payouts exactly while open: the status and the view change in one write.
    if (isOpenPayoutStatus(to)) {
      update += ', #v = :open, #t = createdAt';
      values[':open'] = OPEN_PAYOUTS_VIEW;
    }
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
    if (!isOpenPayoutStatus(to)) update += ' REMOVE #v';
    return conditionalWrite('transition payout', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tables(coin).ledger,
          Key: { pk: 'PAYOUT', sk: id },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#s': 'status', '#v': 'view', ...(isOpenPayoutStatus(to) && { '#t': 'time' }) },
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  recordSignedPayout(coin: string, id: string, tx: { txid: string; raw: string }): Promise<boolean> {
    // Status and txid in the condition: the payout is still being sent and no transaction was recorded before, so
    // of two runs that each signed one (a stale process resumed), only the first recorded can ever be broadcast.
    return conditionalWrite('record signed payout', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tables(coin).ledger,
          Key: { pk: 'PAYOUT', sk: id },
          UpdateExpression: 'SET txid = :txid, signedTx = :raw, updatedAt = :now',
          ConditionExpression: '#s = :sending AND attribute_not_exists(txid) AND attribute_not_exists(signedTx)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':txid': tx.txid, ':raw': tx.raw, ':sending': 'sending', ':now': Date.now() },
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

  async listOpenPayouts(coin: string): Promise<PayoutRecord[]> {
    const table = this.tables(coin).ledger;
    await this.indexOpenPayouts(table);
    const listed = await queryAll(this.doc, 'list open payouts', {
      TableName: table,
      IndexName: 'byView',
      KeyConditionExpression: '#v = :v',
      ExpressionAttributeNames: { '#v': 'view' },
      ExpressionAttributeValues: { ':v': OPEN_PAYOUTS_VIEW },
    });
    // The index lags the table: each payout is read again (consistent), and one closed meanwhile is left out.
    const payouts = await this.getPayouts(
      coin,
      listed.map((i) => String(i.sk)),
    );
    return payouts.filter((p) => isOpenPayoutStatus(p.status)).sort((a, b) => a.createdAt - b.createdAt);
  }

  /**
   * Once per ledger: gives the open payouts written before the index their `view` (one read of the PAYOUT
   * partition), then records the marker. The write is conditional on the payout being open still, so a payout closed
   * meanwhile is never put back in the index.
   */
  private async indexOpenPayouts(table: string): Promise<void> {
    const marker = await dynamoCall('get payouts index marker', () =>
      this.doc.send(new GetCommand({ TableName: table, Key: OPEN_INDEX_MARKER, ConsistentRead: true })),
    );
    if (marker.Item) return;
    const items = await queryAll(this.doc, 'list payouts to index', {
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'PAYOUT' },
      ConsistentRead: true,
    });
    for (const i of items) {
      if (i.view !== undefined || !isOpenPayoutStatus(i.status as PayoutStatus)) continue;
      await conditionalWrite('index open payout', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: { pk: 'PAYOUT', sk: i.sk },
            UpdateExpression: 'SET #v = :open, #t = createdAt',
            ConditionExpression: 'NOT (#s IN (:confirmed, :failed))',
            ExpressionAttributeNames: { '#v': 'view', '#t': 'time', '#s': 'status' },
            ExpressionAttributeValues: { ':open': OPEN_PAYOUTS_VIEW, ':confirmed': 'confirmed', ':failed': 'failed' },
          }),
        ),
      );
    }
    await dynamoCall('set payouts index marker', () =>
      this.doc.send(new PutCommand({ TableName: table, Item: { ...OPEN_INDEX_MARKER, at: Date.now() } })),
    );
  }

  async getPayouts(coin: string, ids: readonly string[]): Promise<PayoutRecord[]> {
    const keys = [...new Set(ids)].map((id) => ({ pk: 'PAYOUT', sk: id }));
    return (await batchGetAll(this.doc, 'get payouts', this.tables(coin).ledger, keys, true)).map(toPayout);
  }
}

function toPayout(i: Record<string, unknown>): PayoutRecord {
  return {
    id: String(i.sk),
    coin: String(i.coin),
    status: i.status as PayoutStatus,
    recipients: (i.recipients as { account: string; amount: string; address?: string }[]).map((r) => ({
      account: r.account,
      amount: BigInt(r.amount),
      ...(r.address === undefined ? {} : { address: r.address }),
    })),
    total: BigInt(String(i.total)),
    txid: i.txid ? String(i.txid) : undefined,
    ...(i.historyMark ? { historyMark: String(i.historyMark) } : {}),
    ...(i.signedTx ? { signedTx: String(i.signedTx) } : {}),
    createdAt: num(i.createdAt),
    updatedAt: num(i.updatedAt),
  };
}
