import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RoundShareReader, RoundShares } from '../../core/ports/share-store.js';
import type { Tally } from '../../core/shares/aggregate.js';
import { queryAll } from './dynamo-calls.js';
import { type RoundRow, unpackRows } from './packed-slices.js';
import { getTally, roundPk, type ShareTables, type ShareTablesOptions, TOTAL, tally } from './share-items.js';

/** RoundShareReader on DynamoDB: a round's total item and the packed parts every batch wrote for it. */
export class DynamoRoundShareReader implements RoundShareReader {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tables: ShareTables;

  constructor(opts: ShareTablesOptions) {
    this.doc = opts.doc;
    this.tables = opts.tables;
  }

  async getRoundShares(coin: string, height: number): Promise<RoundShares> {
    const items = await queryAll(this.doc, 'query', {
      TableName: this.tables(coin).shares,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': roundPk(height) },
    });
    const round: RoundShares = { coin, height, total: { shares: 0, difficulty: 0 }, miners: [], workers: [] };
    const miners = new Map<string, RoundShares['miners'][number]>();
    const workers = new Map<string, RoundShares['workers'][number]>();
    const addTo = <T extends Tally & { credit?: number }>(t: T, row: RoundRow) => {
      t.shares += row[2];
      t.difficulty += row[3];
      if (row[4] !== null) t.credit = (t.credit ?? 0) + row[4];
    };
    for (const item of items) {
      const sk = String(item.sk);
      if (sk === TOTAL) {
        round.total = tally(item);
        continue;
      }
      if (!sk.startsWith('PART#')) continue;
      for (const row of unpackRows<RoundRow>(item.z as Uint8Array)) {
        const [miner, worker] = row;
        let m = miners.get(miner);
        if (!m) {
          m = { miner, shares: 0, difficulty: 0 };
          miners.set(miner, m);
        }
        addTo(m, row);
        const wk = `${miner}\u0000${worker}`;
        let w = workers.get(wk);
        if (!w) {
          w = { miner, worker, shares: 0, difficulty: 0 };
          workers.set(wk, w);
        }
        addTo(w, row);
      }
    }
    round.miners = [...miners.values()];
    round.workers = [...workers.values()];
    return round;
  }

  getRoundTotal(coin: string, height: number): Promise<Tally> {
    return getTally(this.doc, this.tables(coin).shares, { pk: roundPk(height), sk: TOTAL });
  }
}
