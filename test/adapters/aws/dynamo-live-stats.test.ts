import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoLiveStats, putLiveSnapshot } from '../../../adapters/aws/dynamo-live-stats.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';

describe('live snapshots in the stats table (dynalite)', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('merges the fresh snapshots of several stratum processes: newest job, summed counts, stale ones ignored', async () => {
    await dynamo.freshStore();
    const names = dynamo.lastTables!;
    const doc = createDocumentClient(dynamo.client);
    const now = 10_000_000;
    const snap = { networkDifficulty: 100, windowMs: 600_000 };
    await putLiveSnapshot(doc, names.stats, 1, { ...snap, jobHeight: 50, miners: 3, workers: 5, at: now - 2_000 });
    await putLiveSnapshot(doc, names.stats, 2, {
      ...snap,
      jobHeight: 51,
      networkDifficulty: 120,
      miners: 1,
      workers: 1,
      at: now - 4_000,
    });
    await putLiveSnapshot(doc, names.stats, 3, { ...snap, jobHeight: 49, miners: 9, workers: 9, at: now - 120_000 }); // gone
    const live = new DynamoLiveStats(
      doc,
      () => names,
      () => now,
    );
    expect(await live.get('LTC')).toEqual({
      jobHeight: 51,
      networkDifficulty: 120,
      miners: 4,
      workers: 6,
      windowMs: 600_000,
      at: now - 2_000,
    });
    // The same process overwrites its item.
    await putLiveSnapshot(doc, names.stats, 1, { ...snap, jobHeight: 52, miners: 0, workers: 0, at: now });
    expect(await live.get('LTC')).toMatchObject({ jobHeight: 52, miners: 1, workers: 1 });
  });

  it('has nothing when no process reported recently', async () => {
    await dynamo.freshStore();
    const names = dynamo.lastTables!;
    expect(
      await new DynamoLiveStats(createDocumentClient(dynamo.client), () => names, Date.now).get('LTC'),
    ).toBeUndefined();
  });
});
