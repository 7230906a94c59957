import { afterEach, describe, expect, it } from 'vitest';
import type { ShareCheck, ShareSubmission } from '../../../fargate/src/jobs/types.js';
import type { StratumServerOptions } from '../../../fargate/src/stratum/context.js';
import { encodeProxyV2 } from '../../../fargate/src/stratum/proxy-protocol.js';
import { job, security, until } from './fakes.js';
import { PairClient } from './pair-client.js';
import { closed, startTcp, submitParams, USER, working } from './tcp-harness.js';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** A StratumServer behind listenStratum on 127.0.0.1, an ephemeral port. */
const start = (over: Partial<StratumServerOptions> = {}, proxyProtocol = false) =>
  startTcp((fn) => cleanup.push(fn), { over, proxyProtocol });

describe('stratum over TCP', () => {
  it('(a) answers a cpuminer-like client’s back-to-back submits, all with id 4, one at a time and in order', async () => {
    const { client, queue, jobs } = await start();
    let inFlight = 0;
    let maxInFlight = 0;
    // Earlier shares take longer to check: a server handling lines concurrently would answer out of order.
    jobs.verdict = async (s: ShareSubmission): Promise<ShareCheck> => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const n = Number.parseInt(s.extranonce2, 16);
      await new Promise((r) => setTimeout(r, (6 - n) * 5));
      inFlight--;
      return n === 3
        ? { ok: false, code: 22, message: 'duplicate share' }
        : { ok: true, hash: 'ab', actualDifficulty: n, networkDifficulty: 4096, height: 500 };
    };
    const c = await client();
    const { auth } = await working(c);
    expect(auth.result).toBe(true);
    for (let i = 1; i <= 6; i++) c.send(4, 'mining.submit', submitParams(`0000000${i}`));
    const answers = [];
    for (let i = 1; i <= 6; i++) answers.push(await c.response());
    expect(answers.map((a) => [a.id, a.result, a.error?.[0] ?? null])).toEqual([
      [4, true, null],
      [4, true, null],
      [4, null, 22],
      [4, true, null],
      [4, true, null],
      [4, true, null],
    ]);
    expect(maxInFlight).toBe(1);
    expect(queue.shares.map((s) => s.actualDifficulty)).toEqual([1, 2, 4, 5, 6]);
  });

  it('(b) serves a cgminer/ASIC-like client: configure, subscribe, extranonce.subscribe, authorize, suggest_difficulty, rolled versions', async () => {
    const { client, jobs, queue } = await start();
    const c = await client();
    const conf = await c.request(1, 'mining.configure', [
      ['version-rolling'],
      { 'version-rolling.mask': '1fffe000', 'version-rolling.min-bit-count': 2 },
    ]);
    expect(conf.result).toEqual({ 'version-rolling': true, 'version-rolling.mask': '1fffe000' });
    const sub = await c.request(2, 'mining.subscribe', ['cgminer/4.12.0']);
    expect((sub.result as unknown[])[2]).toBe(4);
    expect((await c.request(3, 'mining.extranonce.subscribe', [])).result).toBe(true);
    expect((await c.request(4, 'mining.authorize', [USER, ''])).result).toBe(true);
    expect((await c.request(5, 'mining.suggest_difficulty', [32])).result).toBe(true);
    await c.notification('mining.notify', 2);
    expect(c.notifications('mining.set_difficulty').map((n) => n.params![0])).toEqual([8, 32]);

    expect(await c.request(6, 'mining.submit', submitParams('00000001', '1fffe000'))).toMatchObject({ result: true });
    expect(await c.request(7, 'mining.submit', submitParams('00000002', '00002000'))).toMatchObject({ result: true });
    expect(jobs.submissions.map((s) => s.versionBits)).toEqual(['1fffe000', '00002000']);
    for (const outside of ['00001000', '20000000', 'ffffffff']) {
      const reply = await c.request(8, 'mining.submit', submitParams('00000003', outside));
      expect(reply.error?.[0], outside).toBe(20);
    }
    expect(queue.shares).toHaveLength(2);
  });

  it('(b) answers Antminer bmminer’s mining.multi_version with false and never counts it toward a ban', async () => {
    const { client, server } = await start({ security: security({ banning: { malformedLimit: 1 } }) });
    for (let i = 0; i < 3; i++) {
      const c = await client();
      await working(c);
      expect(await c.request(9, 'mining.multi_version', [1])).toMatchObject({ result: false, error: null });
      expect((await c.request(10, 'mining.submit', submitParams('00000001'))).result).toBe(true);
    }
    expect(server.connectionCount).toBe(3);
  });

  it('(c) answers a malformed JSON line with an error and stays usable', async () => {
    const { client, server } = await start();
    const c = await client();
    c.raw('{"id":1,"method":"mining.subscribe",\n');
    expect(await c.response()).toMatchObject({ id: null, result: null, error: [20, 'Parse error: not JSON', null] });
    await working(c);
    expect(server.connectionCount).toBe(1);
  });

  it('(c) closes a connection that sends a line longer than maxLineBytes', async () => {
    const { client, server } = await start({ maxLineBytes: 1024 });
    const c = await client();
    await c.request(1, 'mining.subscribe', []);
    c.raw(`{"id":2,"method":"mining.authorize","params":["${'x'.repeat(2000)}"]}\n`);
    expect(await closed(c)).toBe(true);
    expect(c.messages.at(-1)).toMatchObject({ id: null, error: [20, 'line too long (max 1024 bytes)', null] });
    expect(server.connectionCount).toBe(0);
  });

  it('(c) closes a connection whose line grows past maxLineBytes without a newline', async () => {
    const { client, server } = await start({ maxLineBytes: 1024 });
    const c = await client();
    c.raw('{"id":1,"method":"mining.subscribe","params":["');
    c.raw('x'.repeat(2000));
    expect(await closed(c)).toBe(true);
    expect(server.connectionCount).toBe(0);
  });

  it('(d) closes a connection that does not authorize within authTimeoutMs, and keeps one that did', async () => {
    const { client, server } = await start({ authTimeoutMs: 150 });
    const good = await client();
    await working(good);
    const lazy = await client();
    await lazy.request(1, 'mining.subscribe', []);
    const silent = await client();
    expect(await closed(lazy)).toBe(true);
    expect(await closed(silent)).toBe(true);
    expect(server.connectionCount).toBe(1);
    expect(good.ended).toBe(false);
    expect((await good.request(9, 'mining.submit', submitParams('00000001'))).result).toBe(true);
  });

  it('(e) answers the job manager’s stale (21), duplicate (22) and low-difficulty (23) verdicts and enqueues none of them', async () => {
    const { client, jobs, queue } = await start();
    const c = await client();
    await working(c);
    const verdicts: ShareCheck[] = [
      { ok: false, code: 21, message: 'job not found (stale)' },
      { ok: false, code: 22, message: 'duplicate share' },
      { ok: true, hash: 'ab', actualDifficulty: 9, networkDifficulty: 4096, height: 500 },
      { ok: false, code: 23, message: 'low difficulty share' },
    ];
    jobs.nextVerdicts.push(...verdicts);
    for (let i = 1; i <= 4; i++) c.send(4, 'mining.submit', submitParams(`0000000${i}`));
    const answers = [];
    for (let i = 1; i <= 4; i++) answers.push(await c.response());
    expect(answers.map((a) => [a.id, a.result, a.error])).toEqual([
      [4, null, [21, 'job not found (stale)', null]],
      [4, null, [22, 'duplicate share', null]],
      [4, true, null],
      [4, null, [23, 'low difficulty share', null]],
    ]);
    expect(jobs.submissions).toHaveLength(4);
    expect(queue.started).toBe(1);
    expect(queue.shares.map((s) => s.actualDifficulty)).toEqual([9]);
  });

  it('(f) drain() sends client.reconnect to every miner, closes them after the grace and refuses new ones', async () => {
    const { client, server } = await start();
    const a = await client();
    const b = await client();
    await working(a);
    await working(b);
    const drained = server.drain(150);
    for (const c of [a, b]) await c.notification('client.reconnect');
    expect(server.isDraining).toBe(true);
    const late = await client();
    expect(await closed(late)).toBe(true);
    await drained;
    expect(await closed(a)).toBe(true);
    expect(await closed(b)).toBe(true);
    expect(server.connectionCount).toBe(0);
  });

  it('(g) answers 20 "share not recorded" and never true when the enqueue fails, and accepts again once it works', async () => {
    const { client, queue, server } = await start();
    const c = await client();
    await working(c);
    queue.rejectWith = new Error('SQS and the spool are both down');
    const failed = await c.request(4, 'mining.submit', submitParams('00000001'));
    expect(failed).toEqual({ id: 4, result: null, error: [20, 'share not recorded, please resubmit', null] });
    expect(queue.started).toBe(1);
    expect(queue.shares).toEqual([]);
    expect(c.responses.filter((r) => r.result === true).map((r) => r.id)).toEqual([2]); // authorize only
    expect(server.connectionCount).toBe(1);
    queue.rejectWith = undefined;
    expect(await c.request(4, 'mining.submit', submitParams('00000001'))).toMatchObject({ result: true });
    expect(queue.shares).toHaveLength(1);
  });

  it('with proxyProtocol, takes the session address from the PROXY v2 header (IPv4 and IPv6)', async () => {
    const { socket, queue, log } = await start({}, true);
    const nlb = { address: '10.0.0.5', port: 3333 };
    for (const source of [
      { address: '203.0.113.7', port: 40000 },
      { address: '2001:db8::42', port: 40001 },
    ]) {
      const s = await socket();
      const c = new PairClient(s);
      // header and the first stratum lines in one packet: the bytes after the header must not be lost
      s.write(
        Buffer.concat([
          encodeProxyV2(source, source.address.includes(':') ? { address: '2001:db8::1', port: 3333 } : nlb),
          Buffer.from('{"id":1,"method":"mining.subscribe","params":[]}\n'),
        ]),
      );
      expect((await c.response()).error).toBeNull();
      expect((await c.request(2, 'mining.authorize', [USER, 'x'])).result).toBe(true);
      expect((await c.request(3, 'mining.submit', submitParams('00000001'))).result).toBe(true);
      expect(queue.shares.at(-1)?.ip).toBe(source.address);
      const authorized = log.entries.filter((e) => e.msg === 'worker authorized').at(-1);
      expect(authorized?.obj).toMatchObject({ ip: source.address });
    }
  });

  it('behind the NLB, caps the open connections of an IPv6 /64 whatever its addresses, and a closed one frees its place', async () => {
    const { proxied, server } = await start({ security: security({ connectionLimits: { maxPerIp: 2 } }) }, true);
    const subscribed = async (c: PairClient) => (await c.request(1, 'mining.subscribe', [])).error === null;
    const first = await proxied('2001:db8:7:8::1');
    expect(await subscribed(first)).toBe(true);
    expect(await subscribed(await proxied('2001:db8:7:8:ffff:1:2:3'))).toBe(true);
    const third = await proxied('2001:db8:7:8::99');
    expect(await closed(third)).toBe(true);
    console.log(`3rd connection of one /64: ${JSON.stringify(third.messages[0]?.error)}`);
    expect(third.messages[0]?.error).toEqual([20, 'too many open connections from this IP (2)', null]);
    expect(await subscribed(await proxied('2001:db8:7:9::1'))).toBe(true); // the next /64
    first.stream.destroy();
    await until(() => server.connectionCount === 2, 'the first connection to close');
    expect(await subscribed(await proxied('2001:db8:7:8::abcd'))).toBe(true);
  });

  it('with proxyProtocol, drops a client that sends no PROXY header', async () => {
    const { client, server, log } = await start({}, true);
    const c = await client();
    c.send(1, 'mining.subscribe', []);
    expect(await closed(c)).toBe(true);
    expect(c.messages).toEqual([]);
    expect(server.connectionCount).toBe(0);
    expect(log.entries.some((e) => e.level === 'warn' && /without a valid PROXY header/.test(e.msg))).toBe(true);
  });

  it('drops a client that stops reading once its send queue passes maxSendQueueBytes', async () => {
    const { socket, jobs, server, log } = await start({ maxSendQueueBytes: 16 * 1024 });
    const s = await socket();
    const c = new PairClient(s);
    await working(c);
    s.pause(); // never reads again: the kernel buffers fill, then the server's send queue
    const big = { ...job('x', false), merkleBranch: Array(12).fill('ab'.repeat(32)) };
    for (let i = 0; i < 50_000 && server.connectionCount > 0; i++) {
      jobs.publish({ ...big, jobId: String(i) });
      if (i % 500 === 0) await new Promise((r) => setImmediate(r)); // let the kernel move what it can
    }
    expect(server.connectionCount).toBe(0);
    expect(log.entries.some((e) => e.level === 'warn' && /client not reading/.test(e.msg))).toBe(true);
  });

  it('broadcasts a new job to every authorized connection with clean_jobs as given, and not to others', async () => {
    const { client, jobs } = await start();
    const miners = [await client(), await client(), await client()];
    for (const m of miners) await working(m);
    const unauthorized = await client();
    await unauthorized.request(1, 'mining.subscribe', []);
    jobs.publish(job('2', false));
    jobs.publish(job('3', true));
    for (const m of miners) {
      await m.notification('mining.notify', 3);
      expect(m.notifications('mining.notify').map((n) => [n.params![0], n.params![8]])).toEqual([
        ['1', true],
        ['2', false],
        ['3', true],
      ]);
    }
    await until(() => miners.every((m) => m.notifications('mining.notify').length === 3), 'the broadcast');
    expect(unauthorized.notifications('mining.notify')).toEqual([]);
  });
});
