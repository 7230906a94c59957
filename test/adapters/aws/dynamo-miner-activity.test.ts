import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minerShard } from '../../../adapters/aws/packed-slices.js';
import { MINER_A } from '../../core/shares/fixtures.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { BOTH_VIEWS, MIN0, slice, T0 } from './share-fixtures.js';

const NONE = { stale: 0, invalid: 0, duplicate: 0 };

/** Another miner whose per-minute items share MINER_A's shard. */
const NEIGHBOUR = (() => {
  for (let i = 0; ; i++) if (minerShard(`neighbour${i}`) === minerShard(MINER_A)) return `neighbour${i}`;
})();

describe('the miner activity reader on dynalite', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it("reads a miner's own minute buckets and workers from its shard, oldest first, from the minute asked", async () => {
    const { ingest, miners } = await dynamo.freshStore();
    await ingest.putSlices(
      'LTC',
      'b1',
      [
        slice({
          miner: MINER_A,
          worker: 'rig1',
          minute: MIN0 + 2,
          shares: 2,
          difficulty: 16,
          lastShareAt: T0 + 130_000,
        }),
        slice({ miner: MINER_A, worker: 'rig2', minute: MIN0, lastShareAt: T0 + 5_000 }),
        slice({ miner: NEIGHBOUR, worker: 'rig1', minute: MIN0, shares: 9, difficulty: 90 }),
      ],
      BOTH_VIEWS,
    );
    await ingest.putSlices(
      'LTC',
      'b2',
      [slice({ miner: MINER_A, worker: 'rig1', minute: MIN0, lastShareAt: T0 + 7_000 })],
      BOTH_VIEWS,
    );

    const stats = await miners.getMinerStats('LTC', MINER_A, MIN0);
    expect(stats.total).toEqual({ shares: 4, difficulty: 32 });
    expect(stats.minutes).toEqual([
      { minute: MIN0, shares: 2, difficulty: 16 },
      { minute: MIN0 + 2, shares: 2, difficulty: 16 },
    ]);
    expect([...stats.workers].sort((a, b) => a.worker.localeCompare(b.worker))).toEqual([
      {
        worker: 'rig1',
        lastShareAt: T0 + 130_000,
        minutes: [
          { minute: MIN0, shares: 1, difficulty: 8 },
          { minute: MIN0 + 2, shares: 2, difficulty: 16 },
        ],
        refused: NONE,
      },
      {
        worker: 'rig2',
        lastShareAt: T0 + 5_000,
        minutes: [{ minute: MIN0, shares: 1, difficulty: 8 }],
        refused: NONE,
      },
    ]);
    const later = await miners.getMinerStats('LTC', MINER_A, MIN0 + 1);
    expect(later.total).toEqual({ shares: 2, difficulty: 16 });
    expect(later.workers.map((w) => w.worker)).toEqual(['rig1']);
  });

  it("finds the miner's newest share, 0 when it sent none since the minute asked", async () => {
    const { ingest, miners } = await dynamo.freshStore();
    await ingest.putSlices(
      'LTC',
      'b1',
      [
        slice({ miner: MINER_A, minute: MIN0, lastShareAt: T0 + 1_000 }),
        slice({ miner: MINER_A, minute: MIN0 + 3, lastShareAt: T0 + 190_000 }),
        slice({ miner: NEIGHBOUR, minute: MIN0 + 5, lastShareAt: T0 + 310_000 }),
      ],
      BOTH_VIEWS,
    );
    // Another batch of the same minute can hold the newer share.
    await ingest.putSlices(
      'LTC',
      'b2',
      [slice({ miner: MINER_A, minute: MIN0 + 3, lastShareAt: T0 + 200_000 })],
      BOTH_VIEWS,
    );
    expect(await miners.lastShareAt('LTC', MINER_A, MIN0)).toBe(T0 + 200_000);
    expect(await miners.lastShareAt('LTC', MINER_A, MIN0 + 4)).toBe(0);
    expect(await miners.lastShareAt('LTC', 'nobody', MIN0)).toBe(0);
  });

  it("sums a worker's refused shares over the minutes asked, beside its accepted ones, from every batch", async () => {
    const { ingest, miners } = await dynamo.freshStore();
    await ingest.putSlices(
      'LTC',
      'b1',
      [slice({ miner: MINER_A, worker: 'rig1', minute: MIN0 + 1, lastShareAt: T0 + 61_000 })],
      BOTH_VIEWS,
      [
        { minute: MIN0 + 1, miner: MINER_A, worker: 'rig1', stale: 2, invalid: 1, duplicate: 0 },
        { minute: MIN0, miner: MINER_A, worker: 'rig1', stale: 5, invalid: 0, duplicate: 0 },
        // A worker whose every share was refused.
        { minute: MIN0 + 1, miner: MINER_A, worker: 'bad', stale: 0, invalid: 3, duplicate: 1 },
        { minute: MIN0 + 1, miner: NEIGHBOUR, worker: 'rig1', stale: 9, invalid: 9, duplicate: 9 },
      ],
    );
    await ingest.putSlices('LTC', 'b2', [], BOTH_VIEWS, [
      { minute: MIN0 + 2, miner: MINER_A, worker: 'rig1', stale: 1, invalid: 0, duplicate: 1 },
    ]);

    const stats = await miners.getMinerStats('LTC', MINER_A, MIN0 + 1);
    expect(stats.total).toEqual({ shares: 1, difficulty: 8 });
    // Refusals are no work: the minute buckets (the hashrate) hold accepted shares only.
    expect(stats.minutes).toEqual([{ minute: MIN0 + 1, shares: 1, difficulty: 8 }]);
    expect([...stats.workers].sort((a, b) => a.worker.localeCompare(b.worker))).toEqual([
      { worker: 'bad', lastShareAt: 0, minutes: [], refused: { stale: 0, invalid: 3, duplicate: 1 } },
      {
        worker: 'rig1',
        lastShareAt: T0 + 61_000,
        minutes: [{ minute: MIN0 + 1, shares: 1, difficulty: 8 }],
        refused: { stale: 3, invalid: 1, duplicate: 1 },
      },
    ]);
    // A minute of refusals only is not the miner's last share.
    expect(await miners.lastShareAt('LTC', MINER_A, MIN0)).toBe(T0 + 61_000);
  });
});
