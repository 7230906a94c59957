import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CreditedRound, LedgerStateStore } from '../../core/ports/money-store.js';
import { conditionalWrite, dynamoCall, num, queryAll } from './dynamo-calls.js';
import type { TableNames } from './tables.js';

/**
 * The passes' state on the ledger table: `STATE / cursor#<name>`, `STATE / lease#<name>`, `STATE / payouts` (the
 * suspension) and `PPSROUND / <height>` (what a PPS/PoT round was credited for).
 */
export class DynamoLedgerStateStore implements LedgerStateStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: (coin: string) => Pick<TableNames, 'ledger'>,
  ) {}

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
    const items = await queryAll(this.doc, 'list credited rounds', {
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
}

/** Sort key of a credited round: zero-padded so that heights sort (and range-query) as numbers. */
/** A height as a sort key that orders as the number (12 digits). */
export const roundKey = (height: number) => String(height).padStart(12, '0');
