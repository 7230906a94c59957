import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobManager } from '../../../fargate/src/jobs/job-manager.js';
import { FakeDaemons, fixture, nextBlockTemplate } from './fakes.js';
import { fixtureJobManager } from './fixture-manager.js';

const managers: JobManager[] = [];
afterEach(() => {
  for (const m of managers.splice(0)) m.stop();
});

function start(daemons: FakeDaemons, opts: { longPoll: boolean; pollIntervalMs?: number; refreshMs?: number }) {
  const { manager, logger } = fixtureJobManager({
    daemons,
    now: () => fixture.curtime * 1000,
    pollIntervalMs: opts.pollIntervalMs ?? 60_000,
    refreshMs: opts.refreshMs ?? 60_000,
    longPoll: opts.longPoll,
  });
  managers.push(manager);
  return { manager, logger, started: manager.start() };
}

describe('template feed', () => {
  it('long polls with the current longpollid and turns the answer into a clean job', async () => {
    const daemons = new FakeDaemons();
    let release!: () => void;
    daemons.longPollGate = new Promise((r) => {
      release = r;
    });
    daemons.templates = [fixture, nextBlockTemplate()];
    const { manager, started } = start(daemons, { longPoll: true });
    await started;
    await vi.waitFor(() => expect(daemons.gbtCalls.some((c) => c.longpollid === fixture.longpollid)).toBe(true));
    expect(manager.current()!.height).toBe(fixture.height);
    const jobs: { height: number; cleanJobs: boolean }[] = [];
    manager.onJob((j) => jobs.push({ height: j.height, cleanJobs: j.cleanJobs }));
    release();
    await vi.waitFor(() => expect(jobs[0]).toEqual({ height: fixture.height + 1, cleanJobs: true }));
    // and it restarts with the new template's longpollid
    await vi.waitFor(() =>
      expect(daemons.gbtCalls.some((c) => c.longpollid === nextBlockTemplate().longpollid)).toBe(true),
    );
  });

  it('cancels the pending long poll when stopped, so nothing keeps the process alive', async () => {
    const daemons = new FakeDaemons();
    daemons.longPollGate = new Promise(() => undefined); // the daemon never answers
    daemons.templates = [fixture];
    const { manager, started } = start(daemons, { longPoll: true });
    await started;
    await vi.waitFor(() => expect(daemons.longPollSignals).toHaveLength(1));
    expect(daemons.longPollSignals[0]!.aborted).toBe(false);
    manager.stop();
    expect(daemons.longPollSignals[0]!.aborted).toBe(true);
  });

  it('keeps long polling after an error, logging it', async () => {
    const daemons = new FakeDaemons();
    daemons.templates = [fixture, new Error('socket hang up'), nextBlockTemplate()];
    const { manager, logger, started } = start(daemons, { longPoll: true });
    await started;
    await vi.waitFor(() => expect(manager.current()!.height).toBe(fixture.height + 1), { timeout: 5000 });
    expect(logger.lines.some((l) => l.level === 'warn' && l.msg.includes('long poll failed'))).toBe(true);
  });

  it('polls the chain tip and refreshes when it moved', async () => {
    const daemons = new FakeDaemons();
    const { manager, started } = start(daemons, { longPoll: false, pollIntervalMs: 10 });
    await started;
    const calls = daemons.gbtCalls.length;
    daemons.templates = [nextBlockTemplate()];
    daemons.bestblockhash = nextBlockTemplate().previousblockhash;
    await vi.waitFor(() => expect(manager.current()!.height).toBe(fixture.height + 1));
    // once the tip is known, polling alone does not fetch templates
    const after = daemons.gbtCalls.length;
    expect(after).toBeGreaterThan(calls);
    await new Promise((r) => setTimeout(r, 50));
    expect(daemons.gbtCalls.length).toBe(after);
  });

  it('follows the tip back to a lower height when the tip poll sees it (reorg)', async () => {
    const daemons = new FakeDaemons();
    daemons.templates = [nextBlockTemplate()];
    daemons.bestblockhash = nextBlockTemplate().previousblockhash;
    const { manager, started } = start(daemons, { longPoll: false, pollIntervalMs: 10 });
    await started;
    expect(manager.current()!.height).toBe(fixture.height + 1);
    daemons.templates = [fixture];
    daemons.bestblockhash = fixture.previousblockhash;
    await vi.waitFor(() => expect(manager.current()!.height).toBe(fixture.height));
    expect(manager.current()!.cleanJobs).toBe(true);
  });

  it('refreshes periodically for new transactions without cleaning jobs', async () => {
    const daemons = new FakeDaemons();
    daemons.templates = [fixture, { ...fixture, coinbasevalue: fixture.coinbasevalue + 1000 }]; // their fees
    const { manager, started } = start(daemons, { longPoll: false, refreshMs: 10 });
    await started;
    const first = manager.current()!;
    await vi.waitFor(() => expect(manager.current()!.jobId).not.toBe(first.jobId));
    expect(manager.current()!.cleanJobs).toBe(false);
  });

  it('coalesces concurrent refresh calls into at most one extra fetch', async () => {
    const daemons = new FakeDaemons();
    const { manager, started } = start(daemons, { longPoll: false });
    await started;
    const before = daemons.gbtCalls.length;
    await Promise.all([manager.refresh(), manager.refresh(), manager.refresh(), manager.refresh()]);
    expect(daemons.gbtCalls.length - before).toBe(2);
  });

  it('start rejects when the first template fails, and the tip poll retries until one arrives', async () => {
    const daemons = new FakeDaemons();
    daemons.templates = [new Error('Litecoin Core is not connected!'), fixture];
    const { manager, started } = start(daemons, { longPoll: false, pollIntervalMs: 10 });
    await expect(started).rejects.toThrow(/not connected/);
    await vi.waitFor(() => expect(manager.current()?.height).toBe(fixture.height));
  });
});

describe('template feed refresh coalescing', () => {
  it('fetches again for a refresh asked in the microtask after a fetch ended (not joined to the fetch already made)', async () => {
    const daemons = new FakeDaemons();
    daemons.templates = [fixture];
    const { manager, started } = start(daemons, { longPoll: false });
    await started;
    const before = daemons.gbtCalls.length;
    // A job listener (a found block's follow-up, a blocknotify) that asks for a refresh right after the job was made.
    let asked: Promise<void> | undefined;
    const off = manager.onJob(() => {
      off();
      queueMicrotask(() => {
        daemons.templates = [nextBlockTemplate()];
        asked = manager.refresh();
      });
    });
    daemons.templates = [{ ...fixture, coinbasevalue: fixture.coinbasevalue + 1 }]; // a new job of the same block
    await manager.refresh();
    await vi.waitFor(() => expect(asked).toBeDefined());
    await asked;
    expect(daemons.gbtCalls.length).toBe(before + 2);
    expect(manager.current()!.height).toBe(fixture.height + 1);
  });
});
