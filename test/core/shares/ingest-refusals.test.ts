import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoShareStores } from '../../../adapters/aws/dynamo-share-store.js';
import type { ShareIngestStore } from '../../../core/ports/share-store.js';
import { MINUTE_MS } from '../../../core/shares/aggregate.js';
import { ingestBatch } from '../../../core/shares/ingest-batch.js';
import type { RefusedShares, ShareBatch } from '../../../core/shares/share.js';
import { crashingStore, type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { batch, MINER_A, MINER_B, share } from './fixtures.js';

// Workers' refused-share counts through ingest on dynalite: added to the per-minute rows the miner page reads, once
// per batch however often it is delivered, and never to what the money reads.

const T0 = 1_700_000_040_000; // a minute boundary
const MIN0 = T0 / MINUTE_MS;

let dynamo: Dynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

let claims = 0;
const ingest = (store: ShareIngestStore, b: ShareBatch) =>
  ingestBatch(store, b, { claim: `c${claims++}`, now: () => T0, leaseMs: 60_000 });

const refused = (over: Partial<RefusedShares> = {}): RefusedShares => ({
  miner: MINER_A,
  worker: 'rig1',
  timestamp: T0 + 1_000,
  stale: 1,
  invalid: 1,
  duplicate: 0,
  ...over,
});

async function workerCounts(store: DynamoShareStores, miner: string) {
  const stats = await store.miners.getMinerStats('LTC', miner, MIN0);
  return Object.fromEntries(stats.workers.map((w) => [w.worker, w.refused]));
}

describe("ingest of workers' refused shares", () => {
  it('counts a redelivered batch once, with shares or alone', async () => {
    const store = await dynamo.freshStore();
    const withShares: ShareBatch = { ...batch('b1', [share({ timestamp: T0 })]), rejected: [refused()] };
    const alone: ShareBatch = { ...batch('b2', []), rejected: [refused({ worker: 'bad', stale: 0, invalid: 4 })] };
    for (let i = 0; i < 3; i++) {
      expect(await ingest(store.ingest, withShares)).toBe(i === 0 ? 'applied' : 'duplicate');
      expect(await ingest(store.ingest, alone)).toBe(i === 0 ? 'applied' : 'duplicate');
    }
    expect(await workerCounts(store, MINER_A)).toEqual({
      rig1: { stale: 1, invalid: 1, duplicate: 0 },
      bad: { stale: 0, invalid: 4, duplicate: 0 },
    });
  });

  it('counts a batch once when its first attempt died at any write', async () => {
    const b: ShareBatch = {
      ...batch('b1', [share({ timestamp: T0 }), share({ miner: MINER_B, timestamp: T0 + MINUTE_MS })]),
      rejected: [refused(), refused({ timestamp: T0 + MINUTE_MS + 5, stale: 2, invalid: 0, duplicate: 1 })],
    };
    for (let crashAt = 0; crashAt < 8; crashAt++) {
      for (const afterWrite of [false, true]) {
        const store = await dynamo.freshStore();
        await ingest(crashingStore(store.ingest, crashAt, afterWrite), b).catch(() => undefined);
        // The lease of the dead attempt must run out before the batch is taken over.
        await ingestBatch(store.ingest, b, { claim: `c${claims++}`, now: () => T0 + 120_000, leaseMs: 60_000 });
        expect(await workerCounts(store, MINER_A)).toEqual({ rig1: { stale: 3, invalid: 1, duplicate: 1 } });
      }
    }
  });

  it('adds nothing the money reads: rounds and pool totals hold the accepted shares only', async () => {
    const store = await dynamo.freshStore();
    await ingest(store.ingest, { ...batch('b1', [share({ timestamp: T0 })]), rejected: [refused({ miner: MINER_B })] });
    const round = await store.rounds.getRoundShares('LTC', 100);
    expect(round.total).toEqual({ shares: 1, difficulty: 8 });
    expect(round.miners.map((m) => m.miner)).toEqual([MINER_A]);
    expect(await store.poolStats.getPoolTotal('LTC')).toEqual({ shares: 1, difficulty: 8 });
    const b = await store.miners.getMinerStats('LTC', MINER_B, MIN0);
    expect(b.total).toEqual({ shares: 0, difficulty: 0 });
    expect(b.workers).toEqual([
      { worker: 'rig1', lastShareAt: 0, minutes: [], refused: { stale: 1, invalid: 1, duplicate: 0 } },
    ]);
  });

  it('still ingests a batch of an older producer, without the field, as before', async () => {
    const store = await dynamo.freshStore();
    await ingest(store.ingest, batch('old', [share({ timestamp: T0 })]));
    expect(await workerCounts(store, MINER_A)).toEqual({ rig1: { stale: 0, invalid: 0, duplicate: 0 } });
  });
});
