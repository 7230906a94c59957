import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { found, MIN0 } from './share-fixtures.js';

describe('the pool stats reader on dynalite', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it("reads the pool's minute buckets from the minute asked, oldest first, and its total", async () => {
    const { ingest, poolStats } = await dynamo.freshStore();
    for (const [batchId, minute, shares] of [
      ['b1', MIN0 + 1, 2],
      ['b2', MIN0, 1],
      ['b3', MIN0 + 1, 3],
    ] as const) {
      await ingest.addToCounter('LTC', batchId, {
        counter: { kind: 'poolMinute', minute },
        shares,
        difficulty: 8 * shares,
      });
      await ingest.addToCounter('LTC', batchId, { counter: { kind: 'poolTotal' }, shares, difficulty: 8 * shares });
    }
    expect(await poolStats.getPoolStats('LTC', MIN0)).toEqual([
      { minute: MIN0, shares: 1, difficulty: 8 },
      { minute: MIN0 + 1, shares: 5, difficulty: 40 },
    ]);
    expect(await poolStats.getPoolStats('LTC', MIN0 + 1)).toEqual([{ minute: MIN0 + 1, shares: 5, difficulty: 40 }]);
    expect(await poolStats.getPoolTotal('LTC')).toEqual({ shares: 6, difficulty: 48 });
  });

  it('lists the recorded blocks highest first, at most the limit', async () => {
    const { ingest, poolStats } = await dynamo.freshStore();
    for (const height of [99, 1000, 101]) {
      await ingest.putBlock('LTC', found({ height, hash: String(height).padStart(64, '0') }));
    }
    expect((await poolStats.listBlocks('LTC')).map((b) => [b.height, b.status])).toEqual([
      [1000, 'pending'],
      [101, 'pending'],
      [99, 'pending'],
    ]);
    expect((await poolStats.listBlocks('LTC', 2)).map((b) => b.height)).toEqual([1000, 101]);
  });
});
