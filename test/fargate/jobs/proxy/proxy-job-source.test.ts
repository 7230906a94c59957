import { describe, expect, it, vi } from 'vitest';
import { buildCoinbase } from '../../../../core/chain/coinbase.js';
import { difficultyToTarget } from '../../../../core/chain/target.js';
import { getCoin } from '../../../../core/coins/index.js';
import { ProxyJobSource } from '../../../../fargate/src/jobs/proxy/proxy-job-source.js';
import type { UpstreamConnection, UpstreamNotify } from '../../../../fargate/src/jobs/proxy/upstream-connection.js';
import type { UpstreamPool } from '../../../../fargate/src/jobs/proxy/upstream-pool.js';
import type { StratumJob } from '../../../../fargate/src/jobs/types.js';
import { createLogger } from '../../../../local/logger.js';

const LTC = getCoin('LTC');
const UPSTREAM_DIFFICULTY = 0.01;

/** A PoW hash (internal byte order) whose value is `value`: the share's difficulty is chosen by the test. */
const powOf = (value: bigint) => Buffer.from(value.toString(16).padStart(64, '0'), 'hex').reverse();

function setup(upstreamExtranonce2Size = 8) {
  let nextPow = 0n;
  const source = new ProxyJobSource({
    coin: LTC,
    extranonce1Size: 4,
    extranonce2Size: 4,
    powHash: () => powOf(nextPow),
    logger: createLogger('proxy-test', 'silent'),
    now: () => 1_700_000_000_000,
  });
  const conn = {
    closed: false,
    name: 'stratum+tcp://up:3333',
    endpoint: { url: 'stratum+tcp://up:3333', user: 'pool', password: 'x' },
    session: { extranonce1: 'e1e1e1e1', extranonce2Size: upstreamExtranonce2Size, versionMask: 0x1fffe000 },
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
  const share = (difficulty: number, nonce = '00000001') => ({
    jobId: jobs.at(-1)!.jobId,
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
  return { source, conn, submit, markDown, jobs, notify, share, withDifficulty };
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
    const { source, share, withDifficulty, conn } = setup();
    conn.session.versionMask = 0;
    withDifficulty(UPSTREAM_DIFFICULTY);
    expect(await source.checkShare({ ...share(UPSTREAM_DIFFICULTY), versionBits: '00002000' })).toMatchObject({
      ok: false,
      code: 20,
    });
  });
});
