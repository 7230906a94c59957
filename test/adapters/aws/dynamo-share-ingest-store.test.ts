import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoShareStores } from '../../../adapters/aws/dynamo-share-store.js';
import { DEFAULT_SHARE_CLAIM_TTL_SECONDS } from '../../../adapters/aws/share-items.js';
import { aggregateBatch } from '../../../core/shares/aggregate.js';
import { batch, MINER_A, share } from '../../core/shares/fixtures.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { found, T0 } from './share-fixtures.js';

const LEASE_MS = 60_000;

describe('the ingest store on dynalite', () => {
  let dynamo: Dynamo;
  let stores: DynamoShareStores;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  const agg = (id: string) => aggregateBatch(batch(id, [share({ miner: MINER_A, timestamp: T0 })]));

  it('hands a batch to one owner at a time, to the next once the lease ran out or was released, never once applied', async () => {
    stores = await dynamo.freshStore();
    const { ingest } = stores;
    expect(await ingest.beginBatch(agg('b1'), { claim: 'a', now: T0, leaseMs: LEASE_MS })).toBe('claimed');
    expect(await ingest.beginBatch(agg('b1'), { claim: 'b', now: T0 + 1, leaseMs: LEASE_MS })).toBe('busy');
    await ingest.releaseBatch('LTC', 'b1', 'b'); // not the owner: nothing happens
    expect(await ingest.beginBatch(agg('b1'), { claim: 'c', now: T0 + 2, leaseMs: LEASE_MS })).toBe('busy');
    expect(await ingest.beginBatch(agg('b1'), { claim: 'd', now: T0 + LEASE_MS + 1, leaseMs: LEASE_MS })).toBe(
      'claimed',
    );
    await ingest.releaseBatch('LTC', 'b1', 'd');
    expect(await ingest.beginBatch(agg('b1'), { claim: 'e', now: T0 + LEASE_MS + 2, leaseMs: LEASE_MS })).toBe(
      'claimed',
    );
    await ingest.markBatchApplied('LTC', 'b1');
    expect(await ingest.beginBatch(agg('b1'), { claim: 'f', now: T0 + 10 * LEASE_MS, leaseMs: LEASE_MS })).toBe(
      'applied',
    );
    await ingest.markBatchCleaned('LTC', 'b1');
    await ingest.markBatchApplied('LTC', 'b1'); // from 'applying' only: stays cleaned
    expect(await ingest.beginBatch(agg('b1'), { claim: 'g', now: T0, leaseMs: LEASE_MS })).toBe('cleaned');
  });

  it('adds a batch to a counter once, and its released guard creates no counter that was never written', async () => {
    stores = await dynamo.freshStore();
    const { ingest, poolStats } = stores;
    const update = { counter: { kind: 'poolTotal' as const }, shares: 2, difficulty: 16 };
    expect(await ingest.addToCounter('LTC', 'b1', update)).toBe('added');
    expect(await ingest.addToCounter('LTC', 'b1', update)).toBe('duplicate');
    expect(await ingest.addToCounter('LTC', 'b2', update)).toBe('added');
    expect(await poolStats.getPoolTotal('LTC')).toEqual({ shares: 4, difficulty: 32 });
    await ingest.releaseCounterGuard('LTC', 'b1', update.counter);
    await ingest.releaseCounterGuard('LTC', 'b1', { kind: 'poolMinute', minute: 5 });
    expect(await poolStats.getPoolStats('LTC', 0)).toEqual([]);
  });

  it('claims a share hash for one batch: again for it, not for another, for anyone once the claim has ended', async () => {
    stores = await dynamo.freshStore();
    const { ingest } = stores;
    const h = 'cd'.repeat(32);
    const ttlMs = DEFAULT_SHARE_CLAIM_TTL_SECONDS * 1000;
    expect(await ingest.claimShare('LTC', 'b1', h, T0, T0)).toBe(true);
    expect(await ingest.claimShare('LTC', 'b1', h, T0, T0 + 5)).toBe(true); // a redelivery of b1
    expect(await ingest.claimShare('LTC', 'b2', h, T0 + 3, T0 + 5)).toBe(false);
    expect(await ingest.claimShare('LTC', 'b2', h, T0 + 3, T0 + ttlMs - 1_000)).toBe(false);
    // Past its end (DynamoDB's TTL deletes it some time later; dynalite never does): the share no longer matters.
    expect(await ingest.claimShare('LTC', 'b3', h, T0 + ttlMs, T0 + ttlMs + 1_000)).toBe(true);
    expect(await ingest.claimShare('LTC', 'b1', h, T0, T0 + ttlMs + 1_000)).toBe(false);
  });

  it('records a found block once and names the batch that recorded it', async () => {
    stores = await dynamo.freshStore();
    const { ingest, poolStats } = stores;
    expect(await ingest.blockBatch('LTC', 101, found().hash)).toBeUndefined();
    expect(await ingest.putBlock('LTC', found({ batchId: 'b1' }))).toBe('created');
    expect(await ingest.putBlock('LTC', found({ batchId: 'b2', miner: 'someone else' }))).toBe('exists');
    expect(await ingest.blockBatch('LTC', 101, found().hash)).toBe('b1');
    expect(await poolStats.listBlocks('LTC')).toEqual([{ ...found(), coin: 'LTC', status: 'pending' }]);
  });
});
