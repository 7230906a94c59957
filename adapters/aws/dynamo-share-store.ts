import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  BatchClaim,
  BatchLease,
  BlockRecord,
  MinerStats,
  MinuteBucket,
  RoundShares,
  ShareStore,
  SliceViews,
} from '../../core/ports/share-store.js';
import type {
  BatchAggregate,
  Counter,
  CounterUpdate,
  FoundBlockRecord,
  Tally,
  WorkerSlice,
} from '../../core/shares/aggregate.js';
import { conditionalWrite, dynamoCall, num, queryAll } from './dynamo-calls.js';
import {
  type MinuteRow,
  minerShard,
  minuteRows,
  packRows,
  type RoundRow,
  roundRows,
  unpackRows,
} from './packed-slices.js';
import type { TableNames } from './tables.js';

/**
 * ShareStore on DynamoDB (and dynalite, which has no transactions: every step here is a single-item write).
 * Key layout: adapters/aws/tables.ts. Protocol of the steps: core/shares/ingest-batch.ts.
 */

export interface DynamoShareStoreOptions {
  /** Build it with `createDocumentClient` so that large sums come back without precision errors. */
  doc: DynamoDBDocumentClient;
  /** The tables of a coin; throws for a coin this deployment does not serve. */
  tables: (coin: string) => Pick<TableNames, 'shares' | 'stats' | 'blocks'>;
  /** Batch items are kept this long to recognise redeliveries: longer than SQS retention (14 days) plus spool age. */
  batchTtlSeconds?: number;
  /** Per-minute buckets are kept this long (the dashboard shows at most a week). */
  statsTtlSeconds?: number;
}

const DAY_S = 86_400;
const BATCH_SK = 'BATCH';
const TOTAL = 'TOTAL';

type Location = { table: 'shares' | 'stats'; key: { pk: string; sk: string | number }; attrs: Record<string, unknown> };

function locate(c: Counter): Location {
  switch (c.kind) {
    case 'poolTotal':
      return { table: 'shares', key: { pk: 'POOL', sk: TOTAL }, attrs: {} };
    case 'round':
      return { table: 'shares', key: { pk: `ROUND#${c.height}`, sk: TOTAL }, attrs: { height: c.height } };
    case 'poolMinute':
      return { table: 'stats', key: { pk: 'POOL', sk: c.minute }, attrs: {} };
  }
}

/** Minute numbers in sort keys: zero-padded so that string order is time order. */
const minuteKey = (minute: number) => String(minute).padStart(10, '0');

function tally(item: Record<string, unknown> | undefined): Tally {
  return { shares: num(item?.shares), difficulty: num(item?.difficulty) };
}

export class DynamoShareStore implements ShareStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tables: (coin: string) => Pick<TableNames, 'shares' | 'stats' | 'blocks'>;
  private readonly batchTtlSeconds: number;
  private readonly statsTtlSeconds: number;

  constructor(opts: DynamoShareStoreOptions) {
    this.doc = opts.doc;
    this.tables = opts.tables;
    this.batchTtlSeconds = opts.batchTtlSeconds ?? 30 * DAY_S;
    this.statsTtlSeconds = opts.statsTtlSeconds ?? 7 * DAY_S;
  }

  async beginBatch(agg: BatchAggregate, lease: BatchLease): Promise<BatchClaim> {
    const table = this.tables(agg.coin).shares;
    const key = { pk: `BATCH#${agg.batchId}`, sk: BATCH_SK };
    const leaseUntil = lease.now + lease.leaseMs;
    const created = await this.conditional('put batch', () =>
      this.doc.send(
        new PutCommand({
          TableName: table,
          Item: {
            ...key,
            status: 'applying',
            claim: lease.claim,
            leaseUntil,
            attempts: 1,
            coin: agg.coin,
            shares: agg.total.shares,
            difficulty: agg.total.difficulty,
            workerSlices: agg.slices.length,
            firstShareAt: agg.firstShareAt,
            lastShareAt: agg.lastShareAt,
            blocks: agg.blocks.length,
            createdAt: lease.now,
            expiresAt: Math.floor(lease.now / 1000) + this.batchTtlSeconds,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (created) return 'claimed';
    // It exists: take it over if its owner's lease ran out (that owner crashed or timed out mid-apply).
    const tookOver = await this.conditional('take over batch', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: table,
          Key: key,
          UpdateExpression: 'SET claim = :claim, leaseUntil = :until ADD attempts :one',
          ConditionExpression: '#status = :applying AND leaseUntil < :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':claim': lease.claim,
            ':until': leaseUntil,
            ':one': 1,
            ':applying': 'applying',
            ':now': lease.now,
          },
        }),
      ),
    );
    if (tookOver) return 'claimed';
    const { Item } = await this.call('get batch', () =>
      this.doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true })),
    );
    const status = Item?.status;
    if (status === 'applied' || status === 'cleaned') return status;
    return 'busy';
  }

  async addToCounter(coin: string, batchId: string, u: CounterUpdate): Promise<'added' | 'duplicate'> {
    const loc = locate(u.counter);
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ':n': u.shares,
      ':d': u.difficulty,
      ':ids': new Set([batchId]),
      ':id': batchId,
    };
    const sets: string[] = [];
    const adds = ['shares :n', 'difficulty :d', 'applied :ids'];
    if (u.credit !== undefined) {
      values[':c'] = u.credit;
      adds.push('credit :c');
    }
    for (const [i, [name, value]] of Object.entries(loc.attrs).entries()) {
      names[`#a${i}`] = name;
      values[`:a${i}`] = value;
      sets.push(`#a${i} = :a${i}`);
    }
    if (loc.table === 'stats') {
      // Keep the bucket for statsTtl after its minute ended; the same value on every write, so repeats agree.
      values[':exp'] = (num(loc.key.sk) + 1) * 60 + this.statsTtlSeconds;
      sets.push('expiresAt = :exp');
    }
    const added = await this.conditional('add to counter', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tables(coin)[loc.table],
          Key: loc.key,
          UpdateExpression: `ADD ${adds.join(', ')}${sets.length ? ` SET ${sets.join(', ')}` : ''}`,
          ConditionExpression: 'NOT contains(applied, :id)',
          ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
          ExpressionAttributeValues: values,
        }),
      ),
    );
    return added ? 'added' : 'duplicate';
  }

  async putSlices(coin: string, batchId: string, slices: readonly WorkerSlice[], views: SliceViews): Promise<void> {
    const table = this.tables(coin).shares;
    const puts: Array<Record<string, unknown>> = [];
    for (const [height, rows] of views.rounds ? roundRows(slices) : []) {
      packRows(rows).forEach((z, n) => {
        puts.push({ pk: `ROUND#${height}`, sk: `PART#${batchId}#${n}`, z });
      });
    }
    for (const { shard, minute, rows } of views.minutes ? minuteRows(slices).values() : []) {
      // Kept for statsTtl after the minute ended, like the pool's minute buckets.
      const expiresAt = (minute + 1) * 60 + this.statsTtlSeconds;
      packRows(rows).forEach((z, n) => {
        puts.push({ pk: `MS#${shard}`, sk: `${minuteKey(minute)}#${batchId}#${n}`, z, expiresAt });
      });
    }
    // Immutable items under names derived from the batch: one a previous attempt wrote is simply there already.
    await Promise.all(
      puts.map((Item) =>
        this.conditional('put slices', () =>
          this.doc.send(new PutCommand({ TableName: table, Item, ConditionExpression: 'attribute_not_exists(pk)' })),
        ),
      ),
    );
  }

  async putBlock(coin: string, block: FoundBlockRecord): Promise<'created' | 'exists'> {
    const created = await this.conditional('put block', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tables(coin).blocks,
          Item: { pk: 'BLOCK', sk: blockSortKey(block.height, block.hash), coin, status: 'pending', ...block },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return created ? 'created' : 'exists';
  }

  async blockBatch(coin: string, height: number, hash: string): Promise<string | undefined> {
    const { Item } = await this.call('get block', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tables(coin).blocks,
          Key: { pk: 'BLOCK', sk: blockSortKey(height, hash) },
          ProjectionExpression: 'batchId',
          ConsistentRead: true,
        }),
      ),
    );
    return typeof Item?.batchId === 'string' ? Item.batchId : undefined;
  }

  async releaseBatch(coin: string, batchId: string, claim: string): Promise<void> {
    await this.conditional('release batch', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tables(coin).shares,
          Key: { pk: `BATCH#${batchId}`, sk: BATCH_SK },
          UpdateExpression: 'SET leaseUntil = :zero',
          ConditionExpression: '#status = :applying AND claim = :claim',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':zero': 0, ':applying': 'applying', ':claim': claim },
        }),
      ),
    );
  }

  async markBatchApplied(coin: string, batchId: string): Promise<void> {
    await this.setBatchStatus(coin, batchId, 'applying', 'applied');
  }

  async markBatchCleaned(coin: string, batchId: string): Promise<void> {
    await this.setBatchStatus(coin, batchId, 'applied', 'cleaned');
  }

  async releaseCounterGuard(coin: string, batchId: string, counter: Counter): Promise<void> {
    const loc = locate(counter);
    await this.conditional('release counter guard', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tables(coin)[loc.table],
          Key: loc.key,
          UpdateExpression: 'DELETE applied :ids',
          // Never create an empty item for a counter that was not written.
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':ids': new Set([batchId]) },
        }),
      ),
    );
  }

  async getRoundShares(coin: string, height: number): Promise<RoundShares> {
    const items = await this.queryAll({
      TableName: this.tables(coin).shares,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `ROUND#${height}` },
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
    return this.getTally(this.tables(coin).shares, { pk: `ROUND#${height}`, sk: TOTAL });
  }

  async getMinerStats(coin: string, miner: string, sinceMinute: number): Promise<MinerStats> {
    const items = await this.queryAll({
      TableName: this.tables(coin).shares,
      KeyConditionExpression: 'pk = :pk AND sk >= :since',
      ExpressionAttributeValues: { ':pk': `MS#${minerShard(miner)}`, ':since': minuteKey(sinceMinute) },
    });
    const total: Tally = { shares: 0, difficulty: 0 };
    const minutes = new Map<number, MinuteBucket>();
    const workers = new Map<string, { lastShareAt: number; minutes: Map<number, MinuteBucket> }>();
    const addTo = (buckets: Map<number, MinuteBucket>, minute: number, row: MinuteRow) => {
      const b = buckets.get(minute) ?? { minute, shares: 0, difficulty: 0 };
      b.shares += row[2];
      b.difficulty += row[3];
      buckets.set(minute, b);
    };
    for (const item of items) {
      const minute = Number(String(item.sk).slice(0, 10));
      for (const row of unpackRows<MinuteRow>(item.z as Uint8Array)) {
        if (row[0] !== miner) continue;
        total.shares += row[2];
        total.difficulty += row[3];
        addTo(minutes, minute, row);
        let w = workers.get(row[1]);
        if (!w) {
          w = { lastShareAt: 0, minutes: new Map() };
          workers.set(row[1], w);
        }
        w.lastShareAt = Math.max(w.lastShareAt, row[4]);
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
      const page = await this.call('query last share', () =>
        this.doc.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :pk AND sk >= :since',
            ExpressionAttributeValues: { ':pk': `MS#${minerShard(miner)}`, ':since': minuteKey(sinceMinute) },
            ScanIndexForward: false,
            ...(startKey && { ExclusiveStartKey: startKey }),
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const minute = String(item.sk).slice(0, 10);
        if (foundIn !== undefined && minute !== foundIn) return last;
        for (const row of unpackRows<MinuteRow>(item.z as Uint8Array)) {
          if (row[0] !== miner) continue;
          foundIn = minute;
          last = Math.max(last, row[4]);
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return last;
  }

  getPoolStats(coin: string, sinceMinute: number): Promise<MinuteBucket[]> {
    return this.minuteBuckets(this.tables(coin).stats, 'POOL', sinceMinute);
  }

  async listBlocks(coin: string, limit = 100): Promise<BlockRecord[]> {
    const { Items = [] } = await this.call('list blocks', () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.tables(coin).blocks,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'BLOCK' },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return Items.map(toBlockRecord);
  }

  getPoolTotal(coin: string): Promise<Tally> {
    return this.getTally(this.tables(coin).shares, { pk: 'POOL', sk: TOTAL });
  }

  private async setBatchStatus(coin: string, batchId: string, from: string, to: string): Promise<void> {
    // A failed condition means another attempt already moved the batch on: nothing to do.
    await this.conditional(`mark batch ${to}`, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tables(coin).shares,
          Key: { pk: `BATCH#${batchId}`, sk: BATCH_SK },
          UpdateExpression: 'SET #status = :to',
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':from': from, ':to': to },
        }),
      ),
    );
  }

  private async getTally(table: string, key: { pk: string; sk: string }): Promise<Tally> {
    const { Item } = await this.call('get', () => this.doc.send(new GetCommand({ TableName: table, Key: key })));
    return tally(Item);
  }

  private async minuteBuckets(table: string, pk: string, sinceMinute: number): Promise<MinuteBucket[]> {
    const items = await this.queryAll({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND sk >= :since',
      ExpressionAttributeValues: { ':pk': pk, ':since': sinceMinute },
    });
    return items.map((i) => ({ minute: num(i.sk), ...tally(i) }));
  }

  private queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    return queryAll(this.doc, 'query', input);
  }

  /** Runs a conditional write: true if written, false if its condition failed; other failures → StorageError. */
  private conditional(op: string, fn: () => Promise<unknown>): Promise<boolean> {
    return conditionalWrite(op, fn);
  }

  private call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    return dynamoCall(op, fn);
  }
}

/** A blocks-table item as the domain sees it (shared with the money store, which adds its own fields). */
export function toBlockRecord(i: Record<string, unknown>): BlockRecord {
  return {
    coin: String(i.coin),
    status: i.status as BlockRecord['status'],
    height: num(i.height),
    hash: String(i.hash),
    reward: String(i.reward),
    networkDifficulty: num(i.networkDifficulty),
    submitResult: String(i.submitResult),
    miner: String(i.miner),
    worker: String(i.worker),
    shareDifficulty: num(i.shareDifficulty),
    actualDifficulty: num(i.actualDifficulty),
    time: num(i.time),
  };
}

/** Height first, zero-padded, so that the sort key orders blocks by height. */
export function blockSortKey(height: number, hash: string): string {
  return `${String(height).padStart(10, '0')}#${hash}`;
}
