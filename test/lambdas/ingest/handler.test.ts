import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQS_MAX_BYTES } from '../../../adapters/aws/sqs-transport.js';
import type { ShareIngestStore } from '../../../core/ports/share-store.js';
import { MINUTE_MS } from '../../../core/shares/aggregate.js';
import { COMPRESSED_PREFIX, encodeMessages, TABLE_PREFIX } from '../../../core/shares/queue-message.js';
import { run } from '../../../lambdas/ingest/handler.js';
import { batch, MINER_A, MINER_B, share } from '../../core/shares/fixtures.js';
import { crashingStore, type Dynamo, minerTotal, silentLog, sqsEvent, startDynamo } from '../../helpers/dynamo.js';

const T0 = 1_700_000_040_000; // a minute boundary
const MIN0 = Math.floor(T0 / MINUTE_MS);
const HASH = 'ab'.repeat(32);

let dynamo: Dynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

function deps(store: ShareIngestStore, now = T0) {
  return { store, log: silentLog, now: () => now, leaseMs: 60_000, requestId: 'req' };
}

const sample = () =>
  batch('b-1', [
    share({ miner: MINER_A, worker: 'rig1', height: 100, difficulty: 8, timestamp: T0 + 1000 }),
    share({ miner: MINER_A, worker: 'rig1', height: 100, difficulty: 8, timestamp: T0 + 2000 }),
    share({ miner: MINER_A, worker: 'rig2', height: 100, difficulty: 16, timestamp: T0 + MINUTE_MS + 5 }),
    share({
      miner: MINER_B,
      worker: '',
      height: 101,
      difficulty: 4,
      actualDifficulty: 5000,
      timestamp: T0 + MINUTE_MS + 10,
      block: { height: 101, hash: HASH, reward: '625000000', networkDifficulty: 4000, submitResult: 'accepted' },
    }),
  ]);

describe('ingest handler', () => {
  it('counts every batch of a compressed multi-batch message once, even after a crash midway and a redelivery', async () => {
    const store = await dynamo.freshStore();
    const batches = [1, 2, 3].map((n) =>
      batch(`c-${n}`, [
        share({
          miner: MINER_A,
          worker: `rig${n}`,
          height: 100,
          difficulty: n,
          timestamp: T0 + n,
          hash: String(n).repeat(64), // a row of the share table, not a share sent whole
        }),
      ]),
    );
    const [body] = encodeMessages(batches, SQS_MAX_BYTES);
    expect(body!.startsWith(TABLE_PREFIX)).toBe(true);
    // the first attempt dies in the second batch (a one-share batch takes 20 writes: the first one is counted)
    const dying = crashingStore(store.ingest, 25, true);
    const first = await run(sqsEvent([{ messageId: 'm1', body: body! }]), { ...deps(dying), leaseMs: 1 });
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    const again = await run(sqsEvent([{ messageId: 'm1', body: body!, receiveCount: 2 }]), deps(store.ingest, T0 + 10));
    expect(again.batchItemFailures).toEqual([]);
    expect((await store.rounds.getRoundShares('LTC', 100)).total).toEqual({ shares: 3, difficulty: 6 });
    await run(sqsEvent([{ messageId: 'm1', body: body!, receiveCount: 3 }]), deps(store.ingest, T0 + 20));
    expect((await minerTotal(store.miners, 'LTC', MINER_A)).shares).toBe(3);
  });

  it('reports each newly recorded block as a BlocksFound CloudWatch metric, once, whatever the redeliveries', async () => {
    const store = await dynamo.freshStore();
    const lines: string[] = [];
    const withEmit = { ...deps(store.ingest), emit: (l: string) => void lines.push(l) };
    const body = JSON.stringify(sample()); // one of its shares found block 101
    await run(sqsEvent([{ messageId: 'm1', body }]), withEmit);
    await run(sqsEvent([{ messageId: 'm1', body, receiveCount: 2 }]), withEmit);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>).map((r) => [r.Coin, r.BlocksFound])).toEqual([
      ['LTC', 1],
    ]);
  });

  it('reports a compressed body that does not decode as failed, for the dead-letter queue', async () => {
    const store = await dynamo.freshStore();
    const res = await run(
      sqsEvent([
        { messageId: 'bad', body: `${COMPRESSED_PREFIX}AAAA` },
        { messageId: 'bad-table', body: `${TABLE_PREFIX}AAAA` },
      ]),
      deps(store.ingest),
    );
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }, { itemIdentifier: 'bad-table' }]);
  });

  it('folds a batch into round, miner, worker, minute and block records', async () => {
    const store = await dynamo.freshStore();
    const res = await run(sqsEvent([{ messageId: 'm1', body: JSON.stringify(sample()) }]), deps(store.ingest));
    expect(res.batchItemFailures).toEqual([]);

    const r100 = await store.rounds.getRoundShares('LTC', 100);
    expect(r100.total).toEqual({ shares: 3, difficulty: 32 });
    expect(r100.miners).toEqual([{ miner: MINER_A, shares: 3, difficulty: 32 }]);
    expect(r100.workers).toEqual(
      expect.arrayContaining([
        { miner: MINER_A, worker: 'rig1', shares: 2, difficulty: 16 },
        { miner: MINER_A, worker: 'rig2', shares: 1, difficulty: 16 },
      ]),
    );
    expect((await store.rounds.getRoundShares('LTC', 101)).total).toEqual({ shares: 1, difficulty: 4 });

    expect(await store.poolStats.getPoolStats('LTC', MIN0)).toEqual([
      { minute: MIN0, shares: 2, difficulty: 16 },
      { minute: MIN0 + 1, shares: 2, difficulty: 20 },
    ]);
    expect(await store.poolStats.getPoolStats('LTC', MIN0 + 1)).toEqual([
      { minute: MIN0 + 1, shares: 2, difficulty: 20 },
    ]);

    const a = await store.miners.getMinerStats('LTC', MINER_A, MIN0);
    expect(a.total).toEqual({ shares: 3, difficulty: 32 });
    expect(a.minutes).toEqual([
      { minute: MIN0, shares: 2, difficulty: 16 },
      { minute: MIN0 + 1, shares: 1, difficulty: 16 },
    ]);
    const rig1 = a.workers.find((w) => w.worker === 'rig1');
    expect(rig1?.lastShareAt).toBe(T0 + 2000);
    expect(rig1?.minutes).toEqual([{ minute: MIN0, shares: 2, difficulty: 16 }]);

    expect(await store.poolStats.getPoolTotal('LTC')).toEqual({ shares: 4, difficulty: 36 });
    expect(await minerTotal(store.miners, 'LTC', MINER_B)).toEqual({ shares: 1, difficulty: 4 });

    expect(await store.poolStats.listBlocks('LTC')).toEqual([
      {
        coin: 'LTC',
        status: 'pending',
        height: 101,
        hash: HASH,
        reward: '625000000',
        networkDifficulty: 4000,
        submitResult: 'accepted',
        miner: MINER_B,
        worker: '',
        shareDifficulty: 4,
        actualDifficulty: 5000,
        time: T0 + MINUTE_MS + 10,
      },
    ]);
  });

  it('counts a message delivered twice once', async () => {
    const store = await dynamo.freshStore();
    const body = JSON.stringify(sample());
    await run(sqsEvent([{ messageId: 'm1', body }]), deps(store.ingest));
    const again = await run(sqsEvent([{ messageId: 'm1', body, receiveCount: 2 }]), deps(store.ingest));
    expect(again.batchItemFailures).toEqual([]);
    expect(await store.poolStats.getPoolTotal('LTC')).toEqual({ shares: 4, difficulty: 36 });
    expect((await store.rounds.getRoundShares('LTC', 100)).total).toEqual({ shares: 3, difficulty: 32 });
  });

  it('counts a batch once when two copies arrive in the same event: the second is retried, then skipped', async () => {
    const store = await dynamo.freshStore();
    const body = JSON.stringify(sample());
    const first = await run(
      sqsEvent([
        { messageId: 'm1', body },
        { messageId: 'm2', body },
      ]),
      deps(store.ingest),
    );
    expect(first.batchItemFailures.length).toBeLessThanOrEqual(1);
    const retry = first.batchItemFailures.map((f) => ({ messageId: f.itemIdentifier, body }));
    if (retry.length > 0) expect((await run(sqsEvent(retry), deps(store.ingest))).batchItemFailures).toEqual([]);
    expect(await store.poolStats.getPoolTotal('LTC')).toEqual({ shares: 4, difficulty: 36 });
  });

  it('counts a batch once when a consumer died after some counter writes and the message comes back', async () => {
    const store = await dynamo.freshStore();
    const body = JSON.stringify(sample());
    // Dies at the 6th write (inside step b), after that write reached the table.
    const dying = crashingStore(store.ingest, 5, true);
    const crashed = await run(sqsEvent([{ messageId: 'm1', body }]), deps(dying));
    expect(crashed.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect((await store.poolStats.getPoolTotal('LTC')).shares).toBeGreaterThan(0); // part of it landed

    // Before the dead consumer's lease ran out, a redelivery waits its turn.
    const early = await run(sqsEvent([{ messageId: 'm1', body, receiveCount: 2 }]), deps(store.ingest, T0 + 1000));
    expect(early.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);

    const late = await run(sqsEvent([{ messageId: 'm1', body, receiveCount: 3 }]), deps(store.ingest, T0 + 61_000));
    expect(late.batchItemFailures).toEqual([]);
    expect(await store.poolStats.getPoolTotal('LTC')).toEqual({ shares: 4, difficulty: 36 });
    expect(await minerTotal(store.miners, 'LTC', MINER_A)).toEqual({ shares: 3, difficulty: 32 });
    expect((await store.rounds.getRoundShares('LTC', 100)).workers).toHaveLength(2);
    expect(await store.poolStats.listBlocks('LTC')).toHaveLength(1);
  });

  it('lets a redelivery proceed at once when the failed attempt could release its claim', async () => {
    const store = await dynamo.freshStore();
    const body = JSON.stringify(sample());
    let calls = 0;
    const flaky = new Proxy(store.ingest, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== 'addToCounter') return value;
        return async (...args: unknown[]) => {
          if (calls++ === 3) throw new Error('ThrottlingException');
          return value.apply(target, args);
        };
      },
    });
    expect((await run(sqsEvent([{ messageId: 'm1', body }]), deps(flaky))).batchItemFailures).toHaveLength(1);
    expect((await run(sqsEvent([{ messageId: 'm1', body }]), deps(store.ingest, T0 + 1))).batchItemFailures).toEqual(
      [],
    );
    expect(await store.poolStats.getPoolTotal('LTC')).toEqual({ shares: 4, difficulty: 36 });
  });

  it('reports a malformed body as a failed item and still ingests the other records', async () => {
    const store = await dynamo.freshStore();
    const good = batch('b-good', [share({ difficulty: 2 })]);
    const wrongType = { ...batch('b-bad', [share()]), shares: [{ ...share(), difficulty: 'lots' }] };
    const res = await run(
      sqsEvent([
        { messageId: 'm-json', body: '{"v":1,' },
        { messageId: 'm-good', body: JSON.stringify(good) },
        { messageId: 'm-shape', body: JSON.stringify(wrongType) },
      ]),
      deps(store.ingest),
    );
    expect(res.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m-json', 'm-shape']);
    expect(await store.poolStats.getPoolTotal('LTC')).toEqual({ shares: 1, difficulty: 2 });
  });

  it('counts a share that comes twice in one batch (the same hash) once, and says so', async () => {
    const store = await dynamo.freshStore();
    const warnings: string[] = [];
    const log = { ...silentLog, warn: (_: object, msg: string) => void warnings.push(msg) };
    const twice = share({ miner: MINER_A, height: 100, difficulty: 8, timestamp: T0, hash: 'cd'.repeat(32) });
    const other = share({ miner: MINER_A, height: 100, difficulty: 8, timestamp: T0, hash: 'ef'.repeat(32) });
    const body = JSON.stringify(batch('rep-1', [twice, other, { ...twice, timestamp: T0 + 5 }]));
    const res = await run(sqsEvent([{ messageId: 'm1', body }]), { ...deps(store.ingest), log });
    expect(res.batchItemFailures).toEqual([]);
    expect((await store.rounds.getRoundShares('LTC', 100)).total).toEqual({ shares: 2, difficulty: 16 });
    expect((await minerTotal(store.miners, 'LTC', MINER_A)).shares).toBe(2);
    expect(warnings).toEqual(['repeated shares (same hash) counted once']);
  });

  it('counts a block-finding share once when another batch carries it again, whichever attempt comes when', async () => {
    const store = await dynamo.freshStore();
    const block = { height: 100, hash: HASH, reward: '625000000', networkDifficulty: 4000, submitResult: 'accepted' };
    const finder = share({ miner: MINER_B, height: 100, difficulty: 64, timestamp: T0, hash: 'cd'.repeat(32), block });
    const other = (n: number) => share({ miner: MINER_A, height: 100, difficulty: 1, timestamp: T0 + n });
    const first = JSON.stringify(batch('blk-1', [finder, other(1)]));
    const again = JSON.stringify(batch('blk-2', [other(2), finder]));
    await run(sqsEvent([{ messageId: 'm1', body: first }]), deps(store.ingest));
    await run(sqsEvent([{ messageId: 'm2', body: again }]), deps(store.ingest));
    await run(sqsEvent([{ messageId: 'm1', body: first, receiveCount: 2 }]), deps(store.ingest));
    expect((await store.rounds.getRoundShares('LTC', 100)).total).toEqual({ shares: 3, difficulty: 66 });
    expect((await minerTotal(store.miners, 'LTC', MINER_B)).shares).toBe(1);
    expect((await store.poolStats.listBlocks('LTC')).map((b) => [b.hash, b.miner])).toEqual([[HASH, MINER_B]]);
  });

  it('releases the counters’ guard sets once a batch is done', async () => {
    const store = await dynamo.freshStore();
    await run(sqsEvent([{ messageId: 'm1', body: JSON.stringify(sample()) }]), deps(store.ingest));
    const names = dynamo.lastTables!;
    for (const table of [names.shares, names.stats]) {
      const scan = await dynamo.client.send(new ScanCommand({ TableName: table }));
      const withGuard = (scan.Items ?? []).filter((i) => i.applied);
      expect(withGuard).toEqual([]);
      expect(scan.Items?.length).toBeGreaterThan(0);
    }
  });
});
