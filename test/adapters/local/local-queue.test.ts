import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalQueue } from '../../../adapters/local/local-queue.js';
import { parseShareBatch } from '../../../core/shares/batch-schema.js';
import { BatchingShareQueue } from '../../../fargate/src/queue/batching-share-queue.js';
import { run } from '../../../lambdas/ingest/handler.js';
import { batch, MemorySpool, MINER_A, MINER_B, share } from '../../core/shares/fixtures.js';
import { type Dynamo, minerTotal, silentLog, startDynamo } from '../../helpers/dynamo.js';

const batches = (n: number) => Array.from({ length: n }, (_, i) => batch(`b${i}`, [share()]));

describe('LocalQueue', () => {
  it('hands the handler SQS-shaped events of at most batchSize records', async () => {
    const events: SQSEvent[] = [];
    const q = new LocalQueue({ batchSize: 10, batchWindowMs: 5, handler: async (e) => void events.push(e) });
    await q.send(batches(25));
    await q.idle();
    expect(events.map((e) => e.Records.length).reduce((a, n) => a + n)).toBe(25);
    for (const e of events) expect(e.Records.length).toBeLessThanOrEqual(10);
    const r = events[0]!.Records[0]!;
    expect(r).toMatchObject({ eventSource: 'aws:sqs', attributes: { ApproximateReceiveCount: '1' } });
    expect(r.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    expect(
      events
        .flatMap((e) => e.Records)
        .map((x) => parseShareBatch(x.body).batchId)
        .sort(),
    ).toEqual(
      batches(25)
        .map((b) => b.batchId)
        .sort(),
    );
    await q.close();
  });

  it('redelivers only the records reported in batchItemFailures, with a higher receive count', async () => {
    const seen: Array<{ id: string; count: string }> = [];
    let failOnce = true;
    const q = new LocalQueue({
      batchWindowMs: 1,
      visibilityTimeoutMs: 5,
      handler: async (e) => {
        for (const r of e.Records)
          seen.push({ id: parseShareBatch(r.body).batchId, count: r.attributes.ApproximateReceiveCount });
        const bad = e.Records.find((r) => parseShareBatch(r.body).batchId === 'b1');
        if (bad && failOnce) {
          failOnce = false;
          return { batchItemFailures: [{ itemIdentifier: bad.messageId }] };
        }
        return { batchItemFailures: [] };
      },
    });
    await q.send(batches(3));
    await q.idle();
    expect(seen.filter((s) => s.id === 'b1').map((s) => s.count)).toEqual(['1', '2']);
    expect(seen.filter((s) => s.id === 'b0')).toHaveLength(1);
    expect(q.deadLetters()).toEqual([]);
    await q.close();
  });

  it('moves a record that keeps failing to the dead letters after maxReceiveCount, on disk too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dlq-'));
    try {
      const file = join(dir, 'dead.jsonl');
      let calls = 0;
      const q = new LocalQueue({
        batchWindowMs: 1,
        visibilityTimeoutMs: 2,
        maxReceiveCount: 3,
        deadLetterFile: file,
        handler: async () => {
          calls += 1;
          throw new Error('handler crashed');
        },
      });
      await q.send(batches(1));
      await q.idle();
      expect(calls).toBe(3);
      expect(q.deadLetters()).toHaveLength(1);
      expect(q.deadLetters()[0]).toMatchObject({ receiveCount: 3 });
      const onDisk = (await readFile(file, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(parseShareBatch(onDisk[0].body).batchId).toBe('b0');
      await q.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('LocalQueue journal', () => {
  it('redelivers after a restart what a crashed process had accepted but not handled, and nothing handled', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-'));
    try {
      const journalFile = join(dir, 'queue.jsonl');
      const handled: string[] = [];
      const first = new LocalQueue({
        journalFile,
        batchSize: 1,
        batchWindowMs: 1,
        handler: async (e) => {
          const id = parseShareBatch(e.Records[0]!.body).batchId;
          if (id === 'b2') throw new Error('crash before b2 is stored'); // stays unhandled
          handled.push(id);
        },
        maxReceiveCount: 1000,
        visibilityTimeoutMs: 60_000,
      });
      await first.send(batches(3));
      while (handled.length < 2) await new Promise((r) => setTimeout(r, 5));
      await first.close(); // the process "dies" with b2 unhandled; close() waits for the done marks of b0 and b1
      const again: string[] = [];
      const second = new LocalQueue({
        journalFile,
        batchWindowMs: 1,
        handler: async (e) => void again.push(...e.Records.map((r) => parseShareBatch(r.body).batchId)),
      });
      expect(await second.open()).toBe(1);
      await second.idle();
      expect(handled.sort()).toEqual(['b0', 'b1']);
      expect(again).toEqual(['b2']);
      await second.close();
      const third = new LocalQueue({ journalFile, handler: async () => {} });
      expect(await third.open()).toBe(0);
      await third.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('local share pipeline: BatchingShareQueue → LocalQueue → ingest handler → dynalite', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('records every acknowledged share exactly once', async () => {
    const store = await dynamo.freshStore();
    const local = new LocalQueue({
      batchWindowMs: 2,
      visibilityTimeoutMs: 5,
      handler: (event) => run(event, { store: store.ingest, log: silentLog, now: Date.now }),
    });
    const q = new BatchingShareQueue({
      transport: local,
      spool: new MemorySpool(),
      instanceId: 'i',
      maxShares: 7,
      maxWaitMs: 2,
    });
    const shares = Array.from({ length: 60 }, (_, i) =>
      share({ miner: i % 3 === 0 ? MINER_B : MINER_A, worker: `w${i % 4}`, difficulty: 1 + (i % 5) }),
    );
    await Promise.all(shares.map((s) => q.enqueue(s)));
    await q.close();
    await local.idle();
    const diff = (m: string) => shares.filter((s) => s.miner === m).reduce((a, s) => a + s.difficulty, 0);
    expect(await minerTotal(store.miners, 'LTC', MINER_A)).toEqual({ shares: 40, difficulty: diff(MINER_A) });
    expect(await minerTotal(store.miners, 'LTC', MINER_B)).toEqual({ shares: 20, difficulty: diff(MINER_B) });
    expect(local.deadLetters()).toEqual([]);
    await local.close();
  });
});
