import { describe, expect, it } from 'vitest';
import type { ShareQueue } from '../../core/ports/share-queue.js';
import type { Share } from '../../core/shares/share.js';
import { LiveStatsTracker, publishLiveStats } from '../../fargate/src/live-stats.js';

const share = (miner: string, worker: string, timestamp: number) =>
  ({ coin: 'LTC', miner, worker, height: 5, difficulty: 1, actualDifficulty: 1, timestamp }) as Share;

describe('LiveStatsTracker', () => {
  it('counts miners and workers with a durable share within the window and forgets older ones', async () => {
    let now = 1_000_000;
    const tracker = new LiveStatsTracker({
      job: () => ({ height: 42, networkDifficulty: 7 }),
      now: () => now,
      windowMs: 60_000,
    });
    const enqueued: Share[] = [];
    const queue = tracker.track({
      enqueue: async (s) => void enqueued.push(s),
      flush: async () => {},
      close: async () => {},
    });
    await queue.enqueue(share('a', 'r1', now - 10_000));
    await queue.enqueue(share('a', 'r2', now - 70_000));
    await queue.enqueue(share('b', '', now));
    expect(enqueued).toHaveLength(3);
    expect(tracker.snapshot()).toEqual({
      jobHeight: 42,
      networkDifficulty: 7,
      miners: 2,
      workers: 2,
      windowMs: 60_000,
      at: now,
    });
    now += 55_000;
    expect(tracker.snapshot()).toMatchObject({ miners: 1, workers: 1 });
  });

  it("passes refusals and miners' aux payout addresses on to the queue", () => {
    const tracker = new LiveStatsTracker({ job: () => ({ height: 1, networkDifficulty: 1 }), now: () => 0 });
    const seen: unknown[] = [];
    const queue = tracker.track({
      enqueue: async () => {},
      refused: (...args) => void seen.push(args),
      auxAddress: (claim) => void seen.push(claim),
      flush: async () => {},
      close: async () => {},
    });
    queue.refused?.('LTC', 'a', 'r1', 'stale', 5);
    queue.auxAddress?.({ miner: 'a', coin: 'DOGE', address: 'D1' });
    expect(seen).toEqual([['LTC', 'a', 'r1', 'stale', 5], { miner: 'a', coin: 'DOGE', address: 'D1' }]);
  });

  it('notes nothing when the queue could not make the share durable', async () => {
    const tracker = new LiveStatsTracker({ job: () => ({ height: 1, networkDifficulty: 1 }), now: () => 0 });
    const failing: ShareQueue = {
      enqueue: async () => Promise.reject(new Error('disk full')),
      flush: async () => {},
      close: async () => {},
    };
    await expect(tracker.track(failing).enqueue(share('a', '', 0))).rejects.toThrow('disk full');
    expect(tracker.snapshot()).toMatchObject({ miners: 0, workers: 0 });
  });

  it('has no snapshot before the first job, and the publisher skips until there is one', async () => {
    let job: { height: number; networkDifficulty: number } | undefined;
    const tracker = new LiveStatsTracker({ job: () => job, now: () => 5 });
    const put: unknown[] = [];
    const stop = publishLiveStats({ tracker, put: async (s) => void put.push(s), intervalMs: 10, log: { warn() {} } });
    await new Promise((r) => setTimeout(r, 30));
    expect(put).toEqual([]);
    job = { height: 3, networkDifficulty: 2 };
    await new Promise((r) => setTimeout(r, 30));
    stop();
    expect(put.length).toBeGreaterThan(0);
    expect(put[0]).toMatchObject({ jobHeight: 3 });
  });
});
