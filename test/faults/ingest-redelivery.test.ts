import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoShareStores } from '../../adapters/aws/dynamo-share-store.js';
import { LocalQueue } from '../../adapters/local/local-queue.js';
import type { ShareIngestStore } from '../../core/ports/share-store.js';
import type { Share, ShareBatch } from '../../core/shares/share.js';
import { run as ingest } from '../../lambdas/ingest/handler.js';
import { LOCAL_INGEST_LEASE_MS } from '../../local/pool.js';
import { batch, MINER_A, MINER_B, share } from '../core/shares/fixtures.js';
import { crashingStore, type Dynamo, minerTotal, silentLog, startDynamo } from '../helpers/dynamo.js';

/**
 * Ingest faults through the local queue as `npm start` wires it (LocalQueue defaults: 1 s visibility, 5 receives;
 * the local ingest lease): deliveries of the same batch in several messages, and an attempt that dies midway while
 * holding its claim — the queue's own redelivery must count every batch exactly once and dead-letter nothing.
 * (test/lambdas/ingest covers the handler alone: duplicates in one event, crash points as a property.)
 */
describe('ingest faults through the local queue', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo?.close();
  });

  const shares: Share[] = [
    share({ miner: MINER_A, worker: 'rig1', difficulty: 8 }),
    share({ miner: MINER_A, worker: 'rig2', difficulty: 4, timestamp: 1_700_000_061_000 }),
    share({ miner: MINER_B, worker: '', difficulty: 2, height: 101 }),
  ];
  const sample = (id: string): ShareBatch => batch(id, shares);

  /** A LocalQueue in front of the real ingest handler; `storeFor(call)` picks the store of each handler call. */
  function pipeline(storeFor: (call: number) => ShareIngestStore) {
    let calls = 0;
    const queue = new LocalQueue({
      handler: (event) =>
        ingest(event, { store: storeFor(calls++), log: silentLog, now: Date.now, leaseMs: LOCAL_INGEST_LEASE_MS }),
    });
    return { queue, calls: () => calls };
  }

  async function expectCountedOnce(store: DynamoShareStores, copies: number) {
    expect(await minerTotal(store.miners, 'LTC', MINER_A)).toEqual({ shares: 2 * copies, difficulty: 12 * copies });
    expect(await minerTotal(store.miners, 'LTC', MINER_B)).toEqual({ shares: copies, difficulty: 2 * copies });
    expect((await store.rounds.getRoundShares('LTC', 100)).total).toEqual({
      shares: 2 * copies,
      difficulty: 12 * copies,
    });
  }

  it('counts a batch once however many messages carry it, in one receive or in several', async () => {
    const store = await dynamo.freshStore();
    const { queue, calls } = pipeline(() => store.ingest);
    // What a spool replay of a batch whose first send did arrive produces: the same batch id in several messages.
    await queue.send([sample('dup-1'), sample('dup-1')]);
    await queue.idle();
    await queue.send([sample('dup-1')]);
    await queue.send([sample('dup-2')]);
    await queue.idle();
    await queue.send([sample('dup-2'), sample('dup-1')]);
    await queue.idle();
    await queue.close();
    console.log(
      `6 messages carrying 2 batches (3 shares each) → ${calls()} handler calls, ` +
        `${queue.deadLetters().length} dead letters; pool total ${JSON.stringify(await store.poolStats.getPoolTotal('LTC'))}`,
    );
    await expectCountedOnce(store, 2);
    expect(queue.deadLetters()).toEqual([]);
  });

  it('counts a batch once when an attempt dies midway holding its claim, at any write', async () => {
    // How many writes one batch takes, to crash at the first, the last and points between.
    let writes = 0;
    const probe = await dynamo.freshStore();
    const countingProxy = new Proxy(probe.ingest, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function' || /^(get|list)/.test(String(prop))) return value;
        return (...args: unknown[]) => {
          writes++;
          return value.apply(target, args);
        };
      },
    });
    const p = pipeline(() => countingProxy);
    await p.queue.send([sample('probe')]);
    await p.queue.idle();
    await p.queue.close();
    const points = [...new Set([0, 1, Math.floor(writes / 3), Math.floor(writes / 2), writes - 2, writes - 1])];

    const started = performance.now();
    const results = await Promise.all(
      points.flatMap((at) =>
        [true, false].map(async (afterWrite) => {
          const store = await dynamo.freshStore();
          // The first handler call dies at write `at` (its release of the claim fails too, as in a killed
          // process); later calls, the queue's redeliveries, run normally.
          const { queue, calls } = pipeline((call) =>
            call === 0 ? crashingStore(store.ingest, at, afterWrite) : store.ingest,
          );
          const t0 = performance.now();
          await queue.send([sample(`crash-${at}-${afterWrite}`)]);
          await queue.idle();
          await queue.close();
          return {
            at,
            afterWrite,
            calls: calls(),
            ms: Math.round(performance.now() - t0),
            deadLetters: queue.deadLetters().length,
            store,
          };
        }),
      ),
    );
    console.log(
      `one batch = ${writes} store writes; crashed at writes ${points.join(', ')} (the write lost, or done with its ` +
        `answer lost), ${results.length} runs in ${Math.round(performance.now() - started)} ms:`,
    );
    console.table(results.map(({ store: _, ...r }) => r));
    for (const r of results) {
      expect(r.deadLetters).toBe(0);
      await expectCountedOnce(r.store, 1);
    }
  }, 30_000);
});
