// The sha256d share path as the server runs it: a share check that answers at once (the job manager's sha256d
// shares) and the real BatchingShareQueue told through its ack (enqueueAck), so no promise lies between a submit's
// line and the queue push, and the miner's `true` still waits for the batch to be durable.
import { duplexPair } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { ShareBatch } from '../../../core/shares/share.js';
import { BatchingShareQueue } from '../../../fargate/src/queue/batching-share-queue.js';
import { MAX_IN_FLIGHT } from '../../../fargate/src/stratum/connection.js';
import { StratumServer } from '../../../fargate/src/stratum/server.js';
import { MemorySpool, RecordingTransport } from '../../core/shares/fixtures.js';
import { ADDRESS, deferred, FakeJobProvider, options, RecordingLogger, until, validate } from './fakes.js';
import { PairClient } from './pair-client.js';

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.reverse()) c();
  cleanup = [];
});

const USER = `${ADDRESS}.rig1`;

/** A transport that holds every send until the test opens the gate (or fails it with `failing`). */
class GatedTransport extends RecordingTransport {
  private gate = deferred();
  held = 0;
  override async send(batches: ShareBatch[]): Promise<void> {
    this.held++;
    await this.gate.promise;
    return super.send(batches);
  }
  open(): void {
    this.gate.resolve();
  }
}

/** `pending`: the share check answers with a PendingCheck the test settles (the scrypt share path). */
function setup(pending = false) {
  const jobs = new FakeJobProvider();
  jobs.synchronous = true;
  if (pending) jobs.pending = [];
  const transport = new GatedTransport();
  const spool = new MemorySpool();
  const queue = new BatchingShareQueue({ transport, spool, instanceId: 't', maxShares: 500, maxWaitMs: 5 });
  let acks = 0;
  const enqueueAck = queue.enqueueAck.bind(queue);
  queue.enqueueAck = (share, ack) => {
    acks++;
    enqueueAck(share, ack);
  };
  const server = new StratumServer({
    options: options(),
    jobs,
    dialects: jobs.dialects,
    shares: queue,
    validateAddress: validate,
    log: new RecordingLogger(),
    now: () => 1_700_000_000_000,
  });
  cleanup.push(() => server.close());
  const [miner, pool] = duplexPair();
  server.handle(pool, { address: '198.51.100.7', port: 40001 });
  cleanup.push(() => miner.destroy());
  return { jobs, transport, spool, queue, pool, c: new PairClient(miner), acks: () => acks };
}

async function working(c: PairClient) {
  await c.request(1, 'mining.subscribe', ['test/1.0']);
  await c.request(2, 'mining.authorize', [USER, 'x']);
  await c.notification('mining.notify');
}

const submitLine = (id: number, en2: string) =>
  `${JSON.stringify({ id, method: 'mining.submit', params: [USER, '1', en2, '6500000a', '0000abcd'] })}\n`;
const en2 = (i: number) => i.toString(16).padStart(8, '0');

describe('the sha256d share path (a share check that answers at once, the queue told by ack)', () => {
  it('hands a share to the queue in the same turn its line arrives: no promise between the line and the push', async () => {
    const { c, pool, jobs, acks } = setup();
    await working(c);
    // The line as the socket delivers it: the connection's 'data' listener runs now, synchronously.
    pool.emit('data', Buffer.from(submitLine(3, en2(1)) + submitLine(4, en2(2))));
    expect(jobs.submissions).toHaveLength(2);
    expect(acks()).toBe(2);
  });

  it("answers true only once the share's batch is durable, in request order", async () => {
    const { c, transport } = setup();
    await working(c);
    c.raw(submitLine(3, en2(1)) + submitLine(4, en2(2)) + submitLine(5, en2(3)));
    await until(() => transport.held === 1, 'the batch sent');
    await new Promise((r) => setTimeout(r, 20));
    expect(c.responses.map((r) => r.id)).toEqual([1, 2]);
    transport.open();
    await c.waitFor(() => c.responses.length === 5, 'three answers');
    expect(c.responses.slice(2).map((r) => [r.id, r.result, r.error])).toEqual([
      [3, true, null],
      [4, true, null],
      [5, true, null],
    ]);
    expect(transport.accepted.flatMap((b) => b.shares.map((s) => s.worker))).toEqual(['rig1', 'rig1', 'rig1']);
  });

  it('answers 20 "share not recorded" when the batch could be neither sent nor spooled, and keeps serving', async () => {
    const { c, transport, spool } = setup();
    await working(c);
    transport.failing = true;
    spool.failing = true;
    transport.open();
    c.raw(submitLine(3, en2(1)));
    const refused = await c.response();
    expect(refused).toMatchObject({ id: 3, result: null, error: [20, 'share not recorded, please resubmit', null] });
    transport.failing = false;
    spool.failing = false;
    c.raw(submitLine(4, en2(2)));
    expect(await c.response()).toMatchObject({ id: 4, result: true });
  });

  it(`stops at ${MAX_IN_FLIGHT} unanswered shares of a connection and goes on with the rest once they are durable`, async () => {
    const { c, transport, acks } = setup();
    await working(c);
    const count = MAX_IN_FLIGHT + 10;
    c.raw(Array.from({ length: count }, (_, i) => submitLine(3 + i, en2(i + 1))).join(''));
    await until(() => acks() === MAX_IN_FLIGHT, `${MAX_IN_FLIGHT} shares queued`);
    await new Promise((r) => setTimeout(r, 30));
    expect(acks()).toBe(MAX_IN_FLIGHT); // the rest waits for answers to go out
    transport.open();
    await c.waitFor(() => c.responses.length === 2 + count, 'every answer');
    expect(c.responses.slice(2).map((r) => r.id)).toEqual(Array.from({ length: count }, (_, i) => 3 + i));
    expect(c.responses.slice(2).every((r) => r.result === true)).toBe(true);
  });
});

describe('the scrypt share path (a share check that waits for its turn’s hash: a PendingCheck, no promise)', () => {
  it('reads the next submits while a hash waits, queues each share when its verdict comes, answers in request order', async () => {
    const { c, pool, jobs, transport, acks } = setup(true);
    await working(c);
    pool.emit('data', Buffer.from(submitLine(3, en2(1)) + submitLine(4, en2(2))));
    // Both checked in the turn their line arrived (so both join the same batch); neither queued before its verdict.
    expect(jobs.submissions).toHaveLength(2);
    expect(acks()).toBe(0);
    jobs.settle(1);
    expect(acks()).toBe(1);
    jobs.settle(0);
    expect(acks()).toBe(2);
    transport.open();
    await c.waitFor(() => c.responses.length === 4, 'two answers');
    expect(c.responses.slice(2).map((r) => [r.id, r.result])).toEqual([
      [3, true],
      [4, true],
    ]);
  });

  it(`checks at most ${MAX_IN_FLIGHT} of a connection's shares ahead of their hashes: one miner cannot fill a turn's batch`, async () => {
    const { c, jobs, transport } = setup(true);
    transport.open();
    await working(c);
    const count = MAX_IN_FLIGHT + 10;
    c.raw(Array.from({ length: count }, (_, i) => submitLine(3 + i, en2(i + 1))).join(''));
    await until(() => jobs.pending!.length === MAX_IN_FLIGHT, `${MAX_IN_FLIGHT} checks asked`);
    await new Promise((r) => setTimeout(r, 30));
    expect(jobs.pending).toHaveLength(MAX_IN_FLIGHT); // the rest waits for answers to go out
    for (let i = 0; i < MAX_IN_FLIGHT; i++) jobs.settle(i);
    await until(() => jobs.pending!.length === count, 'the rest asked');
    for (let i = MAX_IN_FLIGHT; i < count; i++) jobs.settle(i);
    await c.waitFor(() => c.responses.length === 2 + count, 'every answer');
    expect(c.responses.slice(2).map((r) => r.id)).toEqual(Array.from({ length: count }, (_, i) => 3 + i));
    expect(c.responses.slice(2).every((r) => r.result === true)).toBe(true);
  });

  it('answers a refusal with its code, a check that failed as an internal error, and keeps serving', async () => {
    const { c, jobs, transport, acks } = setup(true);
    transport.open();
    await working(c);
    jobs.nextVerdicts.push({ ok: false, code: 23, message: 'low difficulty share' });
    c.raw(submitLine(3, en2(1)) + submitLine(4, en2(2)) + submitLine(5, en2(3)));
    await until(() => jobs.pending!.length === 3, 'three checks asked');
    jobs.settle(0);
    jobs.pending![1]!.check.reject(new Error('hash failed'));
    jobs.settle(2);
    await c.waitFor(() => c.responses.length === 5, 'three answers');
    expect(c.responses.slice(2).map((r) => [r.id, r.result, r.error])).toEqual([
      [3, null, [23, 'low difficulty share', null]],
      [4, null, [20, 'internal error', null]],
      [5, true, null],
    ]);
    expect(acks()).toBe(1);
    expect(transport.accepted.flatMap((b) => b.shares.map((s) => s.worker))).toEqual(['rig1']);
  });
});
