import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { StratumServerOptions } from '../../../fargate/src/stratum/context.js';
import { encodeProxyV2 } from '../../../fargate/src/stratum/proxy-protocol.js';
import { StratumServer } from '../../../fargate/src/stratum/server.js';
import { type Listener, listenStratum } from '../../../fargate/src/stratum/tcp.js';
import { TestStratumClient } from '../../helpers/stratum-client.js';
import { ADDRESS, FakeJobs, job, MemoryQueue, options, silentLog, validate } from './fakes.js';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function start(over: Partial<StratumServerOptions> = {}, proxyProtocol = false) {
  const jobs = new FakeJobs();
  const queue = new MemoryQueue();
  const server = new StratumServer({
    options: options(over),
    jobs,
    shares: queue,
    validateAddress: validate,
    log: silentLog,
  });
  const listener: Listener = await listenStratum(server, {
    host: '127.0.0.1',
    port: 0,
    proxyProtocol,
    keepAliveSeconds: 60,
    log: silentLog,
  });
  cleanup.push(async () => {
    server.close();
    await listener.close();
  });
  const client = async () => {
    const c = await TestStratumClient.connect(listener.port);
    cleanup.push(() => c.close());
    return c;
  };
  return { jobs, queue, server, port: listener.port, client };
}

async function worker(c: TestStratumClient, name = `${ADDRESS}.rig1`) {
  const sub = await c.request(1, 'mining.subscribe', ['test/1.0']);
  const auth = await c.request(2, 'mining.authorize', [name, 'x']);
  return { sub, auth, extranonce1: (sub.result as [unknown, string])[1] };
}

const submitParams = (jobId = '1', en2 = '00000001', versionBits?: string) =>
  [`${ADDRESS}.rig1`, jobId, en2, '6500000a', '0000abcd', ...(versionBits ? [versionBits] : [])] as unknown[];

describe('stratum server over TCP', () => {
  it('serves a cpuminer-like client: subscribe, authorize, then work, and answers back-to-back submits with one id in order', async () => {
    const { client, queue, jobs } = await start();
    const c = await client();
    const { sub, auth, extranonce1 } = await worker(c);
    const [subs, en1, en2Size] = sub.result as [[string, string][], string, number];
    expect(subs.map((s) => s[0])).toEqual(['mining.set_difficulty', 'mining.notify']);
    expect(en1).toMatch(/^[0-9a-f]{8}$/);
    expect(en2Size).toBe(4);
    expect(auth.result).toBe(true);
    await c.nextNotification('mining.notify', 0);
    expect(c.notifications.map((n) => n.method)).toEqual(['mining.set_difficulty', 'mining.notify']);
    expect(c.notifications[0]!.params).toEqual([8]);
    expect(c.notifications[1]!.params[8]).toBe(true);
    for (let i = 0; i < 5; i++) c.send(4, 'mining.submit', submitParams('1', `0000000${i}`));
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await c.response());
    expect(answers.map((a) => [a.id, a.result, a.error])).toEqual(Array(5).fill([4, true, null]));
    expect(queue.shares.map((s) => [s.miner, s.worker, s.difficulty, s.height])).toEqual(
      Array(5).fill([ADDRESS, 'rig1', 8, 500]),
    );
    expect(jobs.submissions.map((s) => s.extranonce2)).toEqual([
      '00000000',
      '00000001',
      '00000002',
      '00000003',
      '00000004',
    ]);
    expect(jobs.submissions[0]!.extranonce1).toBe(extranonce1);
  });

  it('serves an ASIC-like client: configure version rolling, extranonce.subscribe, suggest_difficulty, rolled submits', async () => {
    const { client, jobs } = await start();
    const c = await client();
    const conf = await c.request(1, 'mining.configure', [
      ['version-rolling', 'some-future-extension'],
      { 'version-rolling.mask': 'ffffffff', 'version-rolling.min-bit-count': 2 },
    ]);
    expect(conf.result).toEqual({
      'version-rolling': true,
      'version-rolling.mask': '1fffe000',
      'some-future-extension': false,
    });
    await c.request(2, 'mining.subscribe', ['cgminer/4.12']);
    expect((await c.request(3, 'mining.extranonce.subscribe', [])).result).toBe(true);
    expect((await c.request(4, 'mining.authorize', [`${ADDRESS}.rig1`, ''])).result).toBe(true);
    expect((await c.request(5, 'mining.suggest_difficulty', [32])).result).toBe(true);
    await c.nextNotification('mining.set_difficulty', 1);
    expect(c.notifications.filter((n) => n.method === 'mining.set_difficulty').map((n) => n.params[0])).toEqual([
      8, 32,
    ]);
    expect(await c.request(6, 'mining.submit', submitParams('1', '00000001', '00002000'))).toMatchObject({
      result: true,
    });
    expect(jobs.submissions.at(-1)!.versionBits).toBe('00002000');
    const outside = await c.request(7, 'mining.submit', submitParams('1', '00000002', '00000001'));
    expect(outside.error).toEqual([20, 'version bits outside the negotiated mask (mining.configure)', null]);
  });

  it('keeps the connection after a malformed line and closes it after an oversized one', async () => {
    const { client } = await start({ maxLineBytes: 2048 });
    const c = await client();
    c.send(null, 'x', []);
    (c as unknown as { socket: { write(s: string): void } }).socket.write('this is not json\n');
    const bad = await c.response();
    expect(bad.error?.[0]).toBe(20);
    const next = await c.response();
    expect(next.error?.[1]).toMatch(/Parse error/);
    expect((await c.request(1, 'mining.subscribe', [])).error).toBeNull();
    (c as unknown as { socket: { write(s: string): void } }).socket.write(`${'x'.repeat(5000)}\n`);
    const tooLong = await c.response();
    expect(tooLong.error?.[1]).toMatch(/line too long/);
    await new Promise((r) => setTimeout(r, 50));
    expect(c.closed).toBe(true);
  });

  it('drops a connection that does not subscribe and authorize in time', async () => {
    const { client } = await start({ authTimeoutMs: 100 });
    const c = await client();
    await c.request(1, 'mining.subscribe', []);
    await new Promise((r) => setTimeout(r, 300));
    expect(c.closed).toBe(true);
  });

  it('rejects an invalid payout address and a bad worker name with 24 and the reason', async () => {
    const { client } = await start();
    const c = await client();
    await c.request(1, 'mining.subscribe', []);
    const bad = await c.request(2, 'mining.authorize', ['1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa.rig', 'x']);
    expect(bad.error?.[0]).toBe(24);
    expect(bad.error?.[1]).toMatch(/not a valid LTC regtest address/);
    const worker = await c.request(3, 'mining.authorize', [`${ADDRESS}.rig one!`, 'x']);
    expect(worker.error?.[0]).toBe(24);
    expect(c.count('mining.notify')).toBe(0);
  });

  it('clamps a password difficulty to the port range', async () => {
    const { client } = await start();
    const c = await client();
    await c.request(1, 'mining.subscribe', []);
    await c.request(2, 'mining.authorize', [`${ADDRESS}.rig1`, 'x,d=100000']);
    expect((await c.nextNotification('mining.set_difficulty', 0)).params).toEqual([64]);
  });

  it('checks subscription and authorization before a share, and passes job-manager verdicts through without enqueueing', async () => {
    const { client, queue, jobs } = await start();
    const c = await client();
    expect((await c.request(1, 'mining.submit', submitParams())).error?.[0]).toBe(25);
    await c.request(2, 'mining.subscribe', []);
    expect((await c.request(3, 'mining.submit', submitParams())).error?.[0]).toBe(24);
    await c.request(4, 'mining.authorize', [`${ADDRESS}.rig1`, 'x']);
    expect(
      (await c.request(5, 'mining.submit', [`${ADDRESS}.rig1`, '1', 'zz', '6500000a', '0000abcd'])).error?.[0],
    ).toBe(20);
    expect(
      (await c.request(6, 'mining.submit', [`${ADDRESS}.rig1`, '1', '00000001', '65', '0000abcd'])).error?.[0],
    ).toBe(20);
    for (const [code, message] of [
      [21, 'job not found (stale)'],
      [22, 'duplicate share'],
      [23, 'low difficulty share'],
    ] as const) {
      jobs.verdict = { ok: false, code, message };
      expect((await c.request(7, 'mining.submit', submitParams())).error).toEqual([code, message, null]);
    }
    expect(queue.shares).toHaveLength(0);
    expect((await c.request(8, 'mining.frobnicate', [])).error?.[0]).toBe(20);
  });

  it('answers true only after the share is durable, and error 20 when it cannot be recorded', async () => {
    const { client, queue } = await start();
    const c = await client();
    await worker(c);
    queue.hold();
    c.send(9, 'mining.submit', submitParams());
    await new Promise((r) => setTimeout(r, 100));
    const early = (c as unknown as { responses: unknown[] }).responses.length;
    expect(early).toBe(0); // nothing acknowledged while the queue holds the share
    queue.release();
    expect((await c.response()).result).toBe(true);
    queue.fail = true;
    const failed = await c.request(10, 'mining.submit', submitParams('1', '00000002'));
    expect(failed.result).toBeNull();
    expect(failed.error).toEqual([20, 'share not recorded, please resubmit', null]);
    expect(queue.shares).toHaveLength(1);
  });

  it('ignores a response object sent by the client', async () => {
    const { client } = await start();
    const c = await client();
    (c as unknown as { socket: { write(s: string): void } }).socket.write(
      '{"id":99,"result":"cgminer/4","error":null}\n',
    );
    expect((await c.request(1, 'mining.subscribe', [])).id).toBe(1);
  });

  it('resumes a session: the same extranonce1 after a reconnect with the old session id', async () => {
    const { client } = await start();
    const a = await client();
    const { extranonce1 } = await worker(a);
    a.close();
    await new Promise((r) => setTimeout(r, 50));
    const b = await client();
    const sub = await b.request(1, 'mining.subscribe', ['test/1.0', extranonce1]);
    expect((sub.result as [unknown, string])[1]).toBe(extranonce1);
    const other = await client();
    const sub2 = await other.request(1, 'mining.subscribe', ['test/1.0', extranonce1]);
    expect((sub2.result as [unknown, string])[1]).not.toBe(extranonce1); // in use now
  });

  it('broadcasts new jobs to every working connection and sends client.reconnect on drain', async () => {
    const { client, jobs, server } = await start();
    const a = await client();
    const b = await client();
    await worker(a);
    await worker(b);
    await a.nextNotification('mining.notify', 0);
    await b.nextNotification('mining.notify', 0);
    jobs.publish(job('2', false));
    for (const c of [a, b]) {
      const n = await c.nextNotification('mining.notify', 1);
      expect([n.params[0], n.params[8]]).toEqual(['2', false]);
    }
    const drained = server.drain(200);
    for (const c of [a, b]) await c.nextNotification('client.reconnect', 0);
    await drained;
    await new Promise((r) => setTimeout(r, 50));
    expect([a.closed, b.closed]).toEqual([true, true]);
  });

  it('drops a client that stops reading once its send queue is full', async () => {
    const { jobs, port, server } = await start({ maxSendQueueBytes: 8 * 1024 });
    const socket = connect(port, '127.0.0.1');
    cleanup.push(() => void socket.destroy());
    await new Promise((r) => socket.once('connect', r));
    socket.write(
      `{"id":1,"method":"mining.subscribe","params":[]}\n{"id":2,"method":"mining.authorize","params":["${ADDRESS}","x"]}\n`,
    );
    await new Promise((r) => setTimeout(r, 100));
    socket.pause();
    const big = { ...job('x', false), merkleBranch: Array(12).fill('ab'.repeat(32)) };
    const closed = new Promise((r) => socket.once('close', r));
    for (let i = 0; i < 5000 && server.connectionCount > 0; i++) jobs.publish({ ...big, jobId: String(i) });
    expect(server.connectionCount).toBe(0);
    socket.resume();
    await closed;
  });

  it('takes the miner address from a PROXY v2 header and drops connections without one', async () => {
    const { port, queue } = await start({}, true);
    const socket = connect(port, '127.0.0.1');
    cleanup.push(() => void socket.destroy());
    await new Promise((r) => socket.once('connect', r));
    let text = '';
    socket.on('data', (d) => {
      text += d.toString();
    });
    socket.write(encodeProxyV2({ address: '203.0.113.7', port: 40000 }, { address: '10.0.0.5', port: 3333 }));
    socket.write(
      `{"id":1,"method":"mining.subscribe","params":[]}\n{"id":2,"method":"mining.authorize","params":["${ADDRESS}.w","x"]}\n`,
    );
    socket.write(`{"id":3,"method":"mining.submit","params":["${ADDRESS}.w","1","00000001","6500000a","00000001"]}\n`);
    const deadline = Date.now() + 5000;
    while (queue.shares.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(queue.shares[0]?.ip).toBe('203.0.113.7');
    expect(text).toContain('"id":3,"result":true');

    const plain = await TestStratumClient.connect(port);
    cleanup.push(() => plain.close());
    plain.send(1, 'mining.subscribe', []);
    await new Promise((r) => setTimeout(r, 200));
    expect(plain.closed).toBe(true);
  });
});
