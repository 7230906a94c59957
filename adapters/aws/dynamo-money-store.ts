import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type QueryCommandInput,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { LedgerConflictError } from '../../core/errors.js';
import type { LedgerEntry } from '../../core/ledger/ledger.js';
import {
  canTransition,
  IllegalPayoutTransitionError,
  isUnsentStatus,
  type PayoutRecord,
  type PayoutStatus,
} from '../../core/ledger/payouts.js';
import type { BlockCredit, CreditedRound, MoneyBlock, MoneyStore } from '../../core/ports/money-store.js';
import type { BlockStatus } from '../../core/ports/share-store.js';
import { conditionalWrite, dynamoCall, num, queryAll } from './dynamo-calls.js';
import { blockSortKey, toBlockRecord } from './share-items.js';
import type { TableNames } from './tables.js';

/** Money on DynamoDB: blocks table (status transitions), ledger table (entries, payouts, suspension). */
export class DynamoMoneyStore implements MoneyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: (coin: string) => Pick<TableNames, 'blocks' | 'ledger'>,
  ) {}

  async listUnsettledBlocks(coin: string): Promise<MoneyBlock[]> {
    const out: MoneyBlock[] = [];
    for (const status of ['pending', 'immature', 'orphaned']) {
      const items = await this.queryAll('list blocks by status', {
        TableName: this.tables(coin).blocks,
        IndexName: 'byStatus',
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': status },
      });
      out.push(...items.map(toBlock));
    }
    return out.sort((a, b) => a.height - b.height);
  }

  async listAllBlocks(coin: string): Promise<MoneyBlock[]> {
    const items = await this.queryAll('list blocks', {
      TableName: this.tables(coin).blocks,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'BLOCK' },
    });
    return items.map(toBlock);
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

  async putEntries(coin: string, entries: LedgerEntry[]): Promise<number> {
    let written = 0;
    for (const e of entries) {
      const item = {
        pk: `ACCT#${e.account}`,
        sk: e.id,
        account: e.account,
        kind: e.kind,
        role: e.role,
        amount: e.amount.toString(),
        ref: e.ref,
        time: e.time,
        ...(e.note ? { note: e.note } : {}),
      };
      const created = await conditionalWrite('put ledger entry', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.tables(coin).ledger,
            Item: item,
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      if (created) {
        written++;
        continue;
      }
      // Same id again: fine when it is the same entry (a replay); a different amount means history changed.
      const { Item } = await dynamoCall('get ledger entry', () =>
        this.doc.send(
          new GetCommand({
            TableName: this.tables(coin).ledger,
            Key: { pk: item.pk, sk: item.sk },
            ConsistentRead: true,
          }),
        ),
      );
      if (!Item || String(Item.amount) !== item.amount || Item.kind !== item.kind) {
        throw new LedgerConflictError(`ledger entry ${e.id} exists with amount ${Item?.amount}, not ${item.amount}`);
      }
    }
    return written;
  }

  async listEntries(coin: string): Promise<LedgerEntry[]> {
    const items = await this.scanAll('list ledger entries', this.tables(coin).ledger, 'begins_with(pk, :p)', {
      ':p': 'ACCT#',
    });
    return items.map(toEntry);
  }

  async listAccountEntries(coin: string, account: string, idPrefix?: string): Promise<LedgerEntry[]> {
    const items = await this.queryAll('list account entries', {
      TableName: this.tables(coin).ledger,
      KeyConditionExpression: idPrefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': `ACCT#${account}`, ...(idPrefix === undefined ? {} : { ':p': idPrefix }) },
      ConsistentRead: true,
    });
    return items.map(toEntry);
  }

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
    const items = await this.queryAll('list payouts', {
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

  async getCursor(coin: string, name: string): Promise<number | undefined> {
    const { Item } = await dynamoCall('get cursor', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tables(coin).ledger,
          Key: { pk: 'STATE', sk: `cursor#${name}` },
          ConsistentRead: true,
        }),
      ),
    );
    return Item ? num(Item.value) : undefined;
  }

  async setCursor(coin: string, name: string, value: number): Promise<void> {
    await dynamoCall('set cursor', () =>
      this.doc.send(
        new PutCommand({ TableName: this.tables(coin).ledger, Item: { pk: 'STATE', sk: `cursor#${name}`, value } }),
      ),
    );
  }

  async listCreditedRounds(coin: string, from: number, to: number): Promise<CreditedRound[]> {
    if (to < from) return [];
    const items = await this.queryAll('list credited rounds', {
      TableName: this.tables(coin).ledger,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
      ExpressionAttributeValues: { ':pk': 'PPSROUND', ':a': roundKey(from), ':b': roundKey(to) },
      ConsistentRead: true,
    });
    return items.map((i) => ({ height: num(i.height), shares: num(i.shares), difficulty: num(i.difficulty) }));
  }

  async setCreditedRound(coin: string, round: CreditedRound): Promise<void> {
    await dynamoCall('set credited round', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tables(coin).ledger,
          Item: { pk: 'PPSROUND', sk: roundKey(round.height), ...round },
        }),
      ),
    );
  }

  acquireLease(coin: string, name: string, holder: string, now: number, expiresAt: number): Promise<boolean> {
    return conditionalWrite('acquire lease', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tables(coin).ledger,
          Item: { pk: 'STATE', sk: `lease#${name}`, holder, expiresAt },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR holder = :holder',
          ExpressionAttributeValues: { ':now': now, ':holder': holder },
        }),
      ),
    );
  }

  async releaseLease(coin: string, name: string, holder: string): Promise<void> {
    await conditionalWrite('release lease', () =>
      this.doc.send(
        new DeleteCommand({
          TableName: this.tables(coin).ledger,
          Key: { pk: 'STATE', sk: `lease#${name}` },
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': holder },
        }),
      ),
    );
  }

  async getSuspension(coin: string): Promise<string | undefined> {
    const { Item } = await dynamoCall('get payout state', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tables(coin).ledger,
          Key: { pk: 'STATE', sk: 'payouts' },
          ConsistentRead: true,
        }),
      ),
    );
    return Item?.suspended ? String(Item.reason) : undefined;
  }

  async setSuspension(coin: string, reason: string | undefined): Promise<void> {
    await dynamoCall('set payout state', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tables(coin).ledger,
          Item: { pk: 'STATE', sk: 'payouts', suspended: reason !== undefined, reason: reason ?? '', at: Date.now() },
        }),
      ),
    );
  }

  private queryAll(op: string, input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    return queryAll(this.doc, op, input);
  }

  private async scanAll(
    op: string,
    table: string,
    filter: string,
    values: Record<string, unknown>,
  ): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamoCall(op, () =>
        this.doc.send(
          new ScanCommand({
            TableName: table,
            FilterExpression: filter,
            ExpressionAttributeValues: values,
            ExclusiveStartKey: start,
            ConsistentRead: true,
          }),
        ),
      );
      out.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }
}

/** Sort key of a credited round: zero-padded so that heights sort (and range-query) as numbers. */
const roundKey = (height: number) => String(height).padStart(12, '0');

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

function toEntry(i: Record<string, unknown>): LedgerEntry {
  return {
    id: String(i.sk),
    account: String(i.account),
    kind: i.kind as LedgerEntry['kind'],
    role: i.role as LedgerEntry['role'],
    amount: BigInt(String(i.amount)),
    ref: String(i.ref),
    time: num(i.time),
    ...(i.note === undefined ? {} : { note: String(i.note) }),
  };
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
