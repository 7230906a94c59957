import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyCoinJobSource } from '../../../../families/bitcoin/proxy.js';
import type { StratumJob } from '../../../../fargate/src/jobs/types.js';
import {
  type FakeUpstream,
  type FakeUpstreamClient,
  startFakeUpstream,
  upstreamNotifyParams,
} from '../../../helpers/fake-upstream.js';
import { proxyPoolConfig, startProxyCoin, until } from '../../../helpers/proxy-coin.js';

const GOOD_EXTRANONCE1 = '600d600d';
const HOSTILE_EXTRANONCE1 = 'bad0bad0';
const GOOD_DIFFICULTY = 0.01;
const HOSTILE_DIFFICULTY = 0.5;

const notify = (over: Record<number, unknown> = {}) => {
  const params = upstreamNotifyParams({ jobId: 'hostile' });
  for (const [i, v] of Object.entries(over)) params[Number(i)] = v;
  return { id: null, method: 'mining.notify', params };
};

/** After authorize, what a hostile or broken upstream sends: one bad message, then a valid job (never to be used). */
const HOSTILE: Record<string, (c: FakeUpstreamClient) => void> = {
  'a line over 64 KiB': (c) => c.sendRaw(`{"id":null,"method":"mining.notify","params":["${'a'.repeat(70_000)}`),
  'malformed JSON': (c) => c.sendRaw('{"id":null,"method":"mining.set_difficulty","params":[1}\n'),
  'a JSON value that is no object': (c) => c.sendRaw('null\n'),
  'a notify whose prevhash is 31 bytes': (c) => c.send(notify({ 1: '11'.repeat(31) })),
  'a notify with odd-length coinb1': (c) => c.send(notify({ 2: 'abc' })),
  'a notify whose version is 3 bytes': (c) => c.send(notify({ 5: '200000' })),
  'a notify whose nbits is no hex': (c) => c.send(notify({ 6: 'zzzzzzzz' })),
  'a notify whose nbits is no target (zero)': (c) => c.send(notify({ 6: '00000000' })),
  'a notify whose nbits is negative': (c) => c.send(notify({ 6: '04923456' })),
  'a notify with a branch entry of 31 bytes': (c) => c.send(notify({ 4: ['22'.repeat(32), '33'.repeat(31)] })),
  'a notify with a branch entry of 33 bytes': (c) => c.send(notify({ 4: ['33'.repeat(33)] })),
  'a notify with 33 branch entries': (c) => c.send(notify({ 4: Array.from({ length: 33 }, () => '44'.repeat(32)) })),
  'a notify whose coinbase has no BIP34 height': (c) => c.send(notify({ 2: '01000000' })),
  'set_difficulty negative': (c) => c.send({ id: null, method: 'mining.set_difficulty', params: [-1] }),
  'set_difficulty zero': (c) => c.send({ id: null, method: 'mining.set_difficulty', params: [0] }),
  'set_difficulty infinite (1e999)': (c) =>
    c.sendRaw('{"id":null,"method":"mining.set_difficulty","params":[1e999]}\n'),
  'set_difficulty as a string': (c) => c.send({ id: null, method: 'mining.set_difficulty', params: ['16'] }),
  'set_extranonce with odd-length hex': (c) =>
    c.send({ id: null, method: 'mining.set_extranonce', params: ['abc', 8] }),
  'set_extranonce of 17 bytes': (c) =>
    c.send({ id: null, method: 'mining.set_extranonce', params: ['ab'.repeat(17), 8] }),
  'set_extranonce with an extranonce2 size of 0': (c) =>
    c.send({ id: null, method: 'mining.set_extranonce', params: ['abcd', 0] }),
  'set_extranonce leaving our miners no room (6 < 4 + 4)': (c) =>
    c.send({ id: null, method: 'mining.set_extranonce', params: ['abcd', 6] }),
};

describe('a hostile or broken upstream', () => {
  let upstreams: FakeUpstream[] = [];
  let jobs: ProxyCoinJobSource | undefined;

  afterEach(async () => {
    jobs?.stop();
    jobs = undefined;
    await Promise.all(upstreams.map((u) => u.close()));
    upstreams = [];
  });

  /** The hostile upstream first in order, a sound one second: the proxy must end up on the second, nothing of the first used. */
  async function failover(hostile: (c: FakeUpstreamClient) => void) {
    const bad = await startFakeUpstream({
      extranonce1: HOSTILE_EXTRANONCE1,
      onAuthorized: (c) => {
        c.send({ id: null, method: 'mining.set_difficulty', params: [HOSTILE_DIFFICULTY] });
        hostile(c);
        c.send(notify());
      },
    });
    const good = await startFakeUpstream({ extranonce1: GOOD_EXTRANONCE1, difficulty: GOOD_DIFFICULTY });
    upstreams = [bad, good];
    const started = await startProxyCoin(proxyPoolConfig([{ url: bad.url }, { url: good.url }]));
    jobs = started.jobs;
    const seen: StratumJob[] = [];
    const current = jobs.current();
    if (current) seen.push(current);
    jobs.onJob((j) => seen.push(j));
    await until(() => jobs!.upstreams()[1]!.healthy && jobs!.current() !== undefined);
    return { bad, good, seen, status: jobs.upstreams() };
  }

  for (const [what, hostile] of Object.entries(HOSTILE)) {
    it(`closes an upstream that sends ${what}, fails over, and uses nothing of it`, async () => {
      const { status, seen } = await failover(hostile);
      expect(status[0]).toMatchObject({ healthy: false, lastError: expect.any(String) });
      expect(status[1]).toMatchObject({ healthy: true });
      // Every job miners got is the sound upstream's: its extranonce1 in coinb1, its difficulty as the floor.
      expect(seen.length).toBeGreaterThan(0);
      for (const job of seen) {
        expect(job.coinb1).toContain(GOOD_EXTRANONCE1);
        expect(job.coinb1).not.toContain(HOSTILE_EXTRANONCE1);
        expect(job.minDifficulty).toBe(GOOD_DIFFICULTY);
      }
    });
  }

  it('names why in the upstream status: the line limit, the malformed method', async () => {
    const long = await failover(HOSTILE['a line over 64 KiB']!);
    expect(long.status[0]!.lastError).toMatch(/longer than 65536 bytes/);
    jobs?.stop();
    await Promise.all(upstreams.map((u) => u.close()));
    const branch = await failover(HOSTILE['a notify with a branch entry of 31 bytes']!);
    expect(branch.status[0]!.lastError).toMatch(/malformed mining.notify/);
  });

  it('treats client.reconnect to another host as that upstream failing and never connects to the named host', async () => {
    const elsewhere = await startFakeUpstream({ extranonce1: 'e15e0000' });
    upstreams.push(elsewhere);
    const { bad, status, seen } = await failover((c) =>
      c.send({ id: null, method: 'client.reconnect', params: ['127.0.0.1', elsewhere.port, 0] }),
    );
    expect(status[0]).toMatchObject({ healthy: false, lastError: 'upstream asked to reconnect' });
    expect(seen.every((j) => j.coinb1.includes(GOOD_EXTRANONCE1))).toBe(true);
    // Nor at once to the upstream that asked: it waits out its backoff like any failed one.
    await new Promise((r) => setTimeout(r, 300));
    expect(elsewhere.connections).toBe(0);
    expect(bad.connections).toBe(1);
  });
});
