import { randomBytes } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { LedgerConflictError } from '../../core/errors.js';
import { balanceDelta } from '../../core/ledger/balance-sync.js';
import { type Balance, type LedgerEntry, zeroBalance } from '../../core/ledger/ledger.js';
import { forEachLimited } from '../../core/limited.js';
import type { LedgerStore } from '../../core/ports/money-store.js';
import { conditionalWrite, dynamoCall, num, queryAll } from './dynamo-calls.js';
import type { TableNames } from './tables.js';

/** The `view` of an entry written but not yet applied to its balance (the byView index lists them). */
const UNAPPLIED = 'UNAPPLIED';
/**
 * An entry left unapplied this long (ms) is its writer's no more: only the repair (under its lease) applies it. Far
 * longer than any pass runs (a Lambda's 15 minutes), so the repair never races the entry's writer (balance-sync.ts).
 */
export const REPAIR_AFTER_MS = 60 * 60_000;
const REPAIR_LEASE_MS = 5 * 60_000;
const BUCKETS = ['immature', 'confirmed', 'pending', 'paid'] as const;
/** Accounts whose entries putEntries writes at once (a block credits every miner of its window). */
const ACCOUNTS_IN_FLIGHT = 16;

/**
 * The ledger table's entries (`ACCT#<account> / <entry id>`) and a balance item per account (`BALANCE / <account>`)
 * kept with them by the steps of core/ledger/balance-sync.ts: (a) put the entry, `view = UNAPPLIED`; (b) add its
 * deltas to the balance item and its id to the item's `applied` set, unless the id is there already; (c) set the
 * entry's `view` to `ACCT#<account>` (applied; the byView index then orders the account's entries by time, for its
 * page); (d) delete the id from `applied`. An entry a crash left unapplied is applied by its writer's retry while
 * young, else by repairBalances (the byView index lists them), which the balance reads run first.
 */
export class DynamoLedgerStore implements LedgerStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: (coin: string) => Pick<TableNames, 'ledger'>,
    private readonly clock: () => number = Date.now,
  ) {}

  async putEntries(coin: string, entries: LedgerEntry[]): Promise<number> {
    const table = this.tables(coin).ledger;
    // Accounts in parallel (their balance items are apart), each account's entries in order.
    const byAccount = new Map<string, LedgerEntry[]>();
    for (const e of entries) {
      const list = byAccount.get(e.account);
      if (list) list.push(e);
      else byAccount.set(e.account, [e]);
    }
    let written = 0;
    await forEachLimited([...byAccount.values()], ACCOUNTS_IN_FLIGHT, async (list) => {
      for (const e of list) if (await this.putEntry(table, e)) written++;
    });
    return written;
  }

  /** Writes one entry and applies it (true), or checks a replay of it and completes what a crash left (false). */
  private async putEntry(table: string, e: LedgerEntry): Promise<boolean> {
    const item = { ...entryItem(e), view: UNAPPLIED };
    const created = await conditionalWrite('put ledger entry', () =>
      this.doc.send(new PutCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })),
    );
    if (created) {
      await this.apply(table, e);
      return true;
    }
    // Same id again: fine when it is the same entry (a replay); a different amount means history changed.
    const { Item } = await dynamoCall('get ledger entry', () =>
      this.doc.send(new GetCommand({ TableName: table, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true })),
    );
    if (!Item || String(Item.amount) !== item.amount || Item.kind !== item.kind) {
      throw new LedgerConflictError(`ledger entry ${e.id} exists with amount ${Item?.amount}, not ${item.amount}`);
    }
    // A crash left it unapplied: its writer's retry applies it while young; an old one is the repair's.
    if (Item.view === UNAPPLIED && num(Item.time) > this.clock() - REPAIR_AFTER_MS) await this.apply(table, e);
    return false;
  }

  async listEntries(coin: string): Promise<LedgerEntry[]> {
    const items = await this.scan(this.tables(coin).ledger, 'list ledger entries', 'begins_with(pk, :p)', {
      ':p': 'ACCT#',
    });
    return items.map(toEntry);
  }

  async listAccountEntries(coin: string, account: string, idPrefix?: string): Promise<LedgerEntry[]> {
    const items = await queryAll(this.doc, 'list account entries', {
      TableName: this.tables(coin).ledger,
      KeyConditionExpression: idPrefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': `ACCT#${account}`, ...(idPrefix === undefined ? {} : { ':p': idPrefix }) },
      ConsistentRead: true,
    });
    return items.map(toEntry);
  }

  async listRecentEntries(
    coin: string,
    account: string,
    kinds: readonly LedgerEntry['kind'][],
    limit: number,
  ): Promise<LedgerEntry[]> {
    const out: LedgerEntry[] = [];
    const wanted = Object.fromEntries(kinds.map((k, i) => [`:k${i}`, k]));
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamoCall('list recent entries', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tables(coin).ledger,
            IndexName: 'byView',
            KeyConditionExpression: '#v = :v',
            FilterExpression: `#k IN (${Object.keys(wanted).join(', ')})`,
            ExpressionAttributeNames: { '#v': 'view', '#k': 'kind' },
            ExpressionAttributeValues: { ':v': `ACCT#${account}`, ...wanted },
            ScanIndexForward: false,
            Limit: limit,
            ExclusiveStartKey: start,
          }),
        ),
      );
      out.push(...(page.Items ?? []).map(toEntry));
      start = page.LastEvaluatedKey;
    } while (start && out.length < limit);
    return out.slice(0, limit);
  }

  async listBalances(coin: string): Promise<Map<string, Balance>> {
    await this.repairBalances(coin);
    const items = await queryAll(this.doc, 'list balances', {
      TableName: this.tables(coin).ledger,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'BALANCE' },
      ConsistentRead: true,
    });
    return new Map(items.map((i) => [String(i.sk), toBalance(i)]));
  }

  async getBalance(coin: string, account: string): Promise<Balance> {
    const { Item } = await dynamoCall('get balance', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tables(coin).ledger,
          Key: { pk: 'BALANCE', sk: account },
          ConsistentRead: true,
        }),
      ),
    );
    return Item ? toBalance(Item) : zeroBalance();
  }

  /**
   * Applies entries left unapplied for REPAIR_AFTER_MS (a writer that crashed and was not run again), one repair at
   * a time (lease `STATE/lease#balances`). The first repair of a ledger written before balances were kept applies
   * every entry without a `view` (one scan), then records `STATE/balances`.
   */
  async repairBalances(coin: string): Promise<number> {
    const table = this.tables(coin).ledger;
    const holder = randomBytes(6).toString('hex');
    const now = this.clock();
    const leased = await conditionalWrite('acquire balances lease', () =>
      this.doc.send(
        new PutCommand({
          TableName: table,
          Item: { pk: 'STATE', sk: 'lease#balances', holder, expiresAt: now + REPAIR_LEASE_MS },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': now },
        }),
      ),
    );
    if (!leased) return 0;
    try {
      let repaired = 0;
      const marker = await dynamoCall('get balances marker', () =>
        this.doc.send(new GetCommand({ TableName: table, Key: { pk: 'STATE', sk: 'balances' }, ConsistentRead: true })),
      );
      if (!marker.Item) {
        const legacy = await this.scan(
          table,
          'list entries without balance',
          'begins_with(pk, :p) AND attribute_not_exists(#v)',
          {
            ':p': 'ACCT#',
          },
        );
        for (const i of legacy) repaired += (await this.apply(table, toEntry(i))) ? 1 : 0;
        await dynamoCall('set balances marker', () =>
          this.doc.send(new PutCommand({ TableName: table, Item: { pk: 'STATE', sk: 'balances', at: now } })),
        );
      }
      const left = await queryAll(this.doc, 'list unapplied entries', {
        TableName: table,
        IndexName: 'byView',
        KeyConditionExpression: '#v = :v AND #t < :old',
        ExpressionAttributeNames: { '#v': 'view', '#t': 'time' },
        ExpressionAttributeValues: { ':v': UNAPPLIED, ':old': now - REPAIR_AFTER_MS },
      });
      for (const i of left) {
        // The index lags the table: apply only what the table still says is unapplied.
        const { Item } = await dynamoCall('get ledger entry', () =>
          this.doc.send(new GetCommand({ TableName: table, Key: { pk: i.pk, sk: i.sk }, ConsistentRead: true })),
        );
        if (Item?.view === UNAPPLIED) repaired += (await this.apply(table, toEntry(Item))) ? 1 : 0;
      }
      return repaired;
    } finally {
      await conditionalWrite('release balances lease', () =>
        this.doc.send(
          new DeleteCommand({
            TableName: table,
            Key: { pk: 'STATE', sk: 'lease#balances' },
            ConditionExpression: 'holder = :holder',
            ExpressionAttributeValues: { ':holder': holder },
          }),
        ),
      );
    }
  }

  /** Steps (b)–(d) of balance-sync.ts for one written entry; true when (b) counted it (not counted before). */
  private async apply(table: string, e: LedgerEntry): Promise<boolean> {
    const { account, entryId, delta } = balanceDelta(e);
    const key = { pk: 'BALANCE', sk: account };
    const buckets = BUCKETS.filter((b) => delta[b] !== undefined);
    const values: Record<string, unknown> = { ':id': new Set([entryId]), ':one': entryId };
    for (const b of buckets) values[`:${b}`] = delta[b];
    const counted = await conditionalWrite('apply entry to balance', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: table,
          Key: key,
          UpdateExpression: `ADD ${[...buckets.map((b) => `${b} :${b}`), 'applied :id'].join(', ')}`,
          ConditionExpression: 'attribute_not_exists(applied) OR NOT contains(applied, :one)',
          ExpressionAttributeValues: values,
        }),
      ),
    );
    await dynamoCall('mark entry applied', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: `ACCT#${account}`, sk: entryId },
          UpdateExpression: 'SET #v = :v',
          ExpressionAttributeNames: { '#v': 'view' },
          ExpressionAttributeValues: { ':v': `ACCT#${account}` },
        }),
      ),
    );
    await dynamoCall('trim applied ids', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: table,
          Key: key,
          UpdateExpression: 'DELETE applied :id',
          ExpressionAttributeValues: { ':id': new Set([entryId]) },
        }),
      ),
    );
    return counted;
  }

  private async scan(
    table: string,
    op: string,
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
            ...(filter.includes('#v') ? { ExpressionAttributeNames: { '#v': 'view' } } : {}),
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

/** An entry as its ledger-table item (before its `view`). */
export function entryItem(e: LedgerEntry) {
  return {
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

/** A balance item's buckets: DynamoDB numbers (ADD), read wrapped (createDocumentClient) so that wei stay exact. */
function toBalance(i: Record<string, unknown>): Balance {
  const b = zeroBalance();
  for (const k of BUCKETS) if (i[k] !== undefined) b[k] = BigInt(String(i[k]));
  return b;
}
