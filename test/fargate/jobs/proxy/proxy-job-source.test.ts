import { describe, expect, it, vi } from 'vitest';
import { buildCoinbase } from '../../../../core/chain/coinbase.js';
import { difficultyToTarget } from '../../../../core/chain/target.js';
import { getCoin } from '../../../../core/coins/index.js';
import { ProxyJobSource } from '../../../../fargate/src/jobs/proxy/proxy-job-source.js';
import type { UpstreamConnection, UpstreamNotify } from '../../../../fargate/src/jobs/proxy/upstream-connection.js';
import type { UpstreamPool } from '../../../../fargate/src/jobs/proxy/upstream-pool.js';
import type { StratumJob } from '../../../../fargate/src/jobs/types.js';
import { createMemoryMetrics } from '../../../../fargate/src/stratum/metrics.js';
import { createLogger } from '../../../../local/logger.js';

const LTC = getCoin('LTC');
const UPSTREAM_DIFFICULTY = 0.01;

/** A PoW hash (internal byte order) whose value is `value`: the share's difficulty is chosen by the test. */
const powOf = (value: bigint) => Buffer.from(value.toString(16).padStart(64, '0'), 'hex').reverse();

function setup(upstreamExtranonce2Size = 8, versionMask = 0x1fffe000) {
  let nextPow = 0n;
  const metrics = createMemoryMetrics();
  const source = new ProxyJobSource({
    coin: LTC,
    extranonce1Size: 4,
    extranonce2Size: 4,
    powHash: () => powOf(nextPow),
    logger: createLogger('proxy-test', 'silent'),
    now: () => 1_700_000_000_000,
    metrics: metrics.upstreamShares,
  });
  const conn = {
    closed: false,
    name: 'stratum+tcp://up:3333',
    endpoint: { url: 'stratum+tcp://up:3333', user: 'pool', password: 'x' },
    session: { extranonce1: 'e1e1e1e1', extranonce2Size: upstreamExtranonce2Size, versionMask },
  } as unknown as UpstreamConnection;
  const submit = vi.fn(async (_conn: UpstreamConnection, _params: string[]) => ({ accepted: true as const }));
  const markDown = vi.fn();
  const pool = { serving: conn, submit, markDown } as unknown as UpstreamPool;
  source.attach(pool);
  const jobs: StratumJob[] = [];
  source.onJob((j) => jobs.push(j));
  const parts = buildCoinbase({
    height: 500,
    outputs: [{ value: 1n, script: Buffer.from('51', 'hex') }],
    tag: Buffer.from('/up/'),
    extranonce1Size: 4,
    extranonce2Size: upstreamExtranonce2Size,
  });
  const notify: UpstreamNotify = {
    jobId: 'up-7',
    prevHash: '11'.repeat(32),
    coinb1: parts.coinb1.toString('hex'),
    coinb2: parts.coinb2.toString('hex'),
    merkleBranch: [],
    version: '20000000',
    nbits: '207fffff',
    ntime: '6553f100',
    cleanJobs: true,
  };
  source.events.serving(conn);
  source.events.difficulty(conn, UPSTREAM_DIFFICULTY);
  source.events.notify(conn, notify);
  const share = (difficulty: number, nonce = '00000001', jobId = jobs.at(-1)!.jobId) => ({
    jobId,
    extranonce1: 'aabbccdd',
    extranonce2: '00000001',
    ntime: '6553f100',
    nonce,
    difficulty,
    miner: 'm',
    worker: 'w',
  });
  const withDifficulty = (d: number) => {
    nextPow = difficultyToTarget(d, LTC.stratumDiffMultiplier);
  };
  return { source, conn, submit, markDown, jobs, notify, share, withDifficulty, metrics };
}

describe('proxy job source', () => {
  it("gives miners the upstream's job with its coinb1 extended by the upstream extranonce1, its height and floor", () => {
    const { jobs, notify } = setup(10);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      coinb1: `${notify.coinb1}e1e1e1e10000`,
      coinb2: notify.coinb2,
      height: 500,
      cleanJobs: true,
      minDifficulty: UPSTREAM_DIFFICULTY,
    });
  });

  it("forwards a share that meets the upstream's difficulty with the carved extranonce2", async () => {
    const { source, submit, share, withDifficulty } = setup();
    withDifficulty(UPSTREAM_DIFFICULTY);
    const check = await source.checkShare(share(UPSTREAM_DIFFICULTY));
    expect(check).toMatchObject({ ok: true, height: 500 });
    await source.settled();
    expect(submit).toHaveBeenCalledTimes(1);
    expect(submit.mock.calls[0]![1]).toEqual(['up-7', 'aabbccdd00000001', '6553f100', '00000001']);
    expect(source.counts).toMatchObject({ forwarded: 1, accepted: 1, belowUpstream: 0 });
  });

  it("credits but does not forward a share below the upstream's difficulty", async () => {
    const { source, submit, share, withDifficulty } = setup();
    withDifficulty(UPSTREAM_DIFFICULTY / 2);
    expect((await source.checkShare(share(UPSTREAM_DIFFICULTY / 4))).ok).toBe(true);
    expect(submit).not.toHaveBeenCalled();
    expect(source.counts.belowUpstream).toBe(1);
  });

  it("refuses a share below the connection's difficulty (23), a duplicate (22), and forwards neither", async () => {
    const { source, submit, share, withDifficulty } = setup();
    withDifficulty(UPSTREAM_DIFFICULTY / 2);
    expect(await source.checkShare(share(UPSTREAM_DIFFICULTY))).toMatchObject({ ok: false, code: 23 });
    withDifficulty(UPSTREAM_DIFFICULTY);
    expect((await source.checkShare(share(UPSTREAM_DIFFICULTY, '00000002'))).ok).toBe(true);
    expect(await source.checkShare(share(UPSTREAM_DIFFICULTY, '00000002'))).toMatchObject({ ok: false, code: 22 });
    await source.settled();
    expect(submit).toHaveBeenCalledTimes(1);
  });

  it('counts upstream rejections by code', async () => {
    const { source, submit, share, withDifficulty } = setup();
    submit.mockResolvedValueOnce({ accepted: false, code: 21, message: 'stale' } as never);
    withDifficulty(UPSTREAM_DIFFICULTY);
    await source.checkShare(share(UPSTREAM_DIFFICULTY));
    await source.settled();
    expect(source.counts).toMatchObject({ forwarded: 1, accepted: 0, rejected: 1 });
  });

  it('has no job and refuses shares on the old ones as stale (21) once no upstream serves', async () => {
    const { source, share, withDifficulty } = setup();
    const s = share(UPSTREAM_DIFFICULTY);
    const down = vi.fn();
    source.onAvailability(down);
    source.events.lost();
    expect(down).toHaveBeenCalledWith(false);
    expect(source.current()).toBeUndefined();
    withDifficulty(UPSTREAM_DIFFICULTY);
    expect(await source.checkShare(s)).toMatchObject({ ok: false, code: 21 });
  });

  it('marks down an upstream whose extranonce2 has no room for our miners', () => {
    const { markDown, jobs } = setup(6);
    expect(markDown).toHaveBeenCalledWith(
      expect.objectContaining({ url: 'stratum+tcp://up:3333' }),
      expect.stringMatching(/needs 8/),
    );
    expect(jobs).toHaveLength(0);
  });

  it('refuses version bits the upstream did not allow', async () => {
    const { source, share, withDifficulty } = setup(8, 0);
    withDifficulty(UPSTREAM_DIFFICULTY);
    expect(await source.checkShare({ ...share(UPSTREAM_DIFFICULTY), versionBits: '00002000' })).toMatchObject({
      ok: false,
      code: 20,
    });
  });

  it("forwards the miner's rolled version bits as the submit's sixth parameter, within the upstream's mask", async () => {
    const { source, submit, share, withDifficulty } = setup(8, 0x00006000);
    expect(source.versionMask).toBe(0x00006000);
    withDifficulty(UPSTREAM_DIFFICULTY);
    expect((await source.checkShare({ ...share(UPSTREAM_DIFFICULTY), versionBits: '00002000' })).ok).toBe(true);
    await source.settled();
    expect(submit.mock.calls[0]![1]).toEqual(['up-7', 'aabbccdd00000001', '6553f100', '00000001', '00002000']);
    // A bit outside the upstream's mask would be a header it never hashes: refused, not forwarded.
    expect(
      await source.checkShare({ ...share(UPSTREAM_DIFFICULTY, '00000002'), versionBits: '00008000' }),
    ).toMatchObject({ ok: false, code: 20 });
    expect(submit).toHaveBeenCalledTimes(1);
  });

  it('rolls no version bits while no upstream serves', () => {
    const { source } = setup();
    (source as unknown as { upstreams: { serving: undefined } }).upstreams = { serving: undefined };
    expect(source.versionMask).toBe(0);
  });

  it('answers a resend of a share accepted before a clean job 22 (duplicate), another share on the old job 21', async () => {
    const { source, conn, share, withDifficulty, notify, jobs } = setup();
    withDifficulty(UPSTREAM_DIFFICULTY);
    const accepted = share(UPSTREAM_DIFFICULTY);
    expect((await source.checkShare(accepted)).ok).toBe(true);
    source.events.notify(conn, { ...notify, jobId: 'up-8', prevHash: '22'.repeat(32), cleanJobs: true });
    expect(jobs.at(-1)!.cleanJobs).toBe(true);
    expect(await source.checkShare(accepted)).toMatchObject({ ok: false, code: 22 });
    expect(await source.checkShare(share(UPSTREAM_DIFFICULTY, '00000009', accepted.jobId))).toMatchObject({
      ok: false,
      code: 21,
    });
  });

  it('retires every job on a new upstream extranonce1: the next job is clean and carved on it, old shares stale', async () => {
    const { source, conn, share, withDifficulty, notify, jobs, submit } = setup();
    withDifficulty(UPSTREAM_DIFFICULTY);
    const accepted = share(UPSTREAM_DIFFICULTY);
    expect((await source.checkShare(accepted)).ok).toBe(true);
    conn.session = { ...conn.session, extranonce1: 'f2f2f2f2f2', extranonce2Size: 9 };
    source.events.extranonce(conn);
    // No job until the upstream's next notify: the new extranonce1 applies from it.
    expect(source.current()).toBeUndefined();
    expect(await source.checkShare(share(UPSTREAM_DIFFICULTY, '00000005', accepted.jobId))).toMatchObject({
      ok: false,
      code: 21,
    });
    expect(await source.checkShare(accepted)).toMatchObject({ ok: false, code: 22 });
    source.events.notify(conn, { ...notify, jobId: 'up-9', cleanJobs: false });
    const next = jobs.at(-1)!;
    expect(next.cleanJobs).toBe(true);
    // Re-carved: the upstream's new extranonce1 and one filler byte (9 = 1 + 4 + 4).
    expect(next.coinb1).toBe(`${notify.coinb1}f2f2f2f2f200`);
    expect((await source.checkShare(share(UPSTREAM_DIFFICULTY, '00000006', next.jobId))).ok).toBe(true);
    await source.settled();
    expect(submit.mock.calls.at(-1)![1]).toEqual(['up-9', '00aabbccdd00000001', '6553f100', '00000006']);
  });

  it('marks down an upstream whose new extranonce2 size leaves no room for our miners', () => {
    const { source, conn, markDown, notify, jobs } = setup();
    conn.session = { ...conn.session, extranonce2Size: 7 };
    source.events.extranonce(conn);
    expect(markDown).toHaveBeenCalledWith(conn.endpoint, expect.stringMatching(/needs 8/));
    source.events.notify(conn, { ...notify, jobId: 'up-10' });
    expect(jobs).toHaveLength(1);
    expect(source.current()).toBeUndefined();
  });

  it('counts each forwarded share per upstream as accepted, rejected or unanswered (Prometheus counters)', async () => {
    const { source, submit, share, withDifficulty, metrics } = setup();
    submit.mockResolvedValueOnce({ accepted: false, code: 23, message: 'low' } as never);
    submit.mockResolvedValueOnce({ accepted: false, code: 'timeout', message: 'no answer' } as never);
    withDifficulty(UPSTREAM_DIFFICULTY);
    for (const nonce of ['00000001', '00000002', '00000003', '00000004'])
      await source.checkShare(share(UPSTREAM_DIFFICULTY, nonce));
    await source.settled();
    const at = (result: string) => metrics.counts.get(`upstreamShares:LTC:stratum+tcp://up:3333:${result}`);
    expect([at('accepted'), at('rejected'), at('unanswered')]).toEqual([2, 1, 1]);
    expect(source.counts).toMatchObject({ forwarded: 4, accepted: 2, rejected: 1, unanswered: 1 });
  });
});
