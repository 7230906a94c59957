import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FoundBlockRecord } from '../../core/blocks/block.js';
import type { BatchClaim, BatchLease, ShareIngestStore, SliceViews } from '../../core/ports/share-store.js';
import type { BatchAggregate, Counter, CounterUpdate, WorkerSlice } from '../../core/shares/aggregate.js';
import type { RefusalSlice } from '../../core/shares/refusals.js';
import { conditionalWrite, dynamoCall, num } from './dynamo-calls.js';
import { minuteRows, packRows, roundRows } from './packed-slices.js';
import {
  batchKey,
  blockSortKey,
  DEFAULT_BATCH_TTL_SECONDS,
  DEFAULT_SHARE_CLAIM_TTL_SECONDS,
  DEFAULT_STATS_TTL_SECONDS,
  locateCounter,
  minerShardPk,
  minuteKey,
  roundPk,
  type ShareTables,
  type ShareTablesOptions,
  shareClaimKey,
} from './share-items.js';

/**
 * ShareIngestStore on DynamoDB (and dynalite, which has no transactions: every step here is a single-item write).
 * Key layout: adapters/aws/tables.ts. Protocol of the steps: core/shares/ingest-batch.ts.
 */

export interface DynamoShareIngestStoreOptions extends ShareTablesOptions {
  /** Batch items are kept this long to recognise redeliveries: longer than SQS retention (14 days) plus spool age. */
  batchTtlSeconds?: number;
  /** Per-minute buckets are kept this long (the dashboard shows at most a week). */
  statsTtlSeconds?: number;
  /** Share claims are kept this long after the share was accepted (default: as long as batch items). */
  shareClaimTtlSeconds?: number;
}

export class DynamoShareIngestStore implements ShareIngestStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tables: ShareTables;
  private readonly batchTtlSeconds: number;
  private readonly statsTtlSeconds: number;
  private readonly shareClaimTtlSeconds: number;

  constructor(opts: DynamoShareIngestStoreOptions) {
    this.doc = opts.doc;
    this.tables = opts.tables;
    this.batchTtlSeconds = opts.batchTtlSeconds ?? DEFAULT_BATCH_TTL_SECONDS;
    this.statsTtlSeconds = opts.statsTtlSeconds ?? DEFAULT_STATS_TTL_SECONDS;
    this.shareClaimTtlSeconds = opts.shareClaimTtlSeconds ?? DEFAULT_SHARE_CLAIM_TTL_SECONDS;
  }

  async beginBatch(agg: BatchAggregate, lease: BatchLease): Promise<BatchClaim> {
    const table = this.tables(agg.coin).shares;
    const key = batchKey(agg.batchId);
    const leaseUntil = lease.now + lease.leaseMs;
    const created = await conditionalWrite('put batch', () =>
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
    const tookOver = await conditionalWrite('take over batch', () =>
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
    const { Item } = await dynamoCall('get batch', () =>
      this.doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true })),
    );
    const status = Item?.status;
    if (status === 'applied' || status === 'cleaned') return status;
    return 'busy';
  }

  async addToCounter(coin: string, batchId: string, u: CounterUpdate): Promise<'added' | 'duplicate'> {
    const loc = locateCounter(u.counter);
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
    const added = await conditionalWrite('add to counter', () =>
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

  async putSlices(
    coin: string,
    batchId: string,
    slices: readonly WorkerSlice[],
    views: SliceViews,
    refusals: readonly RefusalSlice[] = [],
  ): Promise<void> {
    const table = this.tables(coin).shares;
    const puts: Array<Record<string, unknown>> = [];
    for (const [height, rows] of views.rounds ? roundRows(slices) : []) {
      packRows(rows).forEach((z, n) => {
        puts.push({ pk: roundPk(height), sk: `PART#${batchId}#${n}`, z });
      });
    }
    for (const { shard, minute, rows } of views.minutes ? minuteRows(slices, refusals).values() : []) {
      // Kept for statsTtl after the minute ended, like the pool's minute buckets.
      const expiresAt = (minute + 1) * 60 + this.statsTtlSeconds;
      packRows(rows).forEach((z, n) => {
        puts.push({ pk: minerShardPk(shard), sk: `${minuteKey(minute)}#${batchId}#${n}`, z, expiresAt });
      });
    }
    // Immutable items under names derived from the batch: one a previous attempt wrote is simply there already.
    await Promise.all(
      puts.map((Item) =>
        conditionalWrite('put slices', () =>
          this.doc.send(new PutCommand({ TableName: table, Item, ConditionExpression: 'attribute_not_exists(pk)' })),
        ),
      ),
    );
  }

  async putBlock(coin: string, block: FoundBlockRecord): Promise<'created' | 'exists'> {
    const created = await conditionalWrite('put block', () =>
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
    const { Item } = await dynamoCall('get block', () =>
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
    await conditionalWrite('release batch', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tables(coin).shares,
          Key: batchKey(batchId),
          UpdateExpression: 'SET leaseUntil = :zero',
          ConditionExpression: '#status = :applying AND claim = :claim',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':zero': 0, ':applying': 'applying', ':claim': claim },
        }),
      ),
    );
  }

  async claimShare(coin: string, batchId: string, hash: string, acceptedAt: number, now: number): Promise<boolean> {
    // One conditional put (BatchWriteItem cannot be conditional): a new claim, this batch's own (an earlier attempt),
    // or one past its end that DynamoDB's TTL has not deleted yet (dynalite never does).
    return conditionalWrite('claim share', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tables(coin).shares,
          Item: {
            ...shareClaimKey(hash),
            batchId,
            expiresAt: Math.floor(acceptedAt / 1000) + this.shareClaimTtlSeconds,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR batchId = :batch OR expiresAt < :now',
          ExpressionAttributeValues: { ':batch': batchId, ':now': Math.floor(now / 1000) },
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
    const loc = locateCounter(counter);
    await conditionalWrite('release counter guard', () =>
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

  private async setBatchStatus(coin: string, batchId: string, from: string, to: string): Promise<void> {
    // A failed condition means another attempt already moved the batch on: nothing to do.
    await conditionalWrite(`mark batch ${to}`, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tables(coin).shares,
          Key: batchKey(batchId),
          UpdateExpression: 'SET #status = :to',
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':from': from, ':to': to },
        }),
      ),
    );
  }
}
