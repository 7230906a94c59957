import { describe, expect, it } from 'vitest';
import { RefusalTally, refusalKind, refusalSlices } from '../../../core/shares/refusals.js';
import { MINER_A, MINER_B } from './fixtures.js';

const T = 1_700_000_040_000;

describe('refusalKind', () => {
  it.each([
    ['stale', 'stale'],
    ['duplicate', 'duplicate'],
    ['invalid', 'invalid'],
    ['low-difficulty', 'invalid'],
    ['malformed', 'invalid'],
    ['version-mask', 'invalid'],
  ])('counts a %s refusal as %s', (reason, kind) => {
    expect(refusalKind(reason)).toBe(kind);
  });

  it.each(['not-recorded', 'unauthorized', 'not-subscribed'])('does not count %s against the worker', (reason) => {
    expect(refusalKind(reason)).toBeUndefined();
  });
});

describe('RefusalTally', () => {
  it('counts per worker and class, keeps the newest time, and starts empty after a take', () => {
    const tally = new RefusalTally();
    tally.add(MINER_A, 'rig1', 'stale', T + 5);
    tally.add(MINER_A, 'rig1', 'invalid', T + 1);
    tally.add(MINER_A, 'rig1', 'stale', T + 3);
    tally.add(MINER_B, '', 'duplicate', T);
    expect(tally.take()).toEqual([
      { miner: MINER_A, worker: 'rig1', timestamp: T + 5, stale: 2, invalid: 1, duplicate: 0 },
      { miner: MINER_B, worker: '', timestamp: T, stale: 0, invalid: 0, duplicate: 1 },
    ]);
    expect(tally.size).toBe(0);
    expect(tally.take()).toEqual([]);
  });

  it('holds at most maxWorkers workers: a new one past the cap is dropped, those held keep counting', () => {
    const tally = new RefusalTally(2);
    expect(tally.add(MINER_A, 'w1', 'stale', T)).toBe(true);
    expect(tally.add(MINER_A, 'w2', 'stale', T)).toBe(true);
    for (let i = 3; i < 1000; i++) expect(tally.add(MINER_A, `w${i}`, 'invalid', T)).toBe(false);
    expect(tally.add(MINER_A, 'w1', 'stale', T)).toBe(true);
    expect(tally.size).toBe(2);
    expect(tally.dropped).toBe(997);
    expect(tally.take().map((e) => [e.worker, e.stale])).toEqual([
      ['w1', 2],
      ['w2', 1],
    ]);
    // Room again after the take.
    expect(tally.add(MINER_A, 'w3', 'stale', T)).toBe(true);
  });

  it('takes at most `max` workers at a time, oldest first, and leaves the rest for the next take', () => {
    const tally = new RefusalTally();
    for (const w of ['c', 'a', 'b']) tally.add(MINER_A, w, 'stale', T);
    expect(tally.take(2).map((e) => e.worker)).toEqual(['a', 'c']);
    expect(tally.take(2).map((e) => e.worker)).toEqual(['b']);
  });
});

describe('refusalSlices', () => {
  it("sums a worker's entries per minute, sorted by minute, miner and worker", () => {
    const entry = (worker: string, timestamp: number, stale: number) => ({
      miner: MINER_A,
      worker,
      timestamp,
      stale,
      invalid: 1,
      duplicate: 0,
    });
    expect(refusalSlices([entry('b', T + 61_000, 1), entry('a', T + 1_000, 2), entry('a', T + 59_000, 3)])).toEqual([
      { minute: T / 60_000, miner: MINER_A, worker: 'a', stale: 5, invalid: 2, duplicate: 0 },
      { minute: T / 60_000 + 1, miner: MINER_A, worker: 'b', stale: 1, invalid: 1, duplicate: 0 },
    ]);
  });
});
