import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SwitchingState, SwitchingStore, SwitchRecord } from '../../core/ports/switching-store.js';
import { conditionalWrite, dynamoCall, num } from './dynamo-calls.js';

/** The partitions of a switching port in the stats table of its first coin (tables.ts). */
export const switchingStatePartition = (port: string) => `SWITCHING#${port}`;
export const switchesPartition = (port: string) => `SWITCH#${port}`;

/**
 * A switching port's state and switch history in the stats table of the port's first coin:
 * `SWITCHING#<port> / 0` the state (the profitability table, overwritten at each evaluation, as JSON: its rows vary
 * by coin) and `SWITCH#<port> / <ms>` one item per switch, written once (a retried write keeps the first).
 */
export class DynamoSwitchingStore implements SwitchingStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    /** The stats table of the port's first coin. */
    private readonly table: (port: string) => string,
  ) {}

  async putState(state: SwitchingState): Promise<void> {
    await dynamoCall('put switching state', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table(state.port),
          Item: { pk: switchingStatePartition(state.port), sk: 0, at: state.at, state: JSON.stringify(state) },
        }),
      ),
    );
  }

  async recordSwitch(record: SwitchRecord): Promise<void> {
    await conditionalWrite('record switch', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table(record.port),
          Item: { pk: switchesPartition(record.port), sk: record.at, ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async state(port: string): Promise<SwitchingState | undefined> {
    const { Item } = await dynamoCall('get switching state', () =>
      this.doc.send(new GetCommand({ TableName: this.table(port), Key: { pk: switchingStatePartition(port), sk: 0 } })),
    );
    return Item ? (JSON.parse(String(Item.state)) as SwitchingState) : undefined;
  }

  async switches(port: string, options: { since?: number; limit?: number } = {}): Promise<SwitchRecord[]> {
    const { Items = [] } = await dynamoCall('query switches', () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table(port),
          KeyConditionExpression: 'pk = :pk AND sk >= :since',
          ExpressionAttributeValues: { ':pk': switchesPartition(port), ':since': options.since ?? 0 },
          ScanIndexForward: false,
          Limit: options.limit ?? 100,
        }),
      ),
    );
    return Items.map((i) => ({
      port: String(i.port),
      at: num(i.at),
      from: String(i.from),
      to: String(i.to),
      reason: String(i.reason),
      ...(i.fromEarnings !== undefined && { fromEarnings: String(i.fromEarnings) }),
      ...(i.toEarnings !== undefined && { toEarnings: String(i.toEarnings) }),
    }));
  }
}
