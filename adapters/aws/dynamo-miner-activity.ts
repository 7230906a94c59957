import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { MinerActivityReader, MinerStats, MinuteBucket } from '../../core/ports/share-store.js';
import type { Tally } from '../../core/shares/aggregate.js';
import { noRefusals } from '../../core/shares/refusals.js';
import type { RefusedCounts } from '../../core/shares/share.js';
import { dynamoCall, queryAll } from './dynamo-calls.js';
import { type MinuteRow, minerShard, unpackRows } from './packed-slices.js';
import { minerShardPk, minuteKey, minuteOfSortKey, type ShareTables, type ShareTablesOptions } from './share-items.js';

/** MinerActivityReader on DynamoDB: the per-minute items of the miner's shard (packed-slices.ts), its rows only. */
export class DynamoMinerActivityReader implements MinerActivityReader {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tables: ShareTables;

  constructor(opts: ShareTablesOptions) {
    this.doc = opts.doc;
    this.tables = opts.tables;
  }

  async getMinerStats(coin: string, miner: string, sinceMinute: number): Promise<MinerStats> {
    const items = await queryAll(this.doc, 'query', {
      TableName: this.tables(coin).shares,
      KeyConditionExpression: 'pk = :pk AND sk >= :since',
      ExpressionAttributeValues: { ':pk': minerShardPk(minerShard(miner)), ':since': minuteKey(sinceMinute) },
    });
    const total: Tally = { shares: 0, difficulty: 0 };
    const minutes = new Map<number, MinuteBucket>();
    const workers = new Map<
      string,
      { lastShareAt: number; minutes: Map<number, MinuteBucket>; refused: RefusedCounts }
    >();
    const addTo = (buckets: Map<number, MinuteBucket>, minute: number, row: MinuteRow) => {
      // A row of refusals only adds no bucket: a minute bucket is accepted work (the hashrate).
      if (row[2] === 0) return;
      const b = buckets.get(minute) ?? { minute, shares: 0, difficulty: 0 };
      b.shares += row[2];
      b.difficulty += row[3];
      buckets.set(minute, b);
    };
    for (const item of items) {
      const minute = Number(minuteOfSortKey(item.sk));
      for (const row of unpackRows<MinuteRow>(item.z as Uint8Array)) {
        if (row[0] !== miner) continue;
        total.shares += row[2];
        total.difficulty += row[3];
        addTo(minutes, minute, row);
        let w = workers.get(row[1]);
        if (!w) {
          w = { lastShareAt: 0, minutes: new Map(), refused: noRefusals() };
          workers.set(row[1], w);
        }
        w.lastShareAt = Math.max(w.lastShareAt, row[4]);
        w.refused.stale += row[5] ?? 0;
        w.refused.invalid += row[6] ?? 0;
        w.refused.duplicate += row[7] ?? 0;
        addTo(w.minutes, minute, row);
      }
    }
    const oldestFirst = (m: Map<number, MinuteBucket>) => [...m.values()].sort((a, b) => a.minute - b.minute);
    return {
      coin,
      miner,
      total,
      minutes: oldestFirst(minutes),
      workers: [...workers].map(([worker, w]) => ({
        worker,
        lastShareAt: w.lastShareAt,
        minutes: oldestFirst(w.minutes),
        refused: w.refused,
      })),
    };
  }

  async lastShareAt(coin: string, miner: string, sinceMinute: number): Promise<number> {
    const table = this.tables(coin).shares;
    let last = 0;
    let foundIn: string | undefined;
    let startKey: Record<string, unknown> | undefined;
    // Newest minute first; once the miner shows up, only the other items of that same minute can beat it.
    do {
      const page = await dynamoCall('query last share', () =>
        this.doc.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :pk AND sk >= :since',
            ExpressionAttributeValues: { ':pk': minerShardPk(minerShard(miner)), ':since': minuteKey(sinceMinute) },
            ScanIndexForward: false,
            ...(startKey && { ExclusiveStartKey: startKey }),
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const minute = minuteOfSortKey(item.sk);
        if (foundIn !== undefined && minute !== foundIn) return last;
        for (const row of unpackRows<MinuteRow>(item.z as Uint8Array)) {
          // A row of refusals only is no share: it must not end the search at its minute.
          if (row[0] !== miner || row[2] === 0) continue;
          foundIn = minute;
          last = Math.max(last, row[4]);
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return last;
  }
}
