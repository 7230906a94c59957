import { describe, expect, it } from 'vitest';
import {
  memoryReducingCollection,
  QUIET_RELEASE_DEFAULTS,
  QuietRelease,
  type QuietReleaseProbe,
} from '../../fargate/src/memory-release.js';

const MiB = 2 ** 20;

/** A process whose RSS and event-loop utilization the test sets; a collection brings the RSS to `afterCollect`. */
function fakeProcess(rss: number) {
  const state = { rss, utilization: 0, afterCollect: rss, collections: 0 };
  const probe: QuietReleaseProbe = {
    rss: () => state.rss,
    utilization: () => state.utilization,
    collect: () => {
      state.collections++;
      state.rss = state.afterCollect;
    },
  };
  const logged: object[] = [];
  const release = new QuietRelease(probe, { info: (o) => logged.push(o) }, QUIET_RELEASE_DEFAULTS);
  return { state, release, logged };
}

describe('QuietRelease', () => {
  it('collects once after a burst grew the RSS and the process went quiet, then not again until it grows again', () => {
    const { state, release, logged } = fakeProcess(100 * MiB);
    state.rss = 350 * MiB; // a connect burst
    state.utilization = 0.9;
    expect(release.check()).toBe(false); // still busy
    state.utilization = 0.01;
    state.afterCollect = 180 * MiB;
    expect(release.check()).toBe(true);
    expect(state.collections).toBe(1);
    expect(logged[0]).toMatchObject({ rssBefore: 350 * MiB, rssAfter: 180 * MiB });
    expect(release.check()).toBe(false); // quiet, but nothing grew since
    state.rss = 180 * MiB + 63 * MiB;
    expect(release.check()).toBe(false); // below the growth worth a pause
    state.rss = 180 * MiB + 65 * MiB;
    expect(release.check()).toBe(true);
    expect(state.collections).toBe(2);
  });

  it('never pauses a process that is handling work, however much it grew', () => {
    const { state, release } = fakeProcess(100 * MiB);
    state.rss = 2_000 * MiB;
    state.utilization = QUIET_RELEASE_DEFAULTS.maxUtilization;
    for (let i = 0; i < 5; i++) expect(release.check()).toBe(false);
    expect(state.collections).toBe(0);
  });

  it('measures growth from where the process shrank to on its own', () => {
    const { state, release } = fakeProcess(300 * MiB);
    state.rss = 150 * MiB; // connections gone, memory returned
    expect(release.check()).toBe(false);
    state.rss = 150 * MiB + 70 * MiB;
    expect(release.check()).toBe(true);
  });
});

describe('memoryReducingCollection', () => {
  it("returns the pages a burst left in V8's pool: the RSS falls after garbage that filled the young generation", () => {
    const collect = memoryReducingCollection();
    collect();
    const start = process.memoryUsage.rss();
    let keep: object[] = [];
    for (let i = 0; i < 400_000; i++) {
      keep.push({ i, s: `x${i}`, a: [i, i] });
      if (keep.length > 100_000) keep = [];
    }
    keep = [];
    const grown = process.memoryUsage.rss() - start;
    expect(grown).toBeGreaterThan(16 * MiB);
    collect();
    // A plain full collection shrinks V8's spaces but leaves most of those pages resident.
    expect(process.memoryUsage.rss() - start).toBeLessThan(grown / 2);
  });
});
