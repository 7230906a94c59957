import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FileShareSpool } from '../../../adapters/fs/spool.js';
import { StorageError } from '../../../core/errors.js';
import { parseShareBatch } from '../../../core/shares/batch-schema.js';
import type { ShareBatch } from '../../../core/shares/share.js';
import { journalSummarizer, summarizeBatches } from '../../../core/shares/summary.js';
import { BatchingShareQueue, type BatchingShareQueueOptions } from '../../../fargate/src/queue/batching-share-queue.js';
import {
  countLoopTurns,
  fileHandlePrototype,
  MemorySpool,
  MINER_A,
  MINER_B,
  RecordingTransport,
  share,
} from '../../core/shares/fixtures.js';
import { deferred } from '../stratum/fakes.js';

/** A journal-mode queue with summaries: a batch per share, shipped every minute; `o` changes any of it. */
function journalQueue(o: Pick<BatchingShareQueueOptions, 'transport' | 'spool'> & Partial<BatchingShareQueueOptions>) {
  return new BatchingShareQueue({
    instanceId: 'i',
    maxShares: 1,
    ackAfter: 'journal',
    shipIntervalMs: 60_000,
    summarize: journalSummarizer(),
    ...o,
  });
}

/** What a journal segment of these batches ships as when it is read back and folded (its id: its first batch's). */
function segmentSummaries(journaled: ShareBatch[]): ShareBatch[] {
  return summarizeBatches(journaled, { id: `sum-${journaled[0]!.batchId}` });
}

function settled(p: Promise<unknown>) {
  const state = { done: false, error: undefined as unknown };
  p.then(
    () => {
      state.done = true;
    },
    (err) => {
      state.done = true;
      state.error = err;
    },
  );
  return state;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('BatchingShareQueue', () => {
  it('flushes as soon as maxShares shares are waiting, in one batch', async () => {
    const transport = new RecordingTransport();
    const q = new BatchingShareQueue({
      transport,
      spool: new MemorySpool(),
      instanceId: 'i',
      maxShares: 3,
      maxWaitMs: 10_000,
    });
    await Promise.all([q.enqueue(share()), q.enqueue(share()), q.enqueue(share())]);
    expect(transport.accepted).toHaveLength(1);
    expect(transport.accepted[0]!.shares).toHaveLength(3);
    expect(transport.accepted[0]).toMatchObject({ v: 1, coin: 'LTC', batchId: 'i-0' });
    await q.close();
  });

  it('flushes a partial batch after maxWaitMs', async () => {
    vi.useFakeTimers();
    const transport = new RecordingTransport();
    const q = new BatchingShareQueue({
      transport,
      spool: new MemorySpool(),
      instanceId: 'i',
      maxShares: 500,
      maxWaitMs: 25,
    });
    const p = settled(q.enqueue(share()));
    await vi.advanceTimersByTimeAsync(24);
    expect(transport.calls).toBe(0);
    expect(p.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.accepted).toHaveLength(1);
    expect(p.done).toBe(true);
    expect(p.error).toBeUndefined();
    await q.close();
  });

  it('keeps coins apart and gives every batch a new id', async () => {
    const transport = new RecordingTransport();
    const q = new BatchingShareQueue({
      transport,
      spool: new MemorySpool(),
      instanceId: 'x',
      maxShares: 2,
      maxWaitMs: 0,
    });
    await Promise.all([
      q.enqueue(share({ coin: 'LTC' })),
      q.enqueue(share({ coin: 'DOGE' })),
      q.enqueue(share({ coin: 'LTC' })),
      q.enqueue(share({ coin: 'LTC' })),
    ]);
    await q.flush();
    for (const b of transport.accepted) expect(b.shares.every((s) => s.coin === b.coin)).toBe(true);
    expect(transport.accepted.map((b) => b.shares.length).reduce((a, n) => a + n)).toBe(4);
    expect(new Set(transport.accepted.map((b) => b.batchId)).size).toBe(transport.accepted.length);
    await q.close();
  });

  it('resolves an enqueue only after the transport accepted its batch', async () => {
    let accept!: () => void;
    const transport = { send: vi.fn(() => new Promise<void>((r) => (accept = r))) };
    const q = new BatchingShareQueue({ transport, spool: new MemorySpool(), instanceId: 'i', maxShares: 1 });
    const p = settled(q.enqueue(share()));
    await new Promise((r) => setImmediate(r));
    expect(transport.send).toHaveBeenCalledTimes(1);
    expect(p.done).toBe(false);
    accept();
    await new Promise((r) => setImmediate(r));
    expect(p.done).toBe(true);
    expect(p.error).toBeUndefined();
  });

  it('spools a batch the transport refused and resolves the enqueue', async () => {
    const transport = new RecordingTransport();
    transport.failing = true;
    const spool = new MemorySpool();
    const q = new BatchingShareQueue({ transport, spool, instanceId: 'i', maxShares: 1, replayIntervalMs: 60_000 });
    await q.enqueue(share({ worker: 'w1' }));
    expect(transport.accepted).toHaveLength(0);
    expect(spool.allBatches()).toHaveLength(1);
    expect(spool.allBatches()[0]!.shares[0]!.worker).toBe('w1');
    expect(q.stats().degraded).toBe(true);
    await q.close();
  });

  it('resends spooled batches with their original ids once the transport works again, then empties the spool', async () => {
    vi.useFakeTimers();
    const transport = new RecordingTransport();
    transport.failing = true;
    const spool = new MemorySpool();
    const q = new BatchingShareQueue({ transport, spool, instanceId: 'i', maxShares: 1, replayIntervalMs: 1000 });
    await q.enqueue(share());
    await q.enqueue(share());
    const spooledIds = spool.allBatches().map((b) => b.batchId);
    expect(spooledIds).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1000); // a replay attempt that still fails
    expect(spool.allBatches()).toHaveLength(2);
    transport.failing = false;
    await vi.advanceTimersByTimeAsync(1000);
    await q.whenReplayed();
    expect(transport.accepted.map((b) => b.batchId)).toEqual(spooledIds);
    expect(spool.allBatches()).toHaveLength(0);
    expect(q.stats().degraded).toBe(false);
    // Back to normal: the next batch goes straight to the transport.
    await q.enqueue(share());
    expect(transport.accepted).toHaveLength(3);
    await q.close();
  });

  describe('minute summaries in queue mode (minuteSummaryMs)', () => {
    it('sends batches for the rounds, and once an interval their shares again as one summary for the minutes', async () => {
      vi.useFakeTimers({ now: 5 * 60_000 + 1_000 });
      const transport = new RecordingTransport();
      const q = new BatchingShareQueue({
        transport,
        spool: new MemorySpool(),
        instanceId: 'i',
        maxShares: 1,
        minuteSummaryMs: 60_000,
      });
      const block = { height: 100, hash: 'ab'.repeat(32), reward: '1', networkDifficulty: 1, submitResult: 'accepted' };
      for (let i = 0; i < 5; i++) await q.enqueue(share({ timestamp: Date.now() + i }));
      await q.enqueue(share({ worker: 'rig2', block, timestamp: Date.now() }));
      expect(transport.accepted.map((b) => b.views)).toEqual(Array(6).fill('rounds'));
      await vi.advanceTimersByTimeAsync(59_000 + 25); // the end of the minute + one batch window
      const summary = transport.accepted.slice(6);
      expect(summary.map((b) => [b.batchId, b.views])).toEqual([['i-m0/LTC/0', 'minutes']]);
      // One entry per worker and minute; the block share counts as a plain share there (its batch recorded the block).
      expect(summary[0]?.shares.map((s) => [s.worker, s.count, s.block])).toEqual([
        ['rig1', 5, undefined],
        ['rig2', 1, undefined],
      ]);
      await q.enqueue(share());
      await q.close(); // ships what was folded since
      expect(transport.accepted.at(-1)).toMatchObject({ batchId: 'i-m1/LTC/0', views: 'minutes' });
    });

    it('spools a minute summary the queue refused, like any batch, and leaves the shares acknowledged', async () => {
      const transport = new RecordingTransport();
      const spool = new MemorySpool();
      const q = new BatchingShareQueue({ transport, spool, instanceId: 'i', maxShares: 1, minuteSummaryMs: 60_000 });
      await q.enqueue(share());
      transport.failing = true;
      await q.flush({ minuteSummary: true });
      expect(spool.allBatches().map((b) => b.views)).toEqual(['minutes']);
      transport.failing = false;
      await q.close();
    });
  });

  describe('journal mode (ackAfter: journal)', () => {
    it('acknowledges once the batch is journaled, and ships many batches per transport call each interval', async () => {
      vi.useFakeTimers({ now: 0 });
      const transport = { calls: [] as number[], send: vi.fn() };
      let accept!: () => void;
      transport.send.mockImplementation(async (batches: unknown[]) => {
        transport.calls.push(batches.length);
        await new Promise<void>((r) => (accept = r)); // the queue answers only when the test says
      });
      const spool = new MemorySpool();
      const q = new BatchingShareQueue({
        transport,
        spool,
        instanceId: 'i',
        maxShares: 1,
        ackAfter: 'journal',
        shipIntervalMs: 1000,
      });
      for (let i = 0; i < 25; i++) await q.enqueue(share({ timestamp: i })); // all acked with the queue silent
      expect(transport.send).not.toHaveBeenCalled();
      expect(spool.allBatches()).toHaveLength(25);
      await vi.advanceTimersByTimeAsync(1000 + 25); // the interval on the clock + one batch window
      expect(transport.calls).toEqual([25]); // one call for the whole interval
      accept();
      await vi.advanceTimersByTimeAsync(0);
      await q.whenReplayed();
      expect(spool.allBatches()).toHaveLength(0);
      await q.close();
    });

    it('ships what is journaled at close, and keeps it for the next start when the queue refuses', async () => {
      const transport = new RecordingTransport();
      const spool = new MemorySpool();
      const opts = {
        transport,
        spool,
        instanceId: 'i',
        maxShares: 1,
        ackAfter: 'journal' as const,
        shipIntervalMs: 60_000,
      };
      const q = new BatchingShareQueue(opts);
      await q.enqueue(share());
      await q.enqueue(share());
      await q.close();
      expect(transport.accepted).toHaveLength(2);
      expect(spool.allBatches()).toHaveLength(0);

      transport.failing = true;
      const q2 = new BatchingShareQueue({ ...opts, instanceId: 'j' });
      await q2.enqueue(share());
      await q2.close(); // the final ship fails: nothing is lost
      expect(spool.allBatches().map((b) => b.batchId)).toEqual(['j-0']);
    });

    it('ships on the clock: a 60 s interval ships each minute just after the minute ends', async () => {
      vi.useFakeTimers({ now: 10 * 60_000 + 20_000 }); // 20 s into a minute
      const transport = new RecordingTransport();
      const q = new BatchingShareQueue({
        transport,
        spool: new MemorySpool(),
        instanceId: 'i',
        maxShares: 1,
        maxWaitMs: 25,
        ackAfter: 'journal',
        shipIntervalMs: 60_000,
      });
      await q.enqueue(share());
      await vi.advanceTimersByTimeAsync(40_000 - 1);
      expect(transport.accepted).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(26); // the minute's end + one batch window
      expect(transport.accepted).toHaveLength(1);
      await q.close();
    });

    it('ships a batch with a found block at once instead of at the end of the interval', async () => {
      vi.useFakeTimers({ now: 0 });
      const transport = new RecordingTransport();
      const q = new BatchingShareQueue({
        transport,
        spool: new MemorySpool(),
        instanceId: 'i',
        maxShares: 1,
        ackAfter: 'journal',
        shipIntervalMs: 60_000,
      });
      await q.enqueue(share());
      await vi.advanceTimersByTimeAsync(1000);
      expect(transport.accepted).toHaveLength(0);
      const block = { height: 100, hash: 'ab'.repeat(32), reward: '1', networkDifficulty: 1, submitResult: 'accepted' };
      await q.enqueue(share({ block }));
      await vi.advanceTimersByTimeAsync(10);
      expect(transport.accepted.flatMap((b) => b.shares).some((s) => s.block)).toBe(true);
      await q.close();
    });

    it('ships each journal segment as its summaries, under ids derived from the segment (the same after a crash)', async () => {
      const calls: Array<[number, string]> = [];
      const summarize = () => {
        const batches: ShareBatch[] = [];
        return {
          add: (b: ShareBatch) => void batches.push(b),
          take: (id: string) => {
            calls.push([batches.length, id]);
            return [{ v: 1 as const, batchId: id, coin: 'LTC', shares: batches.flatMap((b) => b.shares).slice(0, 1) }];
          },
        };
      };
      const transport = new RecordingTransport();
      const spool = new MemorySpool();
      const opts = { transport, spool, maxShares: 1, ackAfter: 'journal' as const, shipIntervalMs: 60_000, summarize };
      transport.failing = true;
      const q = new BatchingShareQueue({ ...opts, instanceId: 'i' });
      for (let i = 0; i < 3; i++) await q.enqueue(share());
      await q.close(); // the queue refused: the segment stays
      transport.failing = false;
      const q2 = new BatchingShareQueue({ ...opts, instanceId: 'j' }); // a new process, a new instance id
      q2.start();
      await q2.whenReplayed();
      await q2.close();
      expect(calls).toEqual([
        [3, 'sum-i-0'],
        [3, 'sum-i-0'],
      ]);
      expect(transport.accepted.map((b) => b.batchId)).toEqual(['sum-i-0']);
      expect(spool.allBatches()).toHaveLength(0);
    });

    it('folds a shipped segment a slice at a time, giving miners turns, into what summarizeBatches gives', async () => {
      const transport = new RecordingTransport();
      const spool = new MemorySpool();
      const opts = {
        transport,
        spool,
        maxShares: 1,
        ackAfter: 'journal' as const,
        shipIntervalMs: 60_000,
        summarize: journalSummarizer(),
        shipSliceMs: 0, // a turn after every batch: the count does not depend on this machine's speed
      };
      transport.failing = true;
      const q = new BatchingShareQueue({ ...opts, instanceId: 'i' });
      for (let i = 0; i < 30; i++) await q.enqueue(share({ worker: `w${i % 3}`, timestamp: i * 7_000 }));
      await q.close(); // the queue refused: the segment stays
      const journaled = spool.allBatches();
      expect(journaled).toHaveLength(30);
      transport.failing = false;
      const loop = countLoopTurns();
      const q2 = new BatchingShareQueue({ ...opts, instanceId: 'j' });
      q2.start();
      await q2.whenReplayed();
      const turns = loop.stop();
      await q2.close();
      expect(transport.accepted).toEqual(segmentSummaries(journaled));
      expect(turns).toBeGreaterThanOrEqual(journaled.length - 1);
    });

    it('ships a segment it journaled from its fold, without reading it back: what reading it back gives', async () => {
      const transport = new RecordingTransport();
      const spool = new MemorySpool();
      const read = vi.spyOn(spool, 'readSegment');
      const q = journalQueue({ transport, spool });
      for (let i = 0; i < 30; i++) await q.enqueue(share({ worker: `w${i % 3}`, timestamp: i * 7_000 }));
      const journaled = spool.allBatches();
      await q.close(); // ships the segment
      expect(read).not.toHaveBeenCalled();
      expect(transport.accepted).toEqual(segmentSummaries(journaled));
      expect(spool.allBatches()).toHaveLength(0);
    });

    it('a fold that throws costs nothing: the share is acknowledged from the journal, the segment read back', async () => {
      const transport = new RecordingTransport();
      const spool = new MemorySpool();
      const read = vi.spyOn(spool, 'readSegment');
      // The fold at append fails where it is made; the second one, for the read back, works.
      let made = 0;
      const summarize = () => {
        if (made++ === 0) throw new Error('fold bug');
        return journalSummarizer()();
      };
      const q = journalQueue({ transport, spool, summarize });
      for (let i = 0; i < 3; i++) await q.enqueue(share({ worker: `w${i}` }));
      const journaled = spool.allBatches();
      expect(transport.accepted).toEqual([]); // journaled, not sent a second way
      await q.close();
      expect(read).toHaveBeenCalledTimes(1);
      expect(transport.accepted).toEqual(segmentSummaries(journaled));
    });

    it('reads a segment back when its fold did not see every batch the spool appended there', async () => {
      const transport = new RecordingTransport();
      const spool = new MemorySpool();
      spool.counting = false; // the spool cannot say: as for a segment another process wrote
      const read = vi.spyOn(spool, 'readSegment');
      const q = journalQueue({ transport, spool });
      for (let i = 0; i < 12; i++) await q.enqueue(share({ worker: `w${i % 3}`, timestamp: i * 7_000 }));
      const journaled = spool.allBatches();
      await q.close();
      expect(read).toHaveBeenCalledTimes(1);
      expect(transport.accepted).toEqual(segmentSummaries(journaled));
    });

    it("a ship that failed sends the fold's summaries again, the same, not an empty fold", async () => {
      vi.useFakeTimers({ now: 0 });
      const transport = new RecordingTransport();
      const spool = new MemorySpool();
      const q = journalQueue({ transport, spool, shipIntervalMs: 1000 });
      for (let i = 0; i < 5; i++) await q.enqueue(share({ worker: `w${i}`, timestamp: i }));
      const journaled = spool.allBatches();
      transport.failing = true;
      await vi.advanceTimersByTimeAsync(1000 + 25); // the first ship fails
      expect(transport.accepted).toEqual([]);
      transport.failing = false;
      await vi.advanceTimersByTimeAsync(1000 + 25);
      await q.whenReplayed();
      expect(transport.accepted).toEqual(segmentSummaries(journaled));
      expect(transport.accepted.flatMap((b) => b.shares)).toHaveLength(5);
      await q.close();
    });

    it('falls back to the transport when the journal cannot be written', async () => {
      const transport = new RecordingTransport();
      const spool = new MemorySpool();
      spool.failing = true;
      const q = new BatchingShareQueue({ transport, spool, instanceId: 'i', maxShares: 1, ackAfter: 'journal' });
      await q.enqueue(share());
      expect(transport.accepted).toHaveLength(1);
      transport.failing = true;
      await expect(q.enqueue(share())).rejects.toBeInstanceOf(StorageError); // neither: the miner is told
      await q.close();
    });
  });

  it('rejects the enqueue with StorageError only when both the transport and the spool fail', async () => {
    const transport = new RecordingTransport();
    transport.failing = true;
    const spool = new MemorySpool();
    spool.failing = true;
    const q = new BatchingShareQueue({ transport, spool, instanceId: 'i', maxShares: 1, replayIntervalMs: 60_000 });
    await expect(q.enqueue(share())).rejects.toBeInstanceOf(StorageError);
    // Either one recovering is enough again.
    spool.failing = false;
    await expect(q.enqueue(share())).resolves.toBeUndefined();
    await q.close();
  });

  it('rejects new shares instead of buffering without bound when nothing drains', async () => {
    const hang = { send: () => new Promise<void>(() => {}) };
    const q = new BatchingShareQueue({
      transport: hang,
      spool: new MemorySpool(),
      instanceId: 'i',
      maxShares: 2,
      maxBufferedShares: 4,
    });
    for (let i = 0; i < 4; i++) void q.enqueue(share());
    await expect(q.enqueue(share())).rejects.toThrow(/full/);
    expect(q.stats().inFlight + q.stats().buffered).toBe(4);
  });

  it('rejects enqueues after close', async () => {
    const q = new BatchingShareQueue({
      transport: new RecordingTransport(),
      spool: new MemorySpool(),
      instanceId: 'i',
    });
    await q.close();
    await expect(q.enqueue(share())).rejects.toBeInstanceOf(StorageError);
  });

  describe('with the file spool', () => {
    let dir: string;
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('journal mode: a batch whose sync failed goes by the transport and is not counted again in the summary', async () => {
      dir = await mkdtemp(join(tmpdir(), 'spool-'));
      const transport = new RecordingTransport();
      const spool = new FileShareSpool({ dir });
      const q = journalQueue({ transport, spool });
      await q.enqueue(share({ worker: 'a' }));
      const proto = await fileHandlePrototype();
      // The second batch's write lands, its sync fails: the queue sends it by the transport instead.
      const datasync = vi.spyOn(proto, 'datasync').mockRejectedValueOnce(new Error('EIO: sync failed'));
      try {
        await q.enqueue(share({ worker: 'b' }));
      } finally {
        datasync.mockRestore();
      }
      await q.enqueue(share({ worker: 'c' }));
      await q.close(); // ships the journal: its summaries
      await spool.close();
      const counted = transport.accepted.flatMap((b) => b.shares.map((s) => [s.worker, s.count ?? 1]));
      expect(counted.sort()).toEqual([
        ['a', 1],
        ['b', 1],
        ['c', 1],
      ]);
      // After the failure the journal went on in a new segment: each segment is its own summary.
      expect(transport.accepted.map((b) => b.batchId)).toEqual(['i-1', 'sum-i-0/LTC/0', 'sum-i-2/LTC/0']);
    });

    it('replays at start what a previous process spooled, and removes it only after the transport accepted it', async () => {
      dir = await mkdtemp(join(tmpdir(), 'spool-'));
      const down = new RecordingTransport();
      down.failing = true;
      const firstSpool = new FileShareSpool({ dir });
      const first = new BatchingShareQueue({
        transport: down,
        spool: firstSpool,
        instanceId: 'old',
        maxShares: 2,
        replayIntervalMs: 60_000,
      });
      await Promise.all([first.enqueue(share({ worker: 'a' })), first.enqueue(share({ worker: 'b' }))]);
      await first.enqueue(share({ worker: 'c' })).catch(() => {});
      await first.close(); // the process goes away with its batches only on disk
      await firstSpool.close();

      // A new process whose transport fails at first: nothing may be lost.
      const up = new RecordingTransport();
      up.failing = true;
      const spool = new FileShareSpool({ dir });
      const second = new BatchingShareQueue({ transport: up, spool, instanceId: 'new', replayIntervalMs: 5 });
      second.start();
      await new Promise((r) => setTimeout(r, 30));
      expect((await spool.sealSegments()).length).toBeGreaterThan(0);
      up.failing = false;
      await new Promise((r) => setTimeout(r, 30));
      await second.whenReplayed();
      expect(up.accepted.map((b) => b.batchId)).toEqual(['old-0', 'old-1']);
      expect(up.accepted.flatMap((b) => b.shares.map((s) => s.worker))).toEqual(['a', 'b', 'c']);
      expect(await spool.sealSegments()).toEqual([]);
      await second.close();
      await spool.close();
    });
  });
});

describe("BatchingShareQueue: workers' refused shares", () => {
  const T = 5 * 60_000 + 1_000;

  it("sends a coin's refused-share counts with its next batch of shares", async () => {
    const transport = new RecordingTransport();
    const q = new BatchingShareQueue({ transport, spool: new MemorySpool(), instanceId: 'i', maxShares: 1 });
    q.refused('LTC', MINER_A, 'rig1', 'stale', T);
    q.refused('LTC', MINER_A, 'rig1', 'invalid', T + 2);
    q.refused('BTC', MINER_A, 'rig1', 'duplicate', T);
    await q.enqueue(share());
    expect(transport.accepted).toHaveLength(1);
    expect(transport.accepted[0]!.rejected).toEqual([
      { miner: MINER_A, worker: 'rig1', timestamp: T + 2, stale: 1, invalid: 1, duplicate: 0 },
    ]);
    await q.enqueue(share());
    expect(transport.accepted[1]!.rejected).toBeUndefined();
    await q.close(); // BTC's counts had no share to ride with: sent on their own
    expect(transport.accepted.slice(2).map((b) => [b.coin, b.shares.length, b.rejected?.[0]?.duplicate])).toEqual([
      ['BTC', 0, 1],
    ]);
  });

  it('sends the counts of a worker whose every share is refused on their own, refusalWaitMs after the first', async () => {
    vi.useFakeTimers({ now: T });
    const transport = new RecordingTransport();
    const q = new BatchingShareQueue({ transport, spool: new MemorySpool(), instanceId: 'i', refusalWaitMs: 5_000 });
    for (let i = 0; i < 100; i++) q.refused('LTC', MINER_A, 'bad', 'invalid', T + i);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(transport.calls).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.accepted).toEqual([
      {
        v: 1,
        batchId: 'i-0',
        coin: 'LTC',
        shares: [],
        rejected: [{ miner: MINER_A, worker: 'bad', timestamp: T + 99, stale: 0, invalid: 100, duplicate: 0 }],
      },
    ]);
    await q.close();
    expect(transport.accepted).toHaveLength(1);
  });

  it('spools the counts with their batch when the transport is down, and resends them once', async () => {
    const transport = new RecordingTransport();
    const spool = new MemorySpool();
    const q = new BatchingShareQueue({ transport, spool, instanceId: 'i', replayIntervalMs: 10 });
    transport.failing = true;
    q.refused('LTC', MINER_A, 'rig1', 'stale', T);
    await q.flush();
    expect(spool.allBatches().map((b) => b.rejected?.[0]?.stale)).toEqual([1]);
    transport.failing = false;
    await q.whenReplayed();
    await q.close();
    expect(transport.accepted.map((b) => [b.batchId, b.rejected?.[0]?.stale])).toEqual([['i-0', 1]]);
  });

  it('in queue mode with minute summaries, sends the counts in the minute summary (never on a rounds batch)', async () => {
    vi.useFakeTimers({ now: T });
    const transport = new RecordingTransport();
    const q = new BatchingShareQueue({
      transport,
      spool: new MemorySpool(),
      instanceId: 'i',
      maxShares: 1,
      minuteSummaryMs: 60_000,
    });
    await q.enqueue(share({ timestamp: T }));
    q.refused('LTC', MINER_A, 'rig1', 'stale', T + 10);
    q.refused('LTC', MINER_A, 'bad', 'duplicate', T + 20);
    await q.enqueue(share({ timestamp: T }));
    expect(transport.accepted.map((b) => [b.views, b.rejected])).toEqual([
      ['rounds', undefined],
      ['rounds', undefined],
    ]);
    await vi.advanceTimersByTimeAsync(60_000);
    const summary = transport.accepted.slice(2);
    expect(summary.map((b) => [b.batchId, b.views, b.shares.length])).toEqual([['i-m0/LTC/0', 'minutes', 1]]);
    const minuteStart = Math.floor(T / 60_000) * 60_000;
    expect(summary[0]!.rejected).toEqual([
      { miner: MINER_A, worker: 'bad', timestamp: minuteStart, stale: 0, invalid: 0, duplicate: 1 },
      { miner: MINER_A, worker: 'rig1', timestamp: minuteStart, stale: 1, invalid: 0, duplicate: 0 },
    ]);
    // Refusals alone start a summary too.
    q.refused('LTC', MINER_A, 'bad', 'stale', Date.now());
    await vi.advanceTimersByTimeAsync(60_000);
    expect(transport.accepted.slice(3).map((b) => [b.views, b.shares.length, b.rejected?.[0]?.stale])).toEqual([
      ['minutes', 0, 1],
    ]);
    await q.close();
  });

  it('in journal mode, a segment summary carries the counts of its batches, summed per worker and minute', async () => {
    const transport = new RecordingTransport();
    const spool = new MemorySpool();
    const q = journalQueue({ transport, spool });
    q.refused('LTC', MINER_A, 'rig1', 'stale', T);
    await q.enqueue(share({ timestamp: T }));
    q.refused('LTC', MINER_A, 'rig1', 'stale', T + 5);
    q.refused('LTC', MINER_A, 'rig1', 'invalid', T + 6);
    await q.enqueue(share({ timestamp: T }));
    await q.close();
    expect(transport.accepted.map((b) => [b.shares.map((s) => s.count), b.rejected])).toEqual([
      [
        [2],
        [
          {
            miner: MINER_A,
            worker: 'rig1',
            timestamp: Math.floor(T / 60_000) * 60_000,
            stale: 2,
            invalid: 1,
            duplicate: 0,
          },
        ],
      ],
    ]);
  });
});

describe('BatchingShareQueue: merged mining', () => {
  const T = 5 * 60_000 + 1_000;
  const claim = (miner: string, address = 'DPvc6tCMWJBrNcqn7T1TyZBjQCbUQPCpH4') => ({ miner, coin: 'DOGE', address });
  const auxBlock = {
    coin: 'DOGE',
    height: 7,
    hash: 'cd'.repeat(32),
    reward: '1',
    networkDifficulty: 1,
    submitResult: 'accepted',
  };

  it("sends aux payout addresses with the coin's next batch, each once however many workers authorized", async () => {
    const transport = new RecordingTransport();
    const q = new BatchingShareQueue({ transport, spool: new MemorySpool(), instanceId: 'i', maxShares: 1 });
    q.auxAddress(claim(MINER_A));
    q.auxAddress(claim(MINER_A)); // a second worker, the same password
    q.auxAddress(claim(MINER_B));
    await q.enqueue(share());
    await q.enqueue(share());
    expect(transport.accepted.map((b) => b.auxAddresses)).toEqual([[claim(MINER_A), claim(MINER_B)], undefined]);
    await q.close();
    expect(transport.accepted).toHaveLength(2);
  });

  it('sends addresses given after the last share on their own, refusalWaitMs later, under the coin of the queue', async () => {
    vi.useFakeTimers({ now: T });
    const transport = new RecordingTransport();
    const q = new BatchingShareQueue({ transport, spool: new MemorySpool(), instanceId: 'i', maxShares: 1 });
    await q.enqueue(share());
    q.auxAddress(claim(MINER_B));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(transport.accepted).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.accepted[1]).toEqual({
      v: 1,
      batchId: 'i-1',
      coin: 'LTC',
      shares: [],
      auxAddresses: [claim(MINER_B)],
    });
    await q.close();
  });

  it('holds a claim made before any share until the first batch names the coin', async () => {
    vi.useFakeTimers({ now: T });
    const transport = new RecordingTransport();
    const q = new BatchingShareQueue({ transport, spool: new MemorySpool(), instanceId: 'i', maxShares: 1 });
    q.auxAddress(claim(MINER_A));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(transport.accepted).toEqual([]);
    await q.enqueue(share());
    expect(transport.accepted.map((b) => b.auxAddresses)).toEqual([[claim(MINER_A)]]);
    await q.close();
  });

  it('in queue mode with minute summaries, sends addresses in the minute summary, never on a rounds batch', async () => {
    vi.useFakeTimers({ now: T });
    const transport = new RecordingTransport();
    const q = new BatchingShareQueue({
      transport,
      spool: new MemorySpool(),
      instanceId: 'i',
      maxShares: 1,
      minuteSummaryMs: 60_000,
    });
    q.auxAddress(claim(MINER_A));
    await q.enqueue(share({ timestamp: T }));
    q.auxAddress(claim(MINER_B));
    await q.enqueue(share({ timestamp: T }));
    expect(transport.accepted.map((b) => [b.views, b.auxAddresses])).toEqual([
      ['rounds', undefined],
      ['rounds', undefined],
    ]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(transport.accepted.slice(2).map((b) => [b.views, b.auxAddresses])).toEqual([
      ['minutes', [claim(MINER_A), claim(MINER_B)]],
    ]);
    // An address alone starts a summary too.
    q.auxAddress(claim(MINER_A, 'D2'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(transport.accepted.slice(3).map((b) => [b.views, b.shares.length, b.auxAddresses])).toEqual([
      ['minutes', 0, [claim(MINER_A, 'D2')]],
    ]);
    for (const b of transport.accepted) expect(() => parseShareBatch(JSON.stringify(b))).not.toThrow();
    await q.close();
  });

  it('counts a share that found an aux block as a plain share in the minute summary (its rounds batch recorded it)', async () => {
    vi.useFakeTimers({ now: T });
    const transport = new RecordingTransport();
    const q = new BatchingShareQueue({
      transport,
      spool: new MemorySpool(),
      instanceId: 'i',
      maxShares: 1,
      minuteSummaryMs: 60_000,
    });
    await q.enqueue(share({ timestamp: T, auxBlocks: [auxBlock] }));
    expect(transport.accepted[0]?.shares[0]?.auxBlocks).toEqual([auxBlock]);
    await q.flush({ minuteSummary: true });
    expect(transport.accepted[1]).toMatchObject({ views: 'minutes', shares: [{ count: 1 }] });
    expect(transport.accepted[1]?.shares[0]?.auxBlocks).toBeUndefined();
    expect(() => parseShareBatch(JSON.stringify(transport.accepted[1]))).not.toThrow();
    await q.close();
  });

  it('in journal mode, ships a batch with an aux block at once, whole, with the journaled addresses', async () => {
    vi.useFakeTimers({ now: 0 });
    const transport = new RecordingTransport();
    const q = journalQueue({ transport, spool: new MemorySpool() });
    q.auxAddress(claim(MINER_A));
    await q.enqueue(share({ timestamp: 1 }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(transport.accepted).toHaveLength(0);
    await q.enqueue(share({ timestamp: 2, auxBlocks: [auxBlock] }));
    await vi.advanceTimersByTimeAsync(10);
    expect(transport.accepted).toHaveLength(1);
    expect(transport.accepted[0]!.shares.map((s) => [s.count, s.auxBlocks])).toEqual([
      [1, undefined],
      [undefined, [auxBlock]],
    ]);
    expect(transport.accepted[0]!.auxAddresses).toEqual([claim(MINER_A)]);
    await q.close();
  });

  it('takes no claims once closed, and keeps at most maxAuxAddresses between two batches', async () => {
    const transport = new RecordingTransport();
    const q = new BatchingShareQueue({
      transport,
      spool: new MemorySpool(),
      instanceId: 'i',
      maxShares: 1,
      maxAuxAddresses: 2,
    });
    for (const m of ['m1', 'm2', 'm3']) q.auxAddress(claim(m));
    await q.enqueue(share());
    expect(transport.accepted[0]!.auxAddresses?.map((c) => c.miner)).toEqual(['m1', 'm2']);
    await q.close();
    q.auxAddress(claim('m4'));
    await q.flush();
    expect(transport.accepted).toHaveLength(1);
  });
});

/** An ack that records what it was told, in order, and optionally throws when told. */
class RecordingAck {
  told: Array<'durable' | Error> = [];
  constructor(private readonly throws = false) {}
  durable(): void {
    this.told.push('durable');
    if (this.throws) throw new Error('ack threw');
  }
  failed(err: Error): void {
    this.told.push(err);
    if (this.throws) throw new Error('ack threw');
  }
}

describe('BatchingShareQueue.enqueueAck (the share path: no promise per share)', () => {
  it('tells each ack "durable" once, only after its batch was accepted, and sends the shares as enqueue does', async () => {
    const transport = new RecordingTransport();
    const gate = deferred();
    const send = transport.send.bind(transport);
    transport.send = async (batches) => {
      await gate.promise;
      return send(batches);
    };
    const q = new BatchingShareQueue({ transport, spool: new MemorySpool(), instanceId: 'i', maxShares: 3 });
    const acks = [new RecordingAck(), new RecordingAck(), new RecordingAck()];
    const shares = [share({ worker: 'a' }), share({ worker: 'b' }), share({ worker: 'c' })];
    for (const [i, s] of shares.entries()) q.enqueueAck(s, acks[i]!);
    await new Promise((r) => setTimeout(r, 5));
    expect(acks.map((a) => a.told)).toEqual([[], [], []]); // the batch is not durable yet
    gate.resolve();
    await q.flush();
    expect(acks.map((a) => a.told)).toEqual([['durable'], ['durable'], ['durable']]);
    expect(transport.accepted.map((b) => b.shares.map((s) => s.worker))).toEqual([['a', 'b', 'c']]);
    await q.close();
    expect(acks.map((a) => a.told)).toEqual([['durable'], ['durable'], ['durable']]);
  });

  it('tells every ack of a batch that could be neither sent nor spooled that it failed', async () => {
    const transport = new RecordingTransport();
    const spool = new MemorySpool();
    transport.failing = true;
    spool.failing = true;
    const q = new BatchingShareQueue({ transport, spool, instanceId: 'i', maxShares: 2 });
    const acks = [new RecordingAck(), new RecordingAck()];
    q.enqueueAck(share(), acks[0]!);
    q.enqueueAck(share(), acks[1]!);
    await q.flush();
    for (const ack of acks) {
      expect(ack.told).toHaveLength(1);
      expect(ack.told[0]).toBeInstanceOf(StorageError);
    }
    expect(q.stats().rejectedShares).toBe(2);
  });

  it('refuses at once, before returning, when full or closed, and takes nothing', async () => {
    const transport = new RecordingTransport();
    const q = new BatchingShareQueue({
      transport,
      spool: new MemorySpool(),
      instanceId: 'i',
      maxShares: 2,
      maxBufferedShares: 2,
      maxWaitMs: 10_000,
    });
    const waiting = [new RecordingAck(), new RecordingAck()];
    const gate = deferred();
    const send = transport.send.bind(transport);
    transport.send = async (batches) => {
      await gate.promise;
      return send(batches);
    };
    q.enqueueAck(share(), waiting[0]!);
    q.enqueueAck(share(), waiting[1]!); // a batch in flight: the queue holds its maximum
    const refused = new RecordingAck();
    q.enqueueAck(share(), refused);
    expect(refused.told).toHaveLength(1);
    expect((refused.told[0] as Error).message).toMatch(/share queue is full/);
    gate.resolve();
    await q.close();
    expect(transport.accepted.flatMap((b) => b.shares)).toHaveLength(2);
    const late = new RecordingAck();
    q.enqueueAck(share(), late);
    expect((late.told[0] as Error).message).toMatch(/closed/);
  });

  it('still tells the other acks of a batch when one throws (and logs it)', async () => {
    const transport = new RecordingTransport();
    const errors: unknown[] = [];
    const log = { info() {}, warn() {}, error: (o: unknown) => errors.push(o) };
    const q = new BatchingShareQueue({ transport, spool: new MemorySpool(), instanceId: 'i', maxShares: 3, log });
    const acks = [new RecordingAck(), new RecordingAck(true), new RecordingAck()];
    for (const ack of acks) q.enqueueAck(share(), ack);
    await q.flush();
    expect(acks.map((a) => a.told)).toEqual([['durable'], ['durable'], ['durable']]);
    expect(errors).toHaveLength(1);
    await q.close();
  });

  it('keeps every share and ack in order across batches while the arrays are handed over and reused', async () => {
    const transport = new RecordingTransport();
    const q = new BatchingShareQueue({ transport, spool: new MemorySpool(), instanceId: 'i', maxShares: 4 });
    const order: number[] = [];
    const all: Promise<void>[] = [];
    for (let i = 0; i < 30; i++) {
      const s = share({ worker: `w${i}` });
      if (i % 3 === 0) all.push(q.enqueue(s).then(() => void order.push(i)));
      else q.enqueueAck(s, { durable: () => void order.push(i), failed: (err) => Promise.reject(err) });
      if (i % 7 === 0) await q.flush(); // partial batches between full ones
    }
    await q.flush();
    await Promise.all(all);
    const sent = transport.accepted.flatMap((b) => b.shares.map((s) => s.worker));
    expect(sent).toEqual(Array.from({ length: 30 }, (_, i) => `w${i}`));
    expect(transport.accepted.every((b) => b.shares.length <= 4)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    await q.close();
  });
});
