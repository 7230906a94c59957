import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../../../core/shares/aggregate.js';
import type { Share, ShareBatch } from '../../../core/shares/share.js';
import { run } from '../../../lambdas/ingest/handler.js';
import { crashingStore, type Dynamo, minerTotal, silentLog, sqsEvent, startDynamo } from '../../helpers/dynamo.js';

const T0 = 1_700_000_040_000;
const LEASE = 60_000;
const MINERS = ['rltc1qaaa', 'rltc1qbbb'];

let dynamo: Dynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

const shareArb = fc.record({
  miner: fc.constantFrom(...MINERS),
  worker: fc.constantFrom('w1', 'w2', ''),
  height: fc.constantFrom(1, 2),
  // Integers: sums are then exact in any order, so the comparison needs no tolerance.
  difficulty: fc.integer({ min: 1, max: 64 }),
  minute: fc.integer({ min: 0, max: 2 }),
  ms: fc.integer({ min: 0, max: MINUTE_MS - 1 }),
});

const scenarioArb = fc
  .array(fc.array(shareArb, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 })
  .chain((batches) =>
    fc.record({
      batches: fc.constant(batches),
      deliveries: fc.array(
        fc.record({
          batch: fc.nat({ max: batches.length - 1 }),
          crashAt: fc.option(fc.nat({ max: 45 }), { nil: undefined }),
          afterWrite: fc.boolean(),
          waitMs: fc.constantFrom(0, 1000, LEASE + 1),
        }),
        { maxLength: 10 },
      ),
    }),
  );

type ShareSpec = typeof shareArb extends fc.Arbitrary<infer T> ? T : never;

function toBatch(i: number, shares: ShareSpec[]): ShareBatch {
  return {
    v: 1,
    batchId: `p-${i}`,
    coin: 'LTC',
    shares: shares.map(
      (s): Share => ({
        coin: 'LTC',
        miner: s.miner,
        worker: s.worker,
        height: s.height,
        difficulty: s.difficulty,
        actualDifficulty: s.difficulty,
        timestamp: T0 + s.minute * MINUTE_MS + s.ms,
      }),
    ),
  };
}

function sum(shares: Share[], pick: (s: Share) => boolean) {
  const chosen = shares.filter(pick);
  return { shares: chosen.length, difficulty: chosen.reduce((a, s) => a + s.difficulty, 0) };
}

describe('ingest idempotence (property)', () => {
  it('ends with the sums of the distinct batches, whatever the duplicates and crash points', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ batches, deliveries }) => {
        const store = await dynamo.freshStore();
        const all = batches.map((b, i) => toBatch(i, b));
        let now = T0;
        let msg = 0;
        const pending: number[] = [];
        const deliver = async (i: number, crash?: { at: number; afterWrite: boolean }) => {
          const s = crash ? crashingStore(store.ingest, crash.at, crash.afterWrite) : store.ingest;
          const res = await run(sqsEvent([{ messageId: `m${msg++}`, body: JSON.stringify(all[i]) }]), {
            store: s,
            log: silentLog,
            now: () => now,
            leaseMs: LEASE,
          });
          return res.batchItemFailures.length === 0;
        };
        for (const d of deliveries) {
          now += d.waitMs;
          const ok = await deliver(
            d.batch,
            d.crashAt === undefined ? undefined : { at: d.crashAt, afterWrite: d.afterWrite },
          );
          if (!ok) pending.push(d.batch);
        }
        // Every batch is eventually delivered without a crash (SQS redelivers until it succeeds).
        for (let i = 0; i < all.length; i++) pending.push(i);
        for (const i of pending) {
          now += LEASE + 1;
          expect(await deliver(i)).toBe(true);
        }

        const shares = all.flatMap((b) => b.shares);
        expect(await store.poolStats.getPoolTotal('LTC')).toEqual(sum(shares, () => true));
        for (const miner of MINERS) {
          expect(await minerTotal(store.miners, 'LTC', miner)).toEqual(sum(shares, (s) => s.miner === miner));
        }
        for (const height of [1, 2]) {
          const round = await store.rounds.getRoundShares('LTC', height);
          const inRound = shares.filter((s) => s.height === height);
          expect(round.total).toEqual(sum(inRound, () => true));
          for (const w of round.workers) {
            expect({ shares: w.shares, difficulty: w.difficulty }).toEqual(
              sum(inRound, (s) => s.miner === w.miner && s.worker === w.worker),
            );
          }
          expect(round.workers.reduce((a, w) => a + w.shares, 0)).toBe(inRound.length);
        }
        const minutes = await store.poolStats.getPoolStats('LTC', 0);
        for (const b of minutes) {
          expect({ shares: b.shares, difficulty: b.difficulty }).toEqual(
            sum(shares, (s) => Math.floor(s.timestamp / MINUTE_MS) === b.minute),
          );
        }
        expect(minutes.reduce((a, b) => a + b.shares, 0)).toBe(shares.length);
      }),
      { numRuns: 15 },
    );
  }, 120_000);
});
