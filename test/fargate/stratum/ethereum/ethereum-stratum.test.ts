import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { boundaryOf } from '../../../../fargate/src/jobs/ethereum/job-book.js';
import { mineEtchash } from '../../../helpers/eth-miner.js';
import { security } from '../fakes.js';
import type { PairClient } from '../pair-client.js';
import { ETC_ADDRESS, ethRequest, startEtcPort } from './harness.js';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});
const onCleanup = (fn: () => Promise<void> | void) => cleanup.push(fn);
const USER = `${ETC_ADDRESS}.gpu0`;

/** NiceHash's flow: subscribe naming the protocol, authorize, then set_difficulty and notify. */
async function es1(c: PairClient) {
  const sub = await c.request(1, 'mining.subscribe', ['lolMiner/1.88', 'EthereumStratum/1.0.0']);
  const auth = await c.request(2, 'mining.authorize', [USER, 'x']);
  const notify = await c.notification('mining.notify');
  return { sub, auth, notify, extranonce: (sub.result as [unknown, string])[1] };
}

describe('EthereumStratum/1.0.0 on the ETC port', () => {
  it('subscribes with an extranonce, sends set_difficulty in 2^32 units before the first notify, accepts extranonce ‖ miner nonce', async () => {
    const port = await startEtcPort(onCleanup);
    const c = await port.client();
    const { sub, auth, notify, extranonce } = await es1(c);
    expect(sub).toEqual({
      id: 1,
      result: [['mining.notify', extranonce, 'EthereumStratum/1.0.0'], extranonce],
      error: null,
    });
    expect(extranonce).toMatch(/^[0-9a-f]{6}$/);
    expect(auth).toMatchObject({ id: 2, result: true, error: null });
    const methods = c.messages.filter((m) => m.method).map((m) => m.method);
    expect(methods).toEqual(['mining.set_difficulty', 'mining.notify']);
    expect(c.notifications('mining.set_difficulty')[0]!.params).toEqual([2 / 2 ** 32]);
    const work = port.node.current()!;
    expect(notify.params).toEqual([
      expect.stringMatching(/^[0-9a-f]{8}$/),
      work.seedHash.slice(2),
      work.headerHash.slice(2),
      true,
    ]);
    const [jobId, , header] = notify.params as [string, string, string];
    const s = mineEtchash(header, boundaryOf(2), { prefix: extranonce });
    expect(await c.request(3, 'mining.submit', [USER, jobId, s.nonce.slice(6)])).toMatchObject({ result: true });
    // The full nonce starting with the extranonce is the same share: a duplicate.
    expect(await c.request(4, 'mining.submit', [USER, jobId, s.nonce])).toMatchObject({
      error: [22, 'duplicate share', null],
    });
    expect(port.queue.shares).toEqual([
      expect.objectContaining({
        miner: ETC_ADDRESS,
        worker: 'gpu0',
        difficulty: 2,
        hash: s.result.toString(16).padStart(64, '0'),
      }),
    ]);
  });

  it('gives extranonces unique across tasks and their processes: the task prefix, then the lane’s counter', async () => {
    // Task 0a with two stratum processes (lanes), task 0b with one: four connections on each process.
    const ports = [
      await startEtcPort(onCleanup, { over: { instancePrefix: '0a' }, lane: { index: 0, count: 2 } }),
      await startEtcPort(onCleanup, { over: { instancePrefix: '0a' }, lane: { index: 1, count: 2 } }),
      await startEtcPort(onCleanup, { over: { instancePrefix: '0b' } }),
    ];
    const seen: string[] = [];
    for (const [i, port] of ports.entries()) {
      for (let n = 0; n < 4; n++) {
        const { extranonce } = await es1(await port.client());
        expect(extranonce).toMatch(i < 2 ? /^0a[0-9a-f]{4}$/ : /^0b[0-9a-f]{4}$/);
        if (i < 2) expect(Number.parseInt(extranonce.slice(2), 16) % 2).toBe(i); // the process's lane
        seen.push(extranonce);
      }
    }
    expect(new Set(seen).size).toBe(12);
    // The miner rolls the other 5 bytes of the nonce: 10 hex characters after the 3-byte extranonce.
    const c = await ports[2]!.client();
    const { notify, extranonce } = await es1(c);
    const [jobId, , header] = notify.params as [string, string, string];
    const s = mineEtchash(header, boundaryOf(2), { prefix: extranonce });
    expect(s.nonce.slice(6)).toHaveLength(10);
    expect(await c.request(3, 'mining.submit', [USER, jobId, s.nonce.slice(6)])).toMatchObject({ result: true });
    expect(ports[2]!.queue.shares.at(-1)).toMatchObject({ hash: s.result.toString(16).padStart(64, '0') });
  });

  it('refuses a nonce of the wrong length, one outside its extranonce, an unknown job and an unauthorized worker', async () => {
    const port = await startEtcPort(onCleanup);
    const c = await port.client();
    const { notify, extranonce } = await es1(c);
    const [jobId, , header] = notify.params as [string, string, string];
    const s = mineEtchash(header, boundaryOf(2), { prefix: extranonce });
    const other = extranonce === 'ffffff' ? '000000' : 'ffffff';
    expect(await c.request(3, 'mining.submit', [USER, jobId, s.nonce.slice(7)])).toMatchObject({
      error: [20, expect.any(String), null],
    });
    expect(await c.request(4, 'mining.submit', [USER, jobId, `${other}${s.nonce.slice(6)}`])).toMatchObject({
      error: [20, expect.any(String), null],
    });
    expect(await c.request(5, 'mining.submit', [USER, jobId, 'zz'.repeat(5)])).toMatchObject({
      error: [20, expect.any(String), null],
    });
    expect(await c.request(6, 'mining.submit', [USER, 'ffffffff', s.nonce.slice(6)])).toMatchObject({
      error: [21, expect.any(String), null],
    });
    expect(await c.request(7, 'mining.submit', [`${ETC_ADDRESS}.other`, jobId, s.nonce.slice(6)])).toMatchObject({
      error: [24, expect.any(String), null],
    });
    expect(port.queue.shares).toHaveLength(0);
  });

  it("tallies each refused share against the authorized worker as stale, duplicate or invalid, not an unknown worker's", async () => {
    const port = await startEtcPort(onCleanup);
    const c = await port.client();
    const { notify, extranonce } = await es1(c);
    const [jobId, , header] = notify.params as [string, string, string];
    const submit = (id: number, worker: string, job: string, nonce: string) =>
      c.request(id, 'mining.submit', [worker, job, nonce]);
    const s = mineEtchash(header, boundaryOf(2), { prefix: extranonce });
    expect(await submit(3, USER, jobId, s.nonce.slice(6))).toMatchObject({ result: true });
    const other = extranonce === 'ffffff' ? '000000' : 'ffffff';
    // A result between the share boundary and 2^256: a real etchash result, too weak a share.
    const weak = mineEtchash(header, (1n << 256n) - 1n, { prefix: extranonce, above: boundaryOf(2) });
    const refusals = [
      [await submit(4, USER, jobId, s.nonce.slice(6)), 22],
      [await submit(5, USER, jobId, s.nonce.slice(7)), 20],
      [await submit(6, USER, jobId, `${other}${s.nonce.slice(6)}`), 20],
      [await submit(7, USER, jobId, weak.nonce.slice(6)), 23],
      [await submit(8, USER, 'ffffffff', s.nonce.slice(6)), 21],
      // Not logged in as this worker: refused (and counted for bans), but no worker of the miner's is charged.
      [await submit(9, `${ETC_ADDRESS}.other`, jobId, s.nonce.slice(6)), 24],
    ] as const;
    for (const [answer, code] of refusals) expect(answer).toMatchObject({ error: [code, expect.any(String), null] });
    // The next block: a share of the old job is stale.
    port.node.publish(9, 101);
    await c.notification('mining.notify', 2);
    const late = mineEtchash(header, boundaryOf(2), {
      prefix: extranonce,
      start: BigInt(`0x${s.nonce.slice(6)}`) + 1n,
    });
    expect(await submit(10, USER, jobId, late.nonce.slice(6))).toMatchObject({ error: [21, expect.any(String), null] });

    expect(port.queue.shares).toHaveLength(1);
    const tally = port.queue.refusals.map(([coin, miner, worker, kind]) => `${coin} ${miner}.${worker} ${kind}`);
    expect(tally.sort()).toEqual(
      [...Array(1).fill('duplicate'), ...Array(3).fill('invalid'), ...Array(2).fill('stale')].map(
        (k) => `ETC ${USER} ${k}`,
      ),
    );
  });

  it("at its head's share limit refuses new shares as stale (logged) and still refuses a repeat as a duplicate; a new head starts afresh", async () => {
    const port = await startEtcPort(onCleanup, { maxSharesPerHead: 1 });
    const c = await port.client();
    const { notify, extranonce } = await es1(c);
    const [jobId, , header] = notify.params as [string, string, string];
    const first = mineEtchash(header, boundaryOf(2), { prefix: extranonce });
    const second = mineEtchash(header, boundaryOf(2), {
      prefix: extranonce,
      start: BigInt(`0x${first.nonce.slice(6)}`) + 1n,
    });
    expect(await c.request(3, 'mining.submit', [USER, jobId, first.nonce.slice(6)])).toMatchObject({ result: true });
    expect(await c.request(4, 'mining.submit', [USER, jobId, first.nonce.slice(6)])).toMatchObject({
      error: [22, 'duplicate share', null],
    });
    expect(await c.request(5, 'mining.submit', [USER, jobId, second.nonce.slice(6)])).toMatchObject({
      error: [21, expect.stringContaining('too many shares'), null],
    });
    expect(port.log.entries.filter((e) => e.msg === 'share limit of the head reached')).toHaveLength(1);
    port.node.publish(9, 101);
    const fresh = await c.notification('mining.notify', 2);
    const [nextJob, , nextHeader] = fresh.params as [string, string, string];
    const later = mineEtchash(nextHeader, boundaryOf(2), { prefix: extranonce });
    expect(await c.request(6, 'mining.submit', [USER, nextJob, later.nonce.slice(6)])).toMatchObject({ result: true });
    expect(port.queue.shares).toHaveLength(2);
  });

  it('a mining.notify with clean true, and the new header, follows a new block; shares of the old block are stale', async () => {
    const port = await startEtcPort(onCleanup);
    const c = await port.client();
    const { notify, extranonce } = await es1(c);
    const [oldJob, , oldHeader] = notify.params as [string, string, string];
    const next = port.node.publish(9, 101);
    const fresh = await c.notification('mining.notify', 2);
    expect(fresh.params).toEqual([expect.any(String), next.seedHash.slice(2), next.headerHash.slice(2), true]);
    const s = mineEtchash(oldHeader, boundaryOf(2), { prefix: extranonce });
    expect(await c.request(3, 'mining.submit', [USER, oldJob, s.nonce.slice(6)])).toMatchObject({
      error: [21, expect.any(String), null],
    });
  });

  it('refuses another protocol in mining.subscribe (EthereumStratum/2.0.0), naming the ones it speaks', async () => {
    const port = await startEtcPort(onCleanup);
    const c = await port.client();
    const answer = await c.request(1, 'mining.subscribe', ['ethminer', 'EthereumStratum/2.0.0']);
    expect(answer).toMatchObject({ result: null, error: [20, expect.stringContaining('EthereumStratum/1.0.0'), null] });
  });
});

describe('dialect detection on the ETC port', () => {
  it('the first request picks the dialect for the connection: eth_* speaks JSON-RPC 2.0, mining.* Stratum', async () => {
    const port = await startEtcPort(onCleanup);
    const proxy = await port.client();
    expect(await ethRequest(proxy, 1, 'eth_submitLogin', [ETC_ADDRESS])).toEqual({
      id: 1,
      jsonrpc: '2.0',
      result: true,
    });
    // Once EthProxy, a Stratum method is an unknown method, answered in EthProxy's format.
    expect(await ethRequest(proxy, 2, 'mining.subscribe', [])).toMatchObject({
      jsonrpc: '2.0',
      error: { code: 20, message: 'unknown method mining.subscribe' },
    });
    const stratum = await port.client();
    await es1(stratum);
    expect(await stratum.request(3, 'eth_getWork', [])).toMatchObject({
      error: [20, 'unknown method eth_getWork', null],
    });
  });

  it('a first request no dialect speaks is refused as an unknown method, and the next one may still pick', async () => {
    const port = await startEtcPort(onCleanup);
    const c = await port.client();
    expect(await c.request(1, 'mining.hello', [{ proto: 'EthereumStratum/2.0.0' }])).toMatchObject({
      error: [20, 'unknown method mining.hello', null],
    });
    const d = await port.client();
    // Before a dialect is chosen, answers take the port's first dialect's format (EthProxy's JSON-RPC 2.0).
    expect(await d.request(1, 'hello', [])).toMatchObject({
      jsonrpc: '2.0',
      error: { code: 20, message: 'unknown method hello' },
    });
    expect(await ethRequest(d, 2, 'eth_submitLogin', [ETC_ADDRESS])).toMatchObject({ jsonrpc: '2.0', result: true });
  });
});

describe('fuzzing the Ethereum dialects', () => {
  const methods = [
    'eth_submitLogin',
    'eth_getWork',
    'eth_submitWork',
    'eth_submitHashrate',
    'mining.subscribe',
    'mining.authorize',
    'mining.submit',
    'mining.extranonce.subscribe',
  ];
  const digit = fc.constantFrom(...'0123456789abcdefABCDEF');
  // Hex of the lengths the dialects check (a nonce, a miner nonce, a hash) and of any length, with or without 0x.
  const hex = fc
    .tuple(fc.constantFrom('', '0x'), fc.oneof(fc.constantFrom(10, 16, 64), fc.nat(70)))
    .chain(([pre, n]) => fc.string({ unit: digit, minLength: n, maxLength: n }).map((d) => pre + d));
  const request = fc.record({
    id: fc.oneof(fc.nat(), fc.string(), fc.constant(null), fc.anything()),
    jsonrpc: fc.constantFrom('2.0', undefined),
    worker: fc.oneof(fc.string(), fc.anything()),
    method: fc.oneof(fc.constantFrom(...methods), fc.string({ maxLength: 40 })),
    params: fc.oneof(
      fc.array(fc.oneof(hex, fc.string(), fc.anything({ maxDepth: 2 }), fc.constant(ETC_ADDRESS)), {
        maxLength: 5,
      }),
      fc.anything({ maxDepth: 2 }),
    ),
  });

  it('answers any sequence of requests with well-formed lines, never crashing or queuing a share', async () => {
    // Bans off: every run comes from 127.0.0.1, and a ban would make the later runs mere refusals.
    const port = await startEtcPort(onCleanup, {
      over: { security: security({ banning: { enabled: false }, connectionLimits: { enabled: false } }) },
    });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 8 }), async (requests) => {
        n++;
        const c = await port.client();
        for (const r of requests) c.raw(`${JSON.stringify(r)}\n`);
        c.raw(`${JSON.stringify({ id: 'sentinel', method: 'eth_submitHashrate', params: [] })}\n`);
        await c
          .waitFor(() => c.messages.some((m) => m.id === 'sentinel'), 'the sentinel')
          .catch(() => expect(c.ended).toBe(true));
        for (const m of c.messages) {
          expect(typeof m).toBe('object');
          if (m.method !== undefined) continue;
          expect(m).toHaveProperty('id');
        }
        c.stream.destroy();
      }),
      { numRuns: 60 },
    );
    expect(n).toBe(60);
    expect(port.log.entries.filter((e) => e.level === 'error')).toEqual([]);
    expect(port.queue.shares).toHaveLength(0);
  });
});
