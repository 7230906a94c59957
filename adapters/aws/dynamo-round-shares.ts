import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { forEachLimited } from '../../core/limited.js';
import type { RoundShareReader, RoundShares } from '../../core/ports/share-store.js';
import type { Tally } from '../../core/shares/aggregate.js';
import { batchGetAll, num, queryAll } from './dynamo-calls.js';
import { type RoundRow, unpackRows } from './packed-slices.js';
import {
  getTally,
  heightOfRoundPk,
  roundPk,
  type ShareTables,
  type ShareTablesOptions,
  TOTAL,
  tally,
} from './share-items.js';

/** Rounds whose sums getRoundsBetween reads at once. */
const ROUND_READS_IN_FLIGHT = 8;

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

  async getRoundsBetween(coin: string, fromHeight: number, toHeight: number): Promise<RoundShares[]> {
    const table = this.tables(coin).shares;
    const heights: number[] = [];
    for (let h = toHeight; h >= Math.max(fromHeight, 0); h--) heights.push(h);
    // The totals by key (a round's items are its own partition, so a range of heights is not one Query): a missing
    // total is a round nobody mined, and its parts are not read. Ingest writes a round's total with every batch.
    const totals = await batchGetAll(
      this.doc,
      'get round totals',
      table,
      heights.map((h) => ({ pk: roundPk(h), sk: TOTAL })),
    );
    const mined = totals
      .filter((i) => num(i.shares) > 0)
      .map((i) => heightOfRoundPk(i.pk))
      .sort((a, b) => b - a);
    const rounds = new Map<number, RoundShares>();
    await forEachLimited(mined, ROUND_READS_IN_FLIGHT, async (h) => {
      rounds.set(h, await this.getRoundShares(coin, h));
    });
    return mined.map((h) => rounds.get(h)!).filter((r) => r.miners.length > 0);
  }

  getRoundTotal(coin: string, height: number): Promise<Tally> {
    return getTally(this.doc, this.tables(coin).shares, { pk: roundPk(height), sk: TOTAL });
  }
}
