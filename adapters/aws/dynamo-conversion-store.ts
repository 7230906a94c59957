import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { canMoveDeposit, type DepositRecord, type DepositStatus } from '../../core/conversion/deposit.js';
import { type ExchangeInventory, emptyInventory } from '../../core/conversion/inventory.js';
import type { ConversionQuote } from '../../core/conversion/quote.js';
import type {
  ConversionFill,
  ConversionLeg,
  ConversionRecord,
  ConversionStatus,
  ConversionWithdrawal,
} from '../../core/conversion/record.js';
import type { ConversionPreference, ConversionStore } from '../../core/ports/conversion-store.js';
import { conditionalWrite, dynamoCall, num, queryAll } from './dynamo-calls.js';
import type { TableNames } from './tables.js';

/**
 * Conversions on the source coin's ledger table, beside its payouts:
 *   CONVERSION / <id>       status + the record as JSON (amounts as decimal strings), legs repriced at sale time,
 *                           fills and withdrawals
 *   CONVPREF / <account>    a miner's payout currency and address in it
 *   DEPOSIT / <id>          a conversion leg's deposit to its exchange: status, txid, the record as JSON
 *   INVENTORY / <exchange>  coins held on an exchange that takes deposits (core/conversion/inventory.ts): amount,
 *                           version (the condition of every write), the recent changes' keys
 *   QUOTE / <target>        the latest quote for the target (core/conversion/quote.ts), written by every conversion
 *                           pass, read by the stats API; `quotedAt` guards against an older pass overwriting it
 */
export class DynamoConversionStore implements ConversionStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: (coin: string) => Pick<TableNames, 'ledger'>,
  ) {}

  createConversion(coin: string, r: ConversionRecord): Promise<boolean> {
    const { status, ...data } = r;
    return conditionalWrite('create conversion', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tables(coin).ledger,
          Item: {
            pk: 'CONVERSION',
            sk: r.id,
            status,
            data: toJson(data),
            createdAt: r.createdAt,
            updatedAt: r.updatedAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async getConversion(coin: string, id: string): Promise<ConversionRecord | undefined> {
    const { Item } = await dynamoCall('get conversion', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tables(coin).ledger,
          Key: { pk: 'CONVERSION', sk: id },
          ConsistentRead: true,
        }),
      ),
    );
    return Item ? toRecord(Item) : undefined;
  }

  async listConversions(coin: string): Promise<ConversionRecord[]> {
    const items = await queryAll(this.doc, 'list conversions', {
      TableName: this.tables(coin).ledger,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'CONVERSION' },
      ConsistentRead: true,
    });
    const out = items.map(toRecord);
    return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  async listOpenConversions(coin: string): Promise<ConversionRecord[]> {
    return (await this.listConversions(coin)).filter((r) => r.status !== 'credited');
  }

  transitionConversion(
    coin: string,
    id: string,
    from: ConversionStatus,
    to: ConversionStatus,
    set: { legs?: ConversionLeg[]; fills?: ConversionFill[]; withdrawals?: ConversionWithdrawal[] } = {},
  ): Promise<boolean> {
    const fields = {
      ...(set.legs ? { legs: toJson(set.legs) } : {}),
      ...(set.fills ? { fills: toJson(set.fills) } : {}),
      ...(set.withdrawals ? { withdrawals: toJson(set.withdrawals) } : {}),
    };
    return this.transition(coin, 'CONVERSION', id, from, to, fields);
  }

  createDeposit(coin: string, r: DepositRecord): Promise<boolean> {
    const { status, txid: _t, exchangeDepositId: _e, historyMark: _m, ...data } = r;
    return conditionalWrite('create deposit', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tables(coin).ledger,
          Item: { pk: 'DEPOSIT', sk: r.id, status, data: toJson(data), updatedAt: r.updatedAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async getDeposit(coin: string, id: string): Promise<DepositRecord | undefined> {
    const { Item } = await dynamoCall('get deposit', () =>
      this.doc.send(
        new GetCommand({ TableName: this.tables(coin).ledger, Key: { pk: 'DEPOSIT', sk: id }, ConsistentRead: true }),
      ),
    );
    return Item ? toDeposit(Item) : undefined;
  }

  async listDeposits(coin: string): Promise<DepositRecord[]> {
    const items = await queryAll(this.doc, 'list deposits', {
      TableName: this.tables(coin).ledger,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'DEPOSIT' },
      ConsistentRead: true,
    });
    return items.map(toDeposit).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  transitionDeposit(
    coin: string,
    id: string,
    from: DepositStatus,
    to: DepositStatus,
    set: { txid?: string; exchangeDepositId?: string; historyMark?: string } = {},
  ): Promise<boolean> {
    if (!canMoveDeposit(from, to)) throw new RangeError(`deposit ${id}: no move from ${from} to ${to}`);
    return this.transition(coin, 'DEPOSIT', id, from, to, set);
  }

  /** A status change from an expected status, setting `fields` (stored as given) with it. */
  private transition(
    coin: string,
    pk: 'CONVERSION' | 'DEPOSIT',
    id: string,
    from: string,
    to: string,
    fields: Record<string, unknown>,
  ): Promise<boolean> {
    const values: Record<string, unknown> = { ':from': from, ':to': to, ':now': Date.now() };
    let update = 'SET #s = :to, updatedAt = :now';
    for (const [field, value] of Object.entries(fields)) {
      update += `, ${field} = :${field}`;
      values[`:${field}`] = value;
    }
    return conditionalWrite(`transition ${pk.toLowerCase()}`, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tables(coin).ledger,
          Key: { pk, sk: id },
          UpdateExpression: update,
          ConditionExpression: '#s = :from',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async getInventory(coin: string, exchange: string): Promise<ExchangeInventory> {
    const { Item } = await dynamoCall('get exchange inventory', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tables(coin).ledger,
          Key: { pk: 'INVENTORY', sk: exchange },
          ConsistentRead: true,
        }),
      ),
    );
    return Item ? toInventory(Item) : emptyInventory(exchange);
  }

  async listInventories(coin: string): Promise<ExchangeInventory[]> {
    const items = await queryAll(this.doc, 'list exchange inventories', {
      TableName: this.tables(coin).ledger,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'INVENTORY' },
      ConsistentRead: true,
    });
    return items.map(toInventory);
  }

  putInventory(coin: string, next: ExchangeInventory, version: number): Promise<boolean> {
    return conditionalWrite('put exchange inventory', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tables(coin).ledger,
          Item: {
            pk: 'INVENTORY',
            sk: next.exchange,
            amount: next.amount.toString(),
            version: next.version,
            recent: toJson(next.recent),
            updatedAt: next.updatedAt,
          },
          ...(version === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': version } }),
        }),
      ),
    );
  }

  putQuote(coin: string, q: ConversionQuote): Promise<boolean> {
    return conditionalWrite('put conversion quote', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tables(coin).ledger,
          Item: { pk: 'QUOTE', sk: q.target, quotedAt: q.quotedAt, data: toJson(q) },
          ConditionExpression: 'attribute_not_exists(pk) OR quotedAt < :t',
          ExpressionAttributeValues: { ':t': q.quotedAt },
        }),
      ),
    );
  }

  async getQuote(coin: string, target: string): Promise<ConversionQuote | undefined> {
    const { Item } = await dynamoCall('get conversion quote', () =>
      this.doc.send(new GetCommand({ TableName: this.tables(coin).ledger, Key: { pk: 'QUOTE', sk: target } })),
    );
    return Item ? fromJson<ConversionQuote>(String(Item.data)) : undefined;
  }

  async listQuotes(coin: string): Promise<ConversionQuote[]> {
    const items = await queryAll(this.doc, 'list conversion quotes', {
      TableName: this.tables(coin).ledger,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'QUOTE' },
    });
    return items.map((i) => fromJson<ConversionQuote>(String(i.data)));
  }

  async listPreferences(coin: string): Promise<ConversionPreference[]> {
    const page = await dynamoCall('list conversion preferences', () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.tables(coin).ledger,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'CONVPREF' },
          ConsistentRead: true,
        }),
      ),
    );
    return (page.Items ?? []).map(toPreference);
  }

  async getPreference(coin: string, account: string): Promise<ConversionPreference | undefined> {
    const { Item } = await dynamoCall('get conversion preference', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tables(coin).ledger,
          Key: { pk: 'CONVPREF', sk: account },
          ConsistentRead: true,
        }),
      ),
    );
    return Item ? toPreference(Item) : undefined;
  }

  replacePreference(coin: string, p: ConversionPreference): Promise<boolean> {
    return conditionalWrite('replace conversion preference', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tables(coin).ledger,
          Item: { pk: 'CONVPREF', sk: p.account, currency: p.currency, address: p.address, updatedAt: p.updatedAt },
          ConditionExpression: 'attribute_not_exists(pk) OR updatedAt < :t',
          ExpressionAttributeValues: { ':t': p.updatedAt },
        }),
      ),
    );
  }

  async setPreference(coin: string, p: ConversionPreference): Promise<void> {
    await dynamoCall('set conversion preference', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tables(coin).ledger,
          Item: { pk: 'CONVPREF', sk: p.account, currency: p.currency, address: p.address, updatedAt: p.updatedAt },
        }),
      ),
    );
  }
}

function toPreference(i: Record<string, unknown>): ConversionPreference {
  return {
    account: String(i.sk),
    currency: String(i.currency),
    address: String(i.address),
    updatedAt: num(i.updatedAt),
  };
}

/** Records hold bigints: stored as JSON with amounts as strings, read back by field name. */
const toJson = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));

const BIG = new Set([
  'amount',
  'expectedNet',
  'withdrawalFee',
  'referenceNet',
  'sold',
  'gross',
  'fee',
  'net',
  'exchangeFee',
  'poolFee',
  'fromInventory',
]);

function fromJson<T>(s: string): T {
  return JSON.parse(s, (k, x) => (BIG.has(k) && typeof x === 'string' ? BigInt(x) : x)) as T;
}

function toRecord(i: Record<string, unknown>): ConversionRecord {
  const data = fromJson<Omit<ConversionRecord, 'status'>>(String(i.data));
  return {
    ...data,
    status: i.status as ConversionStatus,
    // Legs repriced at sale time replace the planned ones.
    ...(i.legs ? { legs: fromJson<ConversionLeg[]>(String(i.legs)) } : {}),
    ...(i.fills ? { fills: fromJson<ConversionFill[]>(String(i.fills)) } : {}),
    ...(i.withdrawals ? { withdrawals: fromJson<ConversionWithdrawal[]>(String(i.withdrawals)) } : {}),
    updatedAt: num(i.updatedAt),
  };
}

function toInventory(i: Record<string, unknown>): ExchangeInventory {
  return {
    exchange: String(i.sk),
    amount: BigInt(String(i.amount)),
    version: num(i.version),
    recent: JSON.parse(String(i.recent), (k, x) => (k === 'delta' ? BigInt(x) : x)),
    updatedAt: num(i.updatedAt),
  };
}

function toDeposit(i: Record<string, unknown>): DepositRecord {
  return {
    ...fromJson<Omit<DepositRecord, 'status' | 'txid' | 'exchangeDepositId' | 'historyMark' | 'updatedAt'>>(
      String(i.data),
    ),
    status: i.status as DepositStatus,
    ...(i.txid ? { txid: String(i.txid) } : {}),
    ...(i.historyMark ? { historyMark: String(i.historyMark) } : {}),
    ...(i.exchangeDepositId ? { exchangeDepositId: String(i.exchangeDepositId) } : {}),
    updatedAt: num(i.updatedAt),
  };
}
