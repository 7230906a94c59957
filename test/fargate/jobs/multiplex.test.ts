import { duplexPair } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/errors.js';
import { JobMultiplexer } from '../../../fargate/src/jobs/multiplex.js';
import type { ShareSubmission } from '../../../fargate/src/jobs/types.js';
import { StratumServer } from '../../../fargate/src/stratum/server.js';
import { stratumV1 } from '../../../fargate/src/stratum/stratum-v1.js';
import { ADDRESS, FakeJobProvider, job, MemoryShareQueue, options, silentLog, validate } from '../stratum/fakes.js';
import { PairClient } from '../stratum/pair-client.js';

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.reverse()) c();
  cleanup = [];
});

function two() {
  const ltc = new FakeJobProvider(job('a1', true, 100));
  const doge = new FakeJobProvider(job('b7', true, 900));
  const mux = new JobMultiplexer(
    [
      ['LTC', ltc],
      ['DOGE', doge],
    ],
    'LTC',
  );
  cleanup.push(() => mux.stop());
  return { ltc, doge, mux };
}

const submission = (jobId: string): ShareSubmission => ({
  jobId,
  extranonce1: '00000001',
  extranonce2: '00000002',
  ntime: '6500000a',
  nonce: '0000abcd',
  difficulty: 8,
  miner: ADDRESS,
  worker: 'rig1',
});

describe('JobMultiplexer', () => {
  it("gives the current source's jobs with its one-hex-digit prefix, and only the current source's", () => {
    const { ltc, doge, mux } = two();
    const seen: string[] = [];
    mux.onJob((j) => seen.push(`${j.jobId}:${j.cleanJobs}`));
    expect(mux.current()?.jobId).toBe('0a1');
    expect(mux.current()?.height).toBe(100);
    ltc.publish(job('a2', false, 100));
    doge.publish(job('b8', true, 901)); // not current: not broadcast
    expect(seen).toEqual(['0a2:false']);
    expect(mux.current()?.jobId).toBe('0a2');
  });

  it('select() emits the new source’s newest job clean at once, then follows that source only', () => {
    const { ltc, doge, mux } = two();
    const seen: string[] = [];
    mux.onJob((j) => seen.push(`${j.jobId}:${j.cleanJobs}`));
    expect(mux.select('LTC')).toBe(false); // already current: nothing sent
    doge.publish(job('b8', false, 900));
    expect(mux.select('DOGE')).toBe(true);
    expect(mux.currentName).toBe('DOGE');
    ltc.publish(job('a3', true, 101));
    doge.publish(job('b9', false, 900));
    expect(seen).toEqual(['1b8:true', '1b9:false']);
  });

  it('routes a share to the source of its job without the prefix and names that coin on the verdict', async () => {
    const { ltc, doge, mux } = two();
    mux.select('DOGE');
    const check = await mux.checkShare(submission('1b7'));
    expect(check).toMatchObject({ ok: true, coin: 'DOGE' });
    expect(doge.submissions.map((s) => s.jobId)).toEqual(['b7']);
    expect(ltc.submissions).toEqual([]);
  });

  it('answers stale (21) for a share on a job of a source that is no longer current, without asking it', async () => {
    const { ltc, mux } = two();
    mux.select('DOGE');
    expect(await mux.checkShare(submission('0a1'))).toMatchObject({ ok: false, code: 21 });
    expect(ltc.submissions).toEqual([]);
  });

  it('answers job not found (21) for an id with no source behind its prefix', async () => {
    const { mux } = two();
    for (const id of ['5a1', 'za1', '0']) {
      expect(await mux.checkShare(submission(id))).toMatchObject({ ok: false, code: 21 });
    }
  });

  it('passes a refusal through unchanged, with no coin', async () => {
    const { ltc, mux } = two();
    ltc.verdict = { ok: false, code: 23, message: 'low difficulty share' };
    expect(await mux.checkShare(submission('0a1'))).toEqual({ ok: false, code: 23, message: 'low difficulty share' });
  });

  it('refuses sources with different extranonce sizes, duplicate names, an unknown name', () => {
    const a = new FakeJobProvider();
    const b = new FakeJobProvider();
    Object.defineProperty(b, 'extranonce2Size', { value: 8 });
    expect(
      () =>
        new JobMultiplexer([
          ['LTC', a],
          ['DOGE', b],
        ]),
    ).toThrow(/extranonce sizes/);
    expect(
      () =>
        new JobMultiplexer([
          ['LTC', a],
          ['LTC', new FakeJobProvider()],
        ]),
    ).toThrow(ConfigError);
    expect(() => new JobMultiplexer([['LTC', a]], 'BTC')).toThrow(/no job source named BTC/);
    expect(() => new JobMultiplexer([])).toThrow(ConfigError);
  });

  it('stop() stops following the sources', () => {
    const { ltc, mux } = two();
    const seen: string[] = [];
    mux.onJob((j) => seen.push(j.jobId));
    mux.stop();
    ltc.publish(job('a9'));
    expect(seen).toEqual([]);
    expect(ltc.listenerCount).toBe(0);
  });
});

describe('a stratum port over a JobMultiplexer', () => {
  async function port() {
    const { ltc, doge, mux } = two();
    const queue = new MemoryShareQueue();
    const server = new StratumServer({
      options: options(),
      jobs: mux,
      dialects: [stratumV1(mux)],
      shares: queue,
      validateAddress: validate,
      log: silentLog,
    });
    cleanup.push(() => server.close());
    const [miner, pool] = duplexPair();
    server.handle(pool, { address: '198.51.100.9', port: 4000 });
    cleanup.push(() => miner.destroy());
    const c = new PairClient(miner);
    await c.request(1, 'mining.subscribe', ['test/1.0']);
    await c.request(2, 'mining.authorize', [`${ADDRESS}.rig1`, 'x']);
    await c.notification('mining.notify');
    return { ltc, doge, mux, queue, c };
  }
  const submit = (c: PairClient, id: number, jobId: string) =>
    c.request(id, 'mining.submit', [`${ADDRESS}.rig1`, jobId, '00000001', '6500000a', '0000abcd']);

  it('a miner mid-job gets one clean notify for the new coin; shares before and after are queued on their coins', async () => {
    const { mux, queue, c } = await port();
    expect(c.notifications('mining.notify')[0]!.params![0]).toBe('0a1');
    expect((await submit(c, 3, '0a1')).result).toBe(true);
    mux.select('DOGE');
    const notify = await c.notification('mining.notify', 2);
    expect(notify.params![0]).toBe('1b7');
    expect(notify.params![8]).toBe(true); // clean: drop the LTC work
    expect((await submit(c, 4, '0a1')).error?.[0]).toBe(21); // the old coin's job: stale
    expect((await submit(c, 5, '1b7')).result).toBe(true);
    expect(queue.shares.map((s) => s.coin)).toEqual(['LTC', 'DOGE']);
    expect(c.notifications('mining.notify')).toHaveLength(2);
  });
});
