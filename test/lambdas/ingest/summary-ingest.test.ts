import { createHash } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoShareStores } from '../../../adapters/aws/dynamo-share-store.js';
import { MINUTE_MS } from '../../../core/shares/aggregate.js';
import { ingestBatch } from '../../../core/shares/ingest-batch.js';
import type { ShareBatch } from '../../../core/shares/share.js';
import { summarizeBatches } from '../../../core/shares/summary.js';
import { batch, MINER_A, MINER_B, share } from '../../core/shares/fixtures.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';

// Ingest of summaries against ingest of the shares themselves, on dynalite: what the rewards and pages read must
// not change when the stratum task ships a minute's summary instead of every share.

const T0 = 1_700_000_040_000; // a minute boundary
const MIN0 = Math.floor(T0 / MINUTE_MS);
const MINER_C = 'rltc1qminerc';

let dynamo: Dynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

let claims = 0;
async function ingestAll(store: DynamoShareStores, batches: readonly ShareBatch[]) {
  for (const b of batches)
    await ingestBatch(store.ingest, b, { claim: `c${claims++}`, now: () => T0, leaseMs: 60_000 });
}

const byKey = <T extends { miner: string; worker?: string }>(rows: T[]) =>
  [...rows].sort((a, b) => `${a.miner}/${a.worker ?? ''}`.localeCompare(`${b.miner}/${b.worker ?? ''}`));

describe('summary ingest', () => {
  it('reads the same rounds, miner pages and pool buckets as ingesting every share', async () => {
    const spec = fc.record({
      miner: fc.constantFrom(MINER_A, MINER_B, MINER_C),
      worker: fc.constantFrom('', 'rig1', 'rig2'),
      height: fc.integer({ min: 100, max: 101 }),
      difficulty: fc.integer({ min: 1, max: 4096 }),
      timestamp: fc.integer({ min: T0, max: T0 + 2 * MINUTE_MS }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(spec, { minLength: 1, maxLength: 25 }), { minLength: 1, maxLength: 3 }),
        async (raw) => {
          const batches = raw.map((specs, i) =>
            batch(
              `b${i}`,
              specs.map((s) => share(s)),
            ),
          );
          const direct = await dynamo.freshStore();
          const summarized = await dynamo.freshStore();
          await ingestAll(direct, batches);
          await ingestAll(summarized, summarizeBatches(batches, { id: 'sum-b0', maxEntries: 4 }));
          for (const h of [100, 101]) {
            const [a, b] = await Promise.all([
              direct.rounds.getRoundShares('LTC', h),
              summarized.rounds.getRoundShares('LTC', h),
            ]);
            expect(b.total).toEqual(a.total);
            expect(byKey(b.miners)).toEqual(byKey(a.miners));
            expect(byKey(b.workers)).toEqual(byKey(a.workers));
          }
          for (const m of [MINER_A, MINER_B, MINER_C]) {
            const [a, b] = await Promise.all([
              direct.miners.getMinerStats('LTC', m, MIN0),
              summarized.miners.getMinerStats('LTC', m, MIN0),
            ]);
            expect(b.total).toEqual(a.total);
            expect(b.minutes).toEqual(a.minutes);
            expect(byKey(b.workers.map((w) => ({ miner: m, ...w })))).toEqual(
              byKey(a.workers.map((w) => ({ miner: m, ...w }))),
            );
          }
          expect(await summarized.poolStats.getPoolStats('LTC', MIN0)).toEqual(
            await direct.poolStats.getPoolStats('LTC', MIN0),
          );
          expect(await summarized.poolStats.getPoolTotal('LTC')).toEqual(await direct.poolStats.getPoolTotal('LTC'));
        },
      ),
      { numRuns: 8 },
    );
  });

  it('counts a rounds batch for the money only and a minutes batch for the miner pages only', async () => {
    const shares = [
      share({ miner: MINER_A, difficulty: 8, timestamp: T0 + 1 }),
      share({ miner: MINER_B, difficulty: 4, timestamp: T0 + MINUTE_MS }),
    ];
    const store = await dynamo.freshStore();
    await ingestAll(store, [{ ...batch('r1', shares), views: 'rounds' }]);
    expect((await store.rounds.getRoundShares('LTC', 100)).total).toEqual({ shares: 2, difficulty: 12 });
    expect(await store.poolStats.getPoolTotal('LTC')).toEqual({ shares: 2, difficulty: 12 });
    expect((await store.miners.getMinerStats('LTC', MINER_A, MIN0)).total).toEqual({ shares: 0, difficulty: 0 });

    await ingestAll(
      store,
      summarizeBatches([batch('r1', shares)], { id: 'm' }).map((b) => ({ ...b, views: 'minutes' as const })),
    );
    expect((await store.miners.getMinerStats('LTC', MINER_A, MIN0)).total).toEqual({ shares: 1, difficulty: 8 });
    expect((await store.miners.getMinerStats('LTC', MINER_B, MIN0)).minutes).toEqual([
      { minute: MIN0 + 1, shares: 1, difficulty: 4 },
    ]);
    // The money saw nothing twice.
    expect((await store.rounds.getRoundShares('LTC', 100)).total).toEqual({ shares: 2, difficulty: 12 });
    expect(await store.poolStats.getPoolTotal('LTC')).toEqual({ shares: 2, difficulty: 12 });
    expect(await store.poolStats.getPoolStats('LTC', MIN0)).toEqual([
      { minute: MIN0, shares: 1, difficulty: 8 },
      { minute: MIN0 + 1, shares: 1, difficulty: 4 },
    ]);
  });

  it('takes a minutes summary without PoT credits on a PoT coin (credits belong to the rounds batches)', async () => {
    const store = await dynamo.freshStore();
    const shares = [share({ miner: MINER_A, timestamp: T0 + 1 }), share({ miner: MINER_A, timestamp: T0 + 2 })];
    const summary = summarizeBatches([batch('p', shares)], { id: 'pm' }).map((b) => ({
      ...b,
      views: 'minutes' as const,
    }));
    for (const b of summary)
      await ingestBatch(store.ingest, b, { claim: `c${claims++}`, now: () => T0, leaseMs: 60_000, credit: () => 1 });
    expect((await store.miners.getMinerStats('LTC', MINER_A, MIN0)).total).toEqual({ shares: 2, difficulty: 16 });
  });

  it('finds the newest share of a miner reading newest first, and 0 when it sent none since', async () => {
    const store = await dynamo.freshStore();
    await ingestAll(store, [
      batch('x1', [share({ miner: MINER_A, timestamp: T0 + 1_000 })]),
      batch('x2', [share({ miner: MINER_A, timestamp: T0 + 5 * MINUTE_MS + 30_000 })]),
      // The same minute again from another task: the newest share of that minute wins.
      batch('x3', [share({ miner: MINER_A, worker: 'other', timestamp: T0 + 5 * MINUTE_MS + 50_000 })]),
      batch('x4', [share({ miner: MINER_B, timestamp: T0 + 9 * MINUTE_MS })]),
    ]);
    expect(await store.miners.lastShareAt('LTC', MINER_A, MIN0)).toBe(T0 + 5 * MINUTE_MS + 50_000);
    expect(await store.miners.lastShareAt('LTC', MINER_A, MIN0 + 6)).toBe(0);
    expect(await store.miners.lastShareAt('LTC', MINER_C, MIN0)).toBe(0);
  });

  it('packs a minute of 20,000 workers into a few items under the item size limit, and reads them all back', async () => {
    const store = await dynamo.freshStore();
    const workers = 20_000;
    const shares = Array.from({ length: workers }, (_, i) =>
      share({
        miner: `rltc1q${createHash('sha256').update(String(i)).digest('hex').slice(0, 38)}`,
        worker: `w${i % 7}`,
        difficulty: 2 + (i % 5),
        timestamp: T0 + (i % 60_000),
      }),
    );
    await ingestAll(store, [batch('big', shares)]);
    const round = await store.rounds.getRoundShares('LTC', 100);
    expect(round.workers).toHaveLength(workers);
    expect(round.workers.reduce((n, w) => n + w.difficulty, 0)).toBe(shares.reduce((n, s) => n + s.difficulty, 0));
    const { Items = [] } = await dynamo.client.send(
      new QueryCommand({
        TableName: dynamo.lastTables!.shares,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': { S: 'ROUND#100' }, ':p': { S: 'PART#' } },
      }),
    );
    const sizes = Items.map((i) => i.z?.B?.length ?? 0);
    console.log(
      `round parts for ${workers} workers: ${sizes.length} items of ${sizes.map((b) => `${Math.round(b / 1024)} KiB`).join(', ')}`,
    );
    expect(sizes.length).toBeGreaterThan(1);
    for (const b of sizes) expect(b).toBeLessThanOrEqual(300 * 1024);
  });
});
