import { duplexPair } from 'node:stream';
import { payments } from 'bitcoinjs-lib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ShareQueue } from '../../../core/ports/share-queue.js';
import type { Share } from '../../../core/shares/share.js';
import { MAX_IN_FLIGHT } from '../../../fargate/src/stratum/connection.js';
import type { StratumServerOptions } from '../../../fargate/src/stratum/context.js';
import { StratumServer } from '../../../fargate/src/stratum/server.js';
import {
  ADDRESS,
  deferred,
  FakeJobProvider,
  job,
  LTC,
  MemoryShareQueue,
  options,
  RecordingLogger,
  regtestAddress,
  security,
  until,
  validate,
} from './fakes.js';
import { type Message, PairClient } from './pair-client.js';

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.reverse()) c();
  cleanup = [];
});

const USER = `${ADDRESS}.rig1`;
const REMOTE = { address: '198.51.100.7', port: 40001 };

/** A server on an injected clock, and miners connected to it over `duplexPair()`. */
function setup(over: Partial<StratumServerOptions> = {}, shares?: ShareQueue) {
  const jobs = new FakeJobProvider();
  const queue = new MemoryShareQueue();
  const log = new RecordingLogger();
  const clock = { now: 1_700_000_000_000 };
  const server = new StratumServer({
    options: options(over),
    jobs,
    dialects: jobs.dialects,
    shares: shares ?? queue,
    validateAddress: validate,
    log,
    now: () => clock.now,
  });
  cleanup.push(() => server.close());
  const connect = (remote = REMOTE) => {
    const [miner, pool] = duplexPair();
    const conn = server.handle(pool, remote);
    if (!conn) throw new Error('server refused the connection');
    cleanup.push(() => miner.destroy());
    return { c: new PairClient(miner), conn, stream: pool };
  };
  return { jobs, queue, log, server, clock, connect };
}

/** subscribe + authorize, then waits for the first job. */
async function working(c: PairClient, user = USER) {
  const sub = await c.request(1, 'mining.subscribe', ['test/1.0']);
  const auth = await c.request(2, 'mining.authorize', [user, 'x']);
  await c.notification('mining.notify');
  return { sub, auth, extranonce1: (sub.result as [unknown, string])[1] };
}

const submitParams = (o: { user?: string; jobId?: string; en2?: string; ntime?: string; nonce?: string } = {}) => [
  o.user ?? USER,
  o.jobId ?? '1',
  o.en2 ?? '00000001',
  o.ntime ?? '6500000a',
  o.nonce ?? '0000abcd',
];

/** What each message is, in arrival order: "r<id>" for a response, the method for a notification. */
const shape = (messages: Message[]) => messages.map((m) => (m.method === undefined ? `r${m.id}` : m.method));

/** Lets every pending callback, microtask and stream event run. */
const settle = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

describe('mining.subscribe', () => {
  it('answers [[set_difficulty, id], [notify, id]], an 8-hex extranonce1 and the extranonce2 size', async () => {
    const { connect, jobs } = setup();
    const { c } = connect();
    const sub = await c.request(1, 'mining.subscribe', ['cpuminer/2.5.1']);
    expect(sub.error).toBeNull();
    const [subscriptions, extranonce1, en2Size] = sub.result as [[string, string][], string, number];
    expect(extranonce1).toMatch(/^[0-9a-f]{8}$/);
    expect(subscriptions).toEqual([
      ['mining.set_difficulty', extranonce1],
      ['mining.notify', extranonce1],
    ]);
    expect(en2Size).toBe(jobs.extranonce2Size);
    await settle();
    expect(c.notifications('mining.notify')).toEqual([]); // no work before authorize
  });

  it('gives a resuming miner its old extranonce1 after a disconnect, and a live one to nobody else', async () => {
    const { connect, server } = setup();
    const a = connect();
    const { extranonce1 } = await working(a.c);
    a.c.stream.end();
    await until(() => server.connectionCount === 0, 'the first connection to close');
    const b = connect();
    const resumed = await b.c.request(1, 'mining.subscribe', ['test/1.0', extranonce1]);
    expect((resumed.result as [unknown, string])[1]).toBe(extranonce1);
    const other = connect();
    const taken = await other.c.request(1, 'mining.subscribe', ['test/1.0', extranonce1]);
    expect((taken.result as [unknown, string])[1]).not.toBe(extranonce1);
  });

  it('gives a released extranonce1 to another client never, to the same IPv6 /64 within the window', async () => {
    const { connect, server } = setup();
    const first = { address: '2001:db8:5:6::10', port: 40001 };
    const a = connect(first);
    const { extranonce1 } = await working(a.c);
    a.c.stream.end();
    await until(() => server.connectionCount === 0, 'the first connection to close');
    const stranger = connect({ address: '198.51.100.8', port: 40002 });
    const guessed = await stranger.c.request(1, 'mining.subscribe', ['test/1.0', extranonce1]);
    expect((guessed.result as [unknown, string])[1]).not.toBe(extranonce1);
    // The same miner back from another address of its /64 (privacy addresses rotate).
    const back = connect({ address: '2001:db8:5:6:abcd::1', port: 40003 });
    const resumed = await back.c.request(1, 'mining.subscribe', ['test/1.0', extranonce1]);
    expect((resumed.result as [unknown, string])[1]).toBe(extranonce1);
  });
});

describe('mining.authorize', () => {
  it('answers true, then sends set_difficulty followed by notify', async () => {
    const { connect } = setup();
    const { c } = connect();
    const { auth } = await working(c);
    expect(auth).toMatchObject({ id: 2, result: true, error: null });
    expect(shape(c.messages)).toEqual(['r1', 'r2', 'mining.set_difficulty', 'mining.notify']);
    expect(c.notifications('mining.set_difficulty')[0]!.params).toEqual([8]);
    const notify = c.notifications('mining.notify')[0]!.params!;
    expect(notify).toEqual(['1', '00'.repeat(32), '01', '02', [], '20000000', '207fffff', '6500000a', true]);
  });

  it('sends the work of a miner that authorized before subscribing only after the subscribe answer', async () => {
    const { connect } = setup();
    const { c } = connect();
    expect((await c.request(1, 'mining.authorize', [USER, 'x'])).result).toBe(true);
    await settle();
    expect(c.notifications('mining.notify')).toEqual([]); // no extranonce1 yet: no work
    await c.request(2, 'mining.subscribe', []);
    await c.notification('mining.notify');
    expect(shape(c.messages)).toEqual(['r1', 'r2', 'mining.set_difficulty', 'mining.notify']);
  });

  it('refuses an address that is not valid for the coin and network with result false, 24 and the reason', async () => {
    const { connect } = setup();
    const { c } = connect();
    await c.request(1, 'mining.subscribe', []);
    const mainnet = payments.p2wpkh({ hash: Buffer.alloc(20, 5), network: LTC.networks.mainnet![0] }).address!;
    const reply = await c.request(2, 'mining.authorize', [`${mainnet}.rig1`, 'x']);
    expect(reply.result).toBe(false);
    expect(reply.error?.[0]).toBe(24);
    expect(reply.error?.[1]).toMatch(/not a valid LTC regtest address \(it looks like a mainnet address\)/);
    const garbage = await c.request(3, 'mining.authorize', ['nonsense', 'x']);
    expect(garbage.result).toBe(false);
    expect(garbage.error?.[0]).toBe(24);
    expect(garbage.error?.[1]).toMatch(/"nonsense" is not a valid LTC regtest address/);
    await settle();
    expect(c.notifications('mining.notify')).toEqual([]);
  });

  it('refuses a worker name with characters outside letters, digits, "_" and "-" with 24', async () => {
    const { connect } = setup({ security: security({ banning: { malformedLimit: 10 } }) }); // 5 refusals count
    const { c } = connect();
    await c.request(1, 'mining.subscribe', []);
    for (const [i, worker] of ['rig one', 'rig/1', 'rïg', 'a'.repeat(65), 'x.y'].entries()) {
      const reply = await c.request(10 + i, 'mining.authorize', [`${ADDRESS}.${worker}`, 'x']);
      expect(reply.result).toBe(false);
      expect(reply.error?.[0]).toBe(24);
      expect(reply.error?.[1]).toMatch(/worker name/);
    }
    expect((await c.request(20, 'mining.authorize', [`${ADDRESS}.rig_1-A`, 'x'])).result).toBe(true);
  });

  it('takes a start difficulty from the password (d=…), clamped to the port range', async () => {
    for (const [password, expected] of [
      ['d=0.5', 1],
      ['x,d=100000', 64],
      ['x,d=16', 16],
      ['d=abc', 8],
    ] as const) {
      const { connect } = setup(); // min 1, max 64, initial 8
      const { c } = connect();
      await c.request(1, 'mining.subscribe', []);
      await c.request(2, 'mining.authorize', [USER, password]);
      expect((await c.notification('mining.set_difficulty')).params).toEqual([expected]);
    }
  });
});

describe('mining.configure (BIP310)', () => {
  it('answers version-rolling with the pool mask ∩ the miner mask, and false for an unknown extension', async () => {
    const { connect } = setup();
    const { c } = connect();
    const reply = await c.request(1, 'mining.configure', [
      ['version-rolling', 'some-future-extension'],
      { 'version-rolling.mask': 'ffffffff', 'version-rolling.min-bit-count': 2 },
    ]);
    expect(reply.result).toEqual({
      'version-rolling': true,
      'version-rolling.mask': '1fffe000',
      'some-future-extension': false,
    });
    const narrow = await c.request(2, 'mining.configure', [
      ['version-rolling'],
      { 'version-rolling.mask': '00006000' },
    ]);
    expect(narrow.result).toEqual({ 'version-rolling': true, 'version-rolling.mask': '00006000' });
  });

  it("narrows the granted mask to the job source's (proxy mining: the upstream's), none when it allows none", async () => {
    const { connect, jobs } = setup();
    jobs.versionMask = 0x00006000;
    const { c } = connect();
    const reply = await c.request(1, 'mining.configure', [['version-rolling'], { 'version-rolling.mask': 'ffffffff' }]);
    expect(reply.result).toEqual({ 'version-rolling': true, 'version-rolling.mask': '00006000' });
    await working(c);
    // A bit the port allows but the source does not is outside the session's mask: refused before the source sees it.
    expect((await c.request(3, 'mining.submit', [...submitParams(), '00008000'])).error?.[0]).toBe(20);
    jobs.versionMask = 0;
    const none = await c.request(4, 'mining.configure', [['version-rolling'], {}]);
    expect(none.result).toEqual({ 'version-rolling': false, 'version-rolling.mask': '00000000' });
  });

  it('takes a missing miner mask as ffffffff (the pool mask is granted)', async () => {
    const { connect } = setup();
    const { c } = connect();
    const reply = await c.request(1, 'mining.configure', [['version-rolling'], {}]);
    expect(reply.result).toEqual({ 'version-rolling': true, 'version-rolling.mask': '1fffe000' });
  });

  it('answers a malformed miner mask with an error string and keeps rolling off', async () => {
    const { connect } = setup();
    const { c } = connect();
    await working(c);
    for (const mask of ['1fffe00', 'zzzzzzzz', 536862720]) {
      const reply = await c.request(3, 'mining.configure', [['version-rolling'], { 'version-rolling.mask': mask }]);
      expect(reply.result, String(mask)).toEqual({
        'version-rolling': 'version-rolling.mask must be 8 hex characters',
      });
    }
    expect((await c.request(4, 'mining.submit', [...submitParams(), '00002000'])).error?.[0]).toBe(20);
  });

  it('keeps a miner that wants more bits than the pool allows (BIP310: min-bit-count is diagnostic) and logs it', async () => {
    const { connect, log } = setup();
    const { c, conn } = connect();
    const reply = await c.request(1, 'mining.configure', [
      ['version-rolling'],
      { 'version-rolling.mask': '00006000', 'version-rolling.min-bit-count': 16 },
    ]);
    expect(reply.result).toEqual({ 'version-rolling': true, 'version-rolling.mask': '00006000' });
    expect(conn.isOpen).toBe(true);
    expect(log.entries.some((e) => /more version bits/.test(e.msg))).toBe(true);
    const enough = await c.request(2, 'mining.configure', [
      ['version-rolling'],
      { 'version-rolling.mask': '00006000', 'version-rolling.min-bit-count': 2 },
    ]);
    expect(enough.result).toMatchObject({ 'version-rolling': true });
    expect(log.entries.filter((e) => /more version bits/.test(e.msg))).toHaveLength(1);
  });

  it('answers a hostile object where a number belongs with false, not a handler failure', async () => {
    const { connect, log } = setup();
    const { c, conn } = connect();
    const reply = await c.request(1, 'mining.configure', [
      ['version-rolling', 'minimum-difficulty'],
      { 'version-rolling.min-bit-count': { toString: 1 }, 'minimum-difficulty.value': { valueOf: 1 } },
    ]);
    expect(reply.result).toMatchObject({ 'version-rolling': true, 'minimum-difficulty': false });
    expect(conn.isOpen).toBe(true);
    expect(log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });
});

describe('mining.suggest_difficulty', () => {
  it('before authorize sets the start difficulty (clamped)', async () => {
    const { connect } = setup();
    const { c } = connect();
    await c.request(1, 'mining.subscribe', []);
    expect((await c.request(2, 'mining.suggest_difficulty', [32])).result).toBe(true);
    await c.request(3, 'mining.authorize', [USER, 'x']);
    expect((await c.notification('mining.set_difficulty')).params).toEqual([32]);

    const other = connect().c;
    await other.request(1, 'mining.suggest_difficulty', [1_000_000]);
    await other.request(2, 'mining.subscribe', []);
    await other.request(3, 'mining.authorize', [USER, 'x']);
    expect((await other.notification('mining.set_difficulty')).params).toEqual([64]);
  });

  it('after authorize answers true, then sends the new set_difficulty and the job again', async () => {
    const { connect } = setup();
    const { c } = connect();
    await working(c);
    expect((await c.request(3, 'mining.suggest_difficulty', [16])).result).toBe(true);
    await c.notification('mining.notify', 2);
    expect(shape(c.messages)).toEqual([
      'r1',
      'r2',
      'mining.set_difficulty',
      'mining.notify',
      'r3',
      'mining.set_difficulty',
      'mining.notify',
    ]);
    expect(c.notifications('mining.set_difficulty').map((m) => m.params![0])).toEqual([8, 16]);
  });

  it('answers false to a difficulty that is not a positive number', async () => {
    const { connect } = setup();
    const { c } = connect();
    for (const d of [0, -1, 'x', null, '', true, [], { toString: 1 }, [{ valueOf: 2 }]])
      expect((await c.request(1, 'mining.suggest_difficulty', [d])).result).toBe(false);
  });

  it('after work started never lowers the difficulty at once: a miner repeating a suggestion of the minimum stays where vardiff put it', async () => {
    const { connect, clock, queue } = setup(); // start 8, min 1, one share per 10 s, retarget every 60 s
    const { c } = connect();
    await working(c);
    // Too fast for 8: vardiff takes it to 32 after 16 shares in 2 s.
    for (let i = 0; i < 16; i++) {
      clock.now += 125;
      c.send(3, 'mining.submit', submitParams({ en2: i.toString(16).padStart(8, '0') }));
    }
    await c.notification('mining.set_difficulty', 2);
    expect(c.notifications('mining.set_difficulty').map((m) => m.params![0])).toEqual([8, 32]);
    // The flood: suggest the port's minimum again and again, a retarget interval apart, shares between.
    for (let round = 0; round < 5; round++) {
      expect((await c.request(4, 'mining.suggest_difficulty', [1])).result).toBe(true);
      clock.now += 61_000;
    }
    await settle();
    expect(c.notifications('mining.set_difficulty').map((m) => m.params![0])).toEqual([8, 32]);
    expect(queue.shares).toHaveLength(16);
  });

  it('after work started raises the difficulty at once and keeps vardiff at or above the suggestion', async () => {
    const { connect, clock } = setup();
    const { c, conn } = connect();
    await working(c);
    await c.request(3, 'mining.suggest_difficulty', [48]);
    await c.notification('mining.set_difficulty', 2);
    // Hopelessly slow at 48: without the floor vardiff's idle retargets would go down to the port's minimum (1).
    for (let i = 0; i < 5; i++) {
      clock.now += 61_000;
      conn.session.vardiff.onTick(conn.session.difficulty, clock.now);
    }
    expect(conn.session.vardiff.onTick(48, clock.now + 61_000)).toBeUndefined();
    expect(c.notifications('mining.set_difficulty').map((m) => m.params![0])).toEqual([8, 48]);
  });
});

describe('requests with id null (JSON-RPC 1.0 notifications)', () => {
  it('are handled and never answered: bfgminer’s suggest_target before subscribe leaves subscribe’s answer the next line', async () => {
    const { connect } = setup();
    const { c } = connect();
    // difficulty 16 as a target: 0x00000000ffff0000… / 16 (the port's coin is LTC here: multiplier 65536)
    c.raw(`{"id": null, "method": "mining.suggest_target", "params": ["${'0'.repeat(5)}ffff${'0'.repeat(55)}"]}\n`);
    const sub = await c.request(1, 'mining.subscribe', ['bfgminer/5.5.0']);
    expect(c.messages[0]).toBe(sub);
    expect((sub.result as unknown[])[2]).toBe(4);
    await c.request(2, 'mining.authorize', [USER, 'x']);
    expect((await c.notification('mining.set_difficulty')).params).toEqual([16]);
    // An unknown method with id null is counted like any other, but not answered either.
    c.raw('{"id":null,"method":"mining.capabilities","params":[{}]}\n');
    expect((await c.request(3, 'client.get_version', [])).id).toBe(3);
    expect(c.responses.map((r) => r.id)).toEqual([1, 2, 3]);
  });
});

describe('mining.submit', () => {
  it('refuses a share before mining.subscribe with 25', async () => {
    const { connect, jobs } = setup();
    const { c } = connect();
    const reply = await c.request(1, 'mining.submit', submitParams());
    expect(reply).toMatchObject({ result: null, error: [25, 'not subscribed', null] });
    expect(jobs.submissions).toEqual([]);
  });

  it('refuses a share for a worker this connection did not authorize with 24', async () => {
    const { connect, jobs } = setup();
    const { c } = connect();
    await c.request(1, 'mining.subscribe', []);
    expect((await c.request(2, 'mining.submit', submitParams())).error?.[0]).toBe(24);
    await c.request(3, 'mining.authorize', [USER, 'x']);
    expect((await c.request(4, 'mining.submit', submitParams({ user: `${ADDRESS}.rig2` }))).error?.[0]).toBe(24);
    expect((await c.request(5, 'mining.submit', submitParams({ user: regtestAddress(9) }))).error?.[0]).toBe(24);
    expect(jobs.submissions).toEqual([]);
  });

  it('refuses a malformed extranonce2, ntime, nonce or job id with 20 without asking the job manager', async () => {
    const { connect, jobs } = setup();
    const { c } = connect();
    await working(c);
    const bad = [
      submitParams({ en2: 'zzzzzzzz' }),
      submitParams({ en2: '000001' }), // wrong size
      submitParams({ en2: '0000000001' }),
      submitParams({ ntime: '65' }),
      submitParams({ ntime: 'g500000a' }),
      submitParams({ nonce: '0000abc' }),
      submitParams({ nonce: '0x00abcd' }),
      submitParams({ jobId: '' }),
      [USER, 1, '00000001', '6500000a', '0000abcd'],
      [USER, '1', 1, '6500000a', '0000abcd'],
    ];
    for (const params of bad) {
      const reply = await c.request(7, 'mining.submit', params);
      expect(reply.error?.[0], JSON.stringify(params)).toBe(20);
    }
    expect(jobs.submissions).toEqual([]);
  });

  it('refuses version bits outside the negotiated mask with 20 and passes allowed ones to the job manager', async () => {
    const { connect, jobs } = setup();
    const { c } = connect();
    await working(c);
    // no mining.configure: no version rolling at all
    expect((await c.request(3, 'mining.submit', [...submitParams(), '00002000'])).error?.[0]).toBe(20);
    await c.request(4, 'mining.configure', [['version-rolling'], { 'version-rolling.mask': 'ffffffff' }]);
    const outside = await c.request(5, 'mining.submit', [...submitParams(), '20000000']);
    expect(outside.error).toEqual([20, 'version bits outside the negotiated mask (mining.configure)', null]);
    expect((await c.request(6, 'mining.submit', [...submitParams(), '1fffe000'])).result).toBe(true);
    // None rolled ('00000000'): neither the string nor the numbers the handler read carry version bits.
    expect((await c.request(7, 'mining.submit', [...submitParams(), '00000000'])).result).toBe(true);
    expect(jobs.submissions.map((s) => [s.versionBits, s.fields?.versionBits])).toEqual([
      ['1fffe000', 0x1fffe000],
      [undefined, undefined],
    ]);
  });

  it('passes the job manager verdicts 21, 22 and 23 through and enqueues nothing', async () => {
    const { connect, jobs, queue } = setup();
    const { c } = connect();
    await working(c);
    for (const [code, message] of [
      [21, 'job not found (stale)'],
      [22, 'duplicate share'],
      [23, 'low difficulty share'],
    ] as const) {
      jobs.verdict = { ok: false, code, message };
      expect(await c.request(7, 'mining.submit', submitParams())).toMatchObject({
        id: 7,
        result: null,
        error: [code, message, null],
      });
    }
    expect(jobs.submissions).toHaveLength(3);
    expect(queue.started).toBe(0);
    expect(queue.shares).toEqual([]);
  });

  it("counts each refusal against the authorized worker by class, but not a submit before authorize nor the pool's own failure", async () => {
    const { connect, jobs, queue } = setup();
    const { c } = connect();
    await c.request(1, 'mining.subscribe', []);
    await c.request(2, 'mining.submit', submitParams()); // 24: no worker yet
    await c.request(3, 'mining.authorize', [USER, 'x']);
    await c.request(4, 'mining.submit', submitParams({ user: `${ADDRESS}.rig2` })); // 24: not this connection's
    for (const [code, message] of [
      [21, 'job not found (stale)'],
      [22, 'duplicate share'],
      [23, 'low difficulty share'],
      [20, 'high-hash'],
    ] as const) {
      jobs.verdict = { ok: false, code, message };
      await c.request(5, 'mining.submit', submitParams());
    }
    await c.request(6, 'mining.submit', submitParams({ nonce: 'zz' })); // malformed
    jobs.verdict = { ok: true, hash: 'ff', actualDifficulty: 9, networkDifficulty: 4096, height: 1 };
    queue.rejectWith = new Error('disk full');
    expect((await c.request(7, 'mining.submit', submitParams())).error?.[0]).toBe(20); // not recorded: ours
    expect(queue.refusals).toEqual(
      ['stale', 'duplicate', 'invalid', 'invalid', 'invalid'].map((kind) => ['LTC', ADDRESS, 'rig1', kind]),
    );
  });

  it('enqueues an accepted share with miner, worker, difficulty, height and ip, and hands the job manager the session', async () => {
    const { connect, jobs, queue, clock } = setup();
    const { c } = connect();
    const { extranonce1 } = await working(c);
    jobs.verdict = { ok: true, hash: 'ff', actualDifficulty: 123.5, networkDifficulty: 4096, height: 777 };
    const reply = await c.request(3, 'mining.submit', submitParams({ en2: 'ABCDEF01', nonce: '0000ABCD' }));
    expect(reply).toMatchObject({ id: 3, result: true, error: null });
    expect(jobs.submissions).toEqual([
      {
        jobId: '1',
        extranonce1,
        extranonce2: 'ABCDEF01', // as sent: the share check reads either case (job-manager.test.ts)
        ntime: '6500000a',
        nonce: '0000ABCD',
        versionBits: undefined,
        fields: { ntime: 0x6500000a, nonce: 0xabcd, versionBits: undefined }, // read once, here
        difficulty: 8,
        miner: ADDRESS,
        worker: 'rig1',
      },
    ]);
    expect(queue.shares).toEqual([
      {
        coin: 'LTC',
        miner: ADDRESS,
        worker: 'rig1',
        height: 777,
        difficulty: 8,
        actualDifficulty: 123.5,
        networkDifficulty: 4096, // the job's, for PoT credits
        timestamp: clock.now,
        ip: REMOTE.address,
        hash: 'ff', // ingest counts a share sent twice once
      },
    ]);
  });

  it('credits the address in the spelling the wallet reports: an upper-case bech32 username mines for its lower-case account', async () => {
    const { connect, jobs, queue } = setup();
    const { c } = connect();
    const user = `${ADDRESS.toUpperCase()}.rig1`;
    await working(c, user);
    jobs.verdict = { ok: true, hash: 'ff', actualDifficulty: 9, networkDifficulty: 4096, height: 777 };
    expect(await c.request(3, 'mining.submit', submitParams({ user }))).toMatchObject({ result: true });
    expect(jobs.submissions[0]?.miner).toBe(ADDRESS);
    expect(queue.shares.map((s) => [s.miner, s.worker])).toEqual([[ADDRESS, 'rig1']]);
  });

  it('enqueues a share that found a block together with the block', async () => {
    const { connect, jobs, queue } = setup();
    const { c } = connect();
    await working(c);
    const block = {
      height: 500,
      hash: 'beef',
      reward: '5000000000',
      networkDifficulty: 0.01,
      submitResult: 'accepted',
    };
    jobs.verdict = { ok: true, hash: 'beef', actualDifficulty: 99, networkDifficulty: 4096, height: 500, block };
    expect((await c.request(3, 'mining.submit', submitParams())).result).toBe(true);
    expect(queue.shares[0]?.block).toEqual(block);
  });

  it('answers true only after the enqueue resolved', async () => {
    const { connect, queue } = setup();
    const { c } = connect();
    await working(c);
    const gate = deferred();
    queue.gate = gate;
    c.send(3, 'mining.submit', submitParams());
    await until(() => queue.started === 1, 'the enqueue to start');
    await settle(20);
    expect(c.responses.map((r) => r.id)).toEqual([1, 2]); // nothing for the share yet
    expect(queue.shares).toEqual([]);
    gate.resolve();
    expect(await c.response()).toMatchObject({ id: 3, result: true });
    expect(queue.shares).toHaveLength(1);
  });

  it('answers 20 and never true when the share cannot be enqueued', async () => {
    const { connect, queue, log } = setup();
    const { c } = connect();
    await working(c);
    const gate = deferred();
    queue.gate = gate;
    queue.rejectWith = new Error('queue and spool are down');
    c.send(3, 'mining.submit', submitParams());
    await until(() => queue.started === 1, 'the enqueue to start');
    gate.resolve();
    const reply = await c.response();
    expect(reply).toMatchObject({ id: 3, result: null, error: [20, 'share not recorded, please resubmit', null] });
    expect(c.messages.filter((m) => m.result === true).map((m) => m.id)).toEqual([2]); // only authorize's
    expect(queue.shares).toEqual([]);
    expect(log.entries.some((e) => e.level === 'error' && /could not be recorded/.test(e.msg))).toBe(true);
  });

  it('answers 20 (not recorded) when the queue throws instead of rejecting, and keeps serving the connection', async () => {
    const throwing = new MemoryShareQueue();
    let fail = true;
    const enqueue = throwing.enqueue.bind(throwing);
    throwing.enqueue = (share) => {
      if (fail) throw new Error('queue broke synchronously');
      return enqueue(share);
    };
    const { connect, log } = setup({}, throwing);
    const { c } = connect();
    await working(c);
    const reply = await c.request(3, 'mining.submit', submitParams());
    expect(reply).toMatchObject({ id: 3, result: null, error: [20, 'share not recorded, please resubmit', null] });
    expect(log.entries.some((e) => e.level === 'error' && /could not be recorded/.test(e.msg))).toBe(true);
    fail = false;
    expect(await c.request(4, 'mining.submit', submitParams({ en2: '00000002' }))).toMatchObject({
      id: 4,
      result: true,
    });
  });

  it('credits a share at the lowest difficulty this connection was sent while its job was current', async () => {
    const { connect, queue, jobs } = setup();
    const { c } = connect();
    await working(c); // job 1 at 8
    await c.request(3, 'mining.suggest_difficulty', [32]);
    await c.notification('mining.notify', 2); // job 1 again, now at 32
    jobs.publish(job('2', false)); // job 2 only ever went out at 32
    await c.notification('mining.notify', 3);
    expect((await c.request(4, 'mining.submit', submitParams({ jobId: '1' }))).result).toBe(true);
    expect((await c.request(5, 'mining.submit', submitParams({ jobId: '2' }))).result).toBe(true);
    expect(queue.shares.map((s) => s.difficulty)).toEqual([8, 32]);
    expect(jobs.submissions.map((s) => s.difficulty)).toEqual([8, 32]);
  });

  it('raises the difficulty of a miner submitting too fast, telling it after the answer', async () => {
    const { connect } = setup(); // target 10 s per share, max ×4 per step
    const { c } = connect();
    await working(c);
    for (let i = 0; i < 16; i++) c.send(4, 'mining.submit', submitParams({ en2: i.toString(16).padStart(8, '0') }));
    await c.notification('mining.set_difficulty', 2);
    expect(c.notifications('mining.set_difficulty').map((m) => m.params![0])).toEqual([8, 32]);
    const after = shape(c.messages).slice(4);
    expect(after.slice(0, 17)).toEqual([...Array(16).fill('r4'), 'mining.set_difficulty']);
  });
});

/**
 * A share queue whose enqueues become durable after `delayMs(i)` for the i-th share (so later shares can finish
 * first), recording how many were waiting at once.
 */
class SlowQueue implements ShareQueue {
  readonly shares: Share[] = [];
  waiting = 0;
  maxWaiting = 0;
  private count = 0;
  constructor(private readonly delayMs: (i: number) => number) {}
  async enqueue(share: Share): Promise<void> {
    const i = this.count++;
    this.waiting++;
    this.maxWaiting = Math.max(this.maxWaiting, this.waiting);
    await new Promise((r) => setTimeout(r, this.delayMs(i)));
    this.waiting--;
    this.shares.push(share);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

describe('pipelined submits on one connection', () => {
  const en2 = (i: number) => i.toString(16).padStart(8, '0');

  it('answers 100 pipelined submits in request order while their enqueues wait together and finish out of order', async () => {
    // Later shares become durable first (20 ms down to 2 ms): the answers must still come in request order.
    const queue = new SlowQueue((i) => 20 - (i % 10) * 2);
    const { connect } = setup({}, queue);
    const { c } = connect();
    await working(c);
    const started = performance.now();
    c.raw(
      Array.from({ length: 100 }, (_, i) =>
        JSON.stringify({ id: 100 + i, method: 'mining.submit', params: submitParams({ en2: en2(i) }) }),
      )
        .join('\n')
        .concat('\n'),
    );
    await c.waitFor(() => c.responses.length === 102, '100 submit answers');
    const elapsed = performance.now() - started;
    const answers = c.responses.slice(2);
    expect(answers.map((r) => r.id)).toEqual(Array.from({ length: 100 }, (_, i) => 100 + i));
    expect(answers.every((r) => r.result === true)).toBe(true);
    expect(queue.shares).toHaveLength(100);
    expect(queue.maxWaiting).toBe(MAX_IN_FLIGHT); // one at a time would be 1 (and take ~1.1 s)
    expect(elapsed).toBeLessThan(1000);
  });

  it('keeps the order of accepted and rejected answers when every submit has the same id (cpuminer)', async () => {
    const queue = new SlowQueue(() => 10);
    const { connect, jobs } = setup({}, queue);
    const { c } = connect();
    await working(c);
    // Odd shares are duplicates: refused at once, while the even ones before them still wait to be durable.
    for (let i = 0; i < 40; i++) {
      jobs.nextVerdicts.push(
        i % 2 === 0
          ? { ok: true, hash: 'ab', actualDifficulty: 1, networkDifficulty: 4096, height: 500 }
          : { ok: false, code: 22, message: 'duplicate share' },
      );
    }
    for (let i = 0; i < 40; i++) c.send(4, 'mining.submit', submitParams({ en2: en2(i) }));
    await c.waitFor(() => c.responses.length === 42, '40 submit answers');
    const outcomes = c.responses.slice(2).map((r) => (r.result === true ? 'ok' : r.error?.[0]));
    expect(outcomes).toEqual(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 'ok' : 22)));
    expect(queue.maxWaiting).toBeGreaterThan(1);
  });

  it('handles an authorize after pending submits in order: a submit behind it sees the new worker', async () => {
    const { connect, queue } = setup();
    const { c } = connect();
    await working(c);
    const gate = deferred();
    queue.gate = gate;
    const rig2 = `${ADDRESS}.rig2`;
    c.send(3, 'mining.submit', submitParams({ en2: en2(1) }));
    c.send(4, 'mining.authorize', [rig2, 'x']);
    c.send(5, 'mining.submit', submitParams({ user: rig2, en2: en2(2) }));
    await until(() => queue.started === 2, 'both submits to wait for durability');
    await settle(10);
    // The authorize was handled (the second submit passed as rig2) but is answered only after the first share.
    expect(c.responses.map((r) => r.id)).toEqual([1, 2]);
    gate.resolve();
    await c.waitFor(() => c.responses.length === 5, 'three answers');
    expect(c.responses.slice(2).map((r) => [r.id, r.result])).toEqual([
      [3, true],
      [4, true],
      [5, true],
    ]);
    expect(queue.shares.map((s) => s.worker)).toEqual(['rig1', 'rig2']);
  });

  it('accepts a submit pipelined right behind subscribe and authorize in the same packet', async () => {
    const { connect, queue } = setup();
    const { c } = connect();
    c.raw(
      [
        JSON.stringify({ id: 1, method: 'mining.subscribe', params: [] }),
        JSON.stringify({ id: 2, method: 'mining.authorize', params: [USER, 'x'] }),
        JSON.stringify({ id: 3, method: 'mining.submit', params: submitParams() }),
        '',
      ].join('\n'),
    );
    await c.waitFor(() => c.responses.length === 3, 'three answers');
    expect(shape(c.messages)).toEqual(['r1', 'r2', 'mining.set_difficulty', 'mining.notify', 'r3']);
    expect(c.responses[2]).toMatchObject({ id: 3, result: true });
    expect(queue.shares).toHaveLength(1);
  });

  it('writes the answers that settle together (one batch made durable) in one socket write', async () => {
    const { connect, queue } = setup();
    const { c, stream } = connect();
    await working(c);
    const gate = deferred();
    queue.gate = gate;
    for (let i = 0; i < 10; i++) c.send(10 + i, 'mining.submit', submitParams({ en2: en2(i) }));
    await until(() => queue.started === 10, 'ten shares waiting');
    const write = vi.spyOn(stream, 'write');
    gate.resolve();
    await c.waitFor(() => c.responses.length === 12, 'ten answers');
    expect(c.responses.slice(2).map((r) => r.id)).toEqual(Array.from({ length: 10 }, (_, i) => 10 + i));
    expect(write).toHaveBeenCalledTimes(1);
  });

  it('writes the answers to every line of one read in one socket write (issue 18: a write per read, not per line)', async () => {
    const { connect } = setup();
    const { c, stream } = connect();
    await working(c);
    await settle();
    const write = vi.spyOn(stream, 'write');
    // Six requests in one chunk, each answered at once (a refused share, an extranonce subscription): one read.
    const lines = [0, 1, 2].flatMap((i) => [
      JSON.stringify({ id: 20 + 2 * i, method: 'mining.submit', params: submitParams({ nonce: 'zz' }) }),
      JSON.stringify({ id: 21 + 2 * i, method: 'mining.extranonce.subscribe', params: [] }),
    ]);
    c.raw(`${lines.join('\n')}\n`);
    await c.waitFor(() => c.responses.length === 8, 'six answers');
    expect(c.responses.slice(2).map((r) => r.id)).toEqual([20, 21, 22, 23, 24, 25]);
    expect(write).toHaveBeenCalledTimes(1);
  });

  it(`holds at most ${MAX_IN_FLIGHT} unanswered requests and stops reading the socket until answers go out`, async () => {
    const { connect, queue } = setup();
    const { c, stream } = connect();
    await working(c);
    const gate = deferred();
    queue.gate = gate;
    const total = 300;
    for (let i = 0; i < total; i++) c.send(10 + i, 'mining.submit', submitParams({ en2: en2(i) }));
    await until(() => queue.started === MAX_IN_FLIGHT, 'the in-flight bound to fill');
    await settle(20);
    expect(queue.started).toBe(MAX_IN_FLIGHT);
    expect(stream.isPaused()).toBe(true);
    expect(c.responses).toHaveLength(2);
    gate.resolve();
    await c.waitFor(() => c.responses.length === total + 2, `${total} answers`);
    expect(c.responses.slice(2).map((r) => r.id)).toEqual(Array.from({ length: total }, (_, i) => 10 + i));
    expect(queue.shares).toHaveLength(total);
    expect(stream.isPaused()).toBe(false);
  });
});

describe('dispatch', () => {
  it('answers an unknown method with 20 and keeps the connection', async () => {
    const { connect } = setup();
    const { c, conn } = connect();
    expect((await c.request(1, 'mining.frobnicate', [])).error).toEqual([20, 'unknown method mining.frobnicate', null]);
    expect(conn.isOpen).toBe(true);
  });

  it('treats names of Object.prototype members as unknown methods, not handlers', async () => {
    const { connect } = setup();
    const { c } = connect();
    for (const method of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const reply = await c.request(1, method, []);
      expect(reply.result, method).toBeNull();
      expect(reply.error, method).toEqual([20, `unknown method ${method}`, null]);
    }
  });

  it('ignores a response object sent by the client without answering it', async () => {
    const { connect } = setup();
    const { c } = connect();
    c.raw('{"id":99,"result":"cgminer/4.12","error":null}\n');
    c.raw('{"id":98,"result":null,"error":[20,"x",null]}\n');
    expect(await c.request(1, 'mining.subscribe', [])).toMatchObject({ id: 1, error: null });
    expect(c.messages).toHaveLength(1);
  });

  it('answers a malformed line with 20, echoing a readable id, and keeps the connection', async () => {
    const { connect } = setup();
    const { c, conn } = connect();
    c.raw('this is not json\n');
    c.raw('{"id":5,"method":"mining.submit","params":{}}\n');
    expect(await c.response()).toMatchObject({ id: null, error: [20, 'Parse error: not JSON', null] });
    expect(await c.response()).toMatchObject({ id: 5, error: [20, 'Invalid request: params must be an array', null] });
    expect((await c.request(1, 'mining.subscribe', [])).error).toBeNull();
    expect(conn.isOpen).toBe(true);
  });
});

describe('connection hygiene', () => {
  it('closes a connection after 10 unusable lines, answering each of them (bans off)', async () => {
    const { connect } = setup({ security: security({ banning: { enabled: false } }) });
    const { c, conn } = connect();
    for (let i = 0; i < 9; i++) c.raw('not json\n');
    for (let i = 0; i < 9; i++) expect((await c.response()).error?.[0]).toBe(20);
    expect(conn.isOpen).toBe(true);
    c.raw('{"id":1}\n');
    expect((await c.response()).error).toEqual([20, 'Invalid request: missing method', null]);
    await c.waitFor(() => false, 'the close').catch(() => {});
    expect(c.ended).toBe(true);
    expect(conn.isOpen).toBe(false);
  });

  it('closes a connection that sends no share for idleTimeoutMs, however much else it sends', async () => {
    // Only timers are faked: stream events and setImmediate keep running for real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      const { connect } = setup({ idleTimeoutMs: 60_000, authTimeoutMs: 5_000 });
      const chatty = connect();
      const miner = connect();
      await working(chatty.c);
      await working(miner.c);
      for (let step = 1; step <= 10; step++) {
        vi.advanceTimersByTime(10_000);
        if (chatty.conn.isOpen) {
          expect((await chatty.c.request(10 + step, 'client.get_version', [])).error).toBeNull();
        }
        expect((await miner.c.request(10 + step, 'mining.submit', submitParams())).result).toBe(true);
        // closed at the first tick at or past 60 s after its last share (it never sent one)
        expect(chatty.conn.isOpen, `after ${step * 10} s`).toBe(step < 6);
      }
      expect(miner.conn.isOpen).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('idle connection memory', () => {
  it('drops the auth deadline once a miner subscribed and authorized: an idle miner keeps no timer (one idle clock for all)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      const { connect } = setup({ idleTimeoutMs: 60_000, authTimeoutMs: 5_000 });
      const before = vi.getTimerCount();
      const miner = connect();
      expect(vi.getTimerCount() - before).toBe(1); // the auth deadline; the idle deadline is a number on the server's clock
      await working(miner.c);
      expect(vi.getTimerCount() - before).toBe(0);
      expect((await miner.c.request(10, 'mining.submit', submitParams())).result).toBe(true);
      expect(vi.getTimerCount() - before).toBe(0);
      vi.advanceTimersByTime(6_000); // past the auth deadline: nothing fires for an authorized miner
      expect(miner.conn.isOpen).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('StratumServer', () => {
  it('broadcasts a new job to authorized connections only, with clean_jobs as the job manager gave it', async () => {
    const { connect, jobs } = setup();
    const a = connect().c;
    const b = connect().c;
    const idle = connect().c;
    await working(a);
    await working(b);
    await idle.request(1, 'mining.subscribe', []);
    jobs.publish(job('2', false));
    jobs.publish(job('3', true));
    for (const c of [a, b]) {
      await c.notification('mining.notify', 3);
      expect(c.notifications('mining.notify').map((m) => [m.params![0], m.params![8]])).toEqual([
        ['1', true],
        ['2', false],
        ['3', true],
      ]);
    }
    await settle();
    expect(idle.notifications('mining.notify')).toEqual([]);
  });

  it('writes a new job to each connection in one write, of one Buffer shared by connections at one difficulty', async () => {
    const { connect, jobs } = setup();
    const miners = [connect(), connect(), connect()];
    for (const m of miners) await working(m.c);
    await settle();
    // Two connections were retargeted to 16, one stays at its announced difficulty.
    miners[0]!.conn.session.difficulty = 16;
    miners[1]!.conn.session.difficulty = 16;
    const writes = miners.map((m) => vi.spyOn(m.stream, 'write'));
    jobs.publish(job('2', true));
    const [a, b, same] = writes.map((w) => w.mock.calls.map((call) => call[0]));
    expect([a, b, same].map((calls) => calls!.length)).toEqual([1, 1, 1]);
    expect(a![0]).toBe(b![0]); // the very same Buffer: set_difficulty and notify encoded once for both
    expect(String(a![0])).toBe(
      `${JSON.stringify({ id: null, method: 'mining.set_difficulty', params: [16] })}\n${String(same![0])}`,
    );
    for (const m of miners) await m.c.notification('mining.notify', 2);
    expect(miners.map((m) => m.c.notifications('mining.set_difficulty').at(-1)!.params)).toEqual([[16], [16], [8]]);
  });

  it('finishes a drain after the grace even when the injected clock stands still', async () => {
    const { connect, server } = setup();
    const { c } = connect();
    await working(c);
    await server.drain(50);
    expect(c.notifications('client.reconnect')).toHaveLength(1);
    expect(server.connectionCount).toBe(0);
    expect(connect).toThrow(/refused/); // no new connections while draining
  });

  it('releases the extranonce1 and stops listening for jobs when closed', async () => {
    const { connect, server, jobs } = setup();
    const { c } = connect();
    await working(c);
    expect(jobs.listenerCount).toBe(1);
    server.close();
    expect(server.connectionCount).toBe(0);
    expect(jobs.listenerCount).toBe(0);
  });
});

describe('resource limits (issue 12)', () => {
  // No auth timeout within the test: only the ban may close these connections.
  const strict = () => setup({ authTimeoutMs: 600_000, security: security({ banning: { malformedLimit: 3 } }) });

  it('bans a client probing unknown methods: each is answered, the third closes the connection', async () => {
    const { connect } = strict();
    const { c, conn } = connect();
    for (const [i, method] of ['mining.frobnicate', 'eth_submitLogin', 'admin.shutdown'].entries()) {
      expect((await c.request(i, method, [])).error?.[0]).toBe(20);
    }
    await c.waitFor(() => c.ended, 'the close');
    expect(conn.isOpen).toBe(false);
  });

  it('bans a client cycling through refused authorizes (24), the third closes the connection', async () => {
    const { connect } = strict();
    const { c, conn } = connect();
    for (const i of [1, 2, 3])
      expect((await c.request(i, 'mining.authorize', [`nonsense${i}`, 'x'])).result).toBe(false);
    await c.waitFor(() => c.ended, 'the close');
    expect(conn.isOpen).toBe(false);
  });

  it('counts response-shaped lines toward the ban without answering them', async () => {
    const { connect } = strict();
    const { c, conn } = connect();
    for (const id of [1, 2, 3]) c.raw(`{"id":${id},"result":true,"error":null}\n`);
    await c.waitFor(() => c.ended, 'the close');
    expect(conn.isOpen).toBe(false);
    expect(c.messages).toEqual([]);
  });

  it('authorizes at most 64 workers on one connection; the 65th is refused with 24, known ones still pass', async () => {
    const { connect } = setup({ security: security({ banning: { enabled: false } }) });
    const { c } = connect();
    await c.request(1, 'mining.subscribe', []);
    for (let i = 0; i < 64; i++) {
      expect((await c.request(10 + i, 'mining.authorize', [`${ADDRESS}.rig${i}`, 'x'])).result).toBe(true);
    }
    const refused = await c.request(100, 'mining.authorize', [`${ADDRESS}.rig64`, 'x']);
    expect(refused.result).toBe(false);
    expect(refused.error).toEqual([24, 'at most 64 workers per connection', null]);
    expect((await c.request(101, 'mining.authorize', [`${ADDRESS}.rig0`, 'x'])).result).toBe(true);
  });

  it('logs a burst of 64 authorizations per connection, then one a second however many come', async () => {
    const { connect, log, clock } = setup();
    const { c } = connect();
    const logged = () => log.entries.filter((e) => e.msg === 'worker authorized').length;
    for (let i = 0; i < 200; i++) c.send(i, 'mining.authorize', [USER, 'x']);
    await c.waitFor(() => c.responses.length === 200, '200 answers');
    expect(logged()).toBe(64);
    clock.now += 2_000;
    for (let i = 0; i < 10; i++) c.send(300 + i, 'mining.authorize', [USER, 'x']);
    await c.waitFor(() => c.responses.length === 210, '210 answers');
    expect(c.responses.every((r) => r.result === true)).toBe(true);
    expect(logged()).toBe(66);
  });

  it('refuses a second mining.subscribe on one connection with 20 and sends no job again', async () => {
    const { connect } = setup();
    const { c } = connect();
    const { extranonce1 } = await working(c);
    const again = await c.request(3, 'mining.subscribe', ['test/1.0', extranonce1]);
    expect(again.error).toEqual([20, 'already subscribed', null]);
    await settle();
    expect(c.notifications('mining.notify')).toHaveLength(1);
  });
});
