import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { DaemonEndpoint } from '../../../adapters/rpc/daemon-client.js';
import { DaemonPool, type PoolTimers } from '../../../adapters/rpc/daemon-pool.js';
import { DaemonError } from '../../../core/errors.js';
import { deadUrl, FakeDaemon, type Handler, rpcError, rpcResult } from './fake-daemon.js';

const daemons: FakeDaemon[] = [];
afterEach(async () => {
  await Promise.all(daemons.splice(0).map((d) => d.close()));
});

/** A fake daemon that can be switched off: while down it drops every connection, like a crashed process. */
async function switchable(name: string, onRequest?: Handler) {
  let up = true;
  const d = await FakeDaemon.start((req, res, raw) => {
    if (!up) return raw.socket.destroy();
    if (onRequest) return onRequest(req, res, raw);
    if (req.method === 'getblocktemplate') return rpcResult(res, { from: name });
    if (req.method === 'submitblock') return rpcResult(res, null);
    rpcResult(res, { blocks: 1 });
  });
  daemons.push(d);
  return {
    endpoint: { url: d.url, user: 'u', password: 'p' } as DaemonEndpoint,
    daemon: d,
    setUp: (v: boolean) => {
      up = v;
    },
  };
}

/** Timers the test fires by hand: the health check runs exactly when the test says. */
function manualTimers() {
  const active = new Map<number, { fn: () => void; ms: number }>();
  let next = 1;
  const timers: PoolTimers = {
    setInterval: (fn, ms) => {
      active.set(next, { fn, ms });
      return next++;
    },
    clearInterval: (h) => active.delete(h as number),
  };
  return {
    timers,
    active,
    fire: () => {
      for (const t of active.values()) t.fn();
    },
  };
}

const silent = { warn() {}, info() {} };
const settle = () => new Promise((r) => setTimeout(r, 50));

describe('DaemonPool', () => {
  it('uses the first daemon in config order while it is healthy', async () => {
    const a = await switchable('a');
    const b = await switchable('b');
    const pool = new DaemonPool([a.endpoint, b.endpoint], silent, { timers: manualTimers().timers });
    await pool.start();
    expect(await pool.primary()?.getBlockTemplate(['segwit'])).toEqual({ from: 'a' });
    expect(pool.allHealthy()).toHaveLength(2);
    pool.stop();
  });

  it('starts on the second daemon when the first is down, and goes back to the first once it recovers', async () => {
    const a = await switchable('a');
    const b = await switchable('b');
    a.setUp(false);
    const t = manualTimers();
    const pool = new DaemonPool([a.endpoint, b.endpoint], silent, { timers: t.timers, checkIntervalMs: 1234 });
    await pool.start();
    expect([...t.active.values()].map((x) => x.ms)).toEqual([1234]);
    expect(pool.status().map((s) => s.healthy)).toEqual([false, true]);
    expect(await pool.primary()?.getBlockTemplate(['segwit'])).toEqual({ from: 'b' });

    a.setUp(true);
    t.fire();
    await settle();
    expect(pool.healthyCount()).toBe(2);
    expect(await pool.primary()?.getBlockTemplate(['segwit'])).toEqual({ from: 'a' });
    pool.stop();
    expect(t.active.size).toBe(0);
  });

  it('fails over when a call to the primary fails in transport', async () => {
    const a = await switchable('a');
    const b = await switchable('b');
    const pool = new DaemonPool([a.endpoint, b.endpoint], silent, { timers: manualTimers().timers });
    await pool.start();
    a.setUp(false);
    await expect(pool.primary()?.getBlockTemplate(['segwit'])).rejects.toBeInstanceOf(DaemonError);
    expect(pool.status()[0]).toMatchObject({ healthy: false, lastError: expect.stringContaining('getblocktemplate') });
    expect(await pool.primary()?.getBlockTemplate(['segwit'])).toEqual({ from: 'b' });
  });

  it('keeps a daemon that answers with an RPC error: it is up and refused the request', async () => {
    const a = await switchable('a', (req, res) =>
      req.method === 'getblocktemplate' ? rpcError(res, -8, 'bad rules') : rpcResult(res, { blocks: 1 }),
    );
    const pool = new DaemonPool([a.endpoint], silent, { timers: manualTimers().timers });
    await pool.start();
    await expect(pool.primary()?.getBlockTemplate([])).rejects.toThrow(/bad rules/);
    expect(pool.healthyCount()).toBe(1);
  });

  it('fails over from a daemon that cannot serve: no peers (-9) or still syncing (-10), and finds it so at checks', async () => {
    let peers = 8;
    const a = await switchable('a', (req, res) => {
      if (req.method === 'getnetworkinfo') return rpcResult(res, { connections: peers });
      if (req.method === 'getblocktemplate' && peers === 0) return rpcError(res, -9, 'Litecoin is not connected!');
      return rpcResult(res, { from: 'a' });
    });
    const b = await switchable('b');
    const t = manualTimers();
    const pool = new DaemonPool([a.endpoint, b.endpoint], silent, { timers: t.timers });
    await pool.start();
    expect(await pool.primary()?.getBlockTemplate([])).toEqual({ from: 'a' });
    peers = 0; // its only peer died
    await expect(pool.primary()?.getBlockTemplate([])).rejects.toThrow(/not connected/);
    expect(await pool.primary()?.getBlockTemplate([])).toEqual({ from: 'b' });
    t.fire(); // the health check does not put it back while it has no peers
    await settle();
    expect(pool.status().map((s) => s.healthy)).toEqual([false, true]);
    peers = 1;
    t.fire();
    await settle();
    expect(await pool.primary()?.getBlockTemplate([])).toEqual({ from: 'a' });
    pool.stop();
  });

  it('keeps a daemon whose long poll merely timed out: the template did not change for that long', async () => {
    const a = await switchable('a', (req, res) => {
      if (req.method !== 'getblocktemplate') return rpcResult(res, { blocks: 1 });
      if (!(req.params[0] as { longpollid?: string }).longpollid) rpcResult(res, { from: 'a' });
    });
    const b = await switchable('b');
    const pool = new DaemonPool([a.endpoint, b.endpoint], silent, { timers: manualTimers().timers });
    await pool.start();
    const poll = pool.primary()?.getBlockTemplate(['segwit'], 'lp1', { timeoutMs: 50 });
    await expect(poll).rejects.toThrow(/timed out/);
    expect(pool.healthyCount()).toBe(2);
    // a daemon that drops the connection does fail over
    a.setUp(false);
    await expect(pool.primary()?.getBlockTemplate(['segwit'])).rejects.toBeInstanceOf(DaemonError);
    expect(pool.healthyCount()).toBe(1);
  });

  it('has no primary when every daemon is down', async () => {
    const pool = new DaemonPool([{ url: await deadUrl(), user: 'u', password: 'p' }], silent, {
      timers: manualTimers().timers,
    });
    await pool.start();
    expect(pool.primary()).toBeUndefined();
    expect(pool.allHealthy()).toEqual([]);
  });

  it('submits a block to every healthy daemon at once and reports each answer', async () => {
    // Neither daemon answers until both have the block: a pool that submitted one after the other would hang.
    const waiting: (() => void)[] = [];
    const barrier =
      (result: string | null): Handler =>
      (req, res) => {
        if (req.method !== 'submitblock') return rpcResult(res, { blocks: 1 });
        waiting.push(() => rpcResult(res, result));
        if (waiting.length === 2) for (const release of waiting) release();
      };
    const a = await switchable('a', barrier(null));
    const b = await switchable('b', barrier('duplicate'));
    const pool = new DaemonPool([a.endpoint, b.endpoint], silent, { timers: manualTimers().timers });
    await pool.start();
    const answers = await pool.submitBlockEverywhere('00ff');
    expect(answers).toEqual([
      { daemon: a.endpoint.url, result: null },
      { daemon: b.endpoint.url, result: 'duplicate' },
    ]);
    expect([a, b].map((x) => x.daemon.requests.at(-1)?.params)).toEqual([['00ff'], ['00ff']]);
  });

  it('reports a daemon that fails during submission as an error and marks it down', async () => {
    const a = await switchable('a');
    const b = await switchable('b');
    const pool = new DaemonPool([a.endpoint, b.endpoint], silent, { timers: manualTimers().timers });
    await pool.start();
    b.setUp(false);
    const answers = await pool.submitBlockEverywhere('00');
    expect(answers[0]).toEqual({ daemon: a.endpoint.url, result: null });
    expect(answers[1]).toMatchObject({ daemon: b.endpoint.url, error: expect.any(DaemonError) });
    expect(pool.status().map((s) => s.healthy)).toEqual([true, false]);
    // the next block goes only where it can land
    expect(await pool.submitBlockEverywhere('00')).toHaveLength(1);
  });

  it('tries every daemon with a found block when none is marked healthy', async () => {
    const a = await switchable('a');
    a.setUp(false);
    const pool = new DaemonPool([a.endpoint], silent, { timers: manualTimers().timers });
    await pool.start();
    a.setUp(true);
    expect(await pool.submitBlockEverywhere('00')).toEqual([{ daemon: a.endpoint.url, result: null }]);
  });

  it('health-checks over the connection kept for submitblock, and closes it when stopped', async () => {
    const ports: Array<number | undefined> = [];
    const sockets = new Set<Socket>();
    const a = await switchable('a', (req, res, raw) => {
      ports.push(raw.socket.remotePort);
      sockets.add(raw.socket);
      rpcResult(res, req.method === 'submitblock' ? null : { connections: 8 });
    });
    const t = manualTimers();
    const pool = new DaemonPool([a.endpoint], silent, { timers: t.timers });
    await pool.start();
    expect(await pool.submitBlockEverywhere('00')).toEqual([{ daemon: a.endpoint.url, result: null }]);
    t.fire();
    await settle();
    expect(ports).toHaveLength(3);
    expect(new Set(ports).size).toBe(1);
    const closed = [...sockets].map((s) => new Promise((r) => (s.destroyed ? r(undefined) : s.once('close', r))));
    pool.stop();
    await Promise.all(closed);
    expect(t.active.size).toBe(0);
  });

  it('submits a block at once while the daemon holds a getblocktemplate and a long poll open, never on their connections', async () => {
    const held: Array<() => void> = [];
    const seen: Array<{ method: string; port: number | undefined }> = [];
    // A peerless daemon (btcd on simnet): the health check asks it for a template, which it takes long to build.
    const a = await switchable('a', (req, res, raw) => {
      seen.push({ method: req.method, port: raw.socket.remotePort });
      if (req.method === 'getblocktemplate') held.push(() => rpcResult(res, { from: 'a' }, req.id));
      else rpcResult(res, req.method === 'submitblock' ? null : { connections: 0 }, req.id);
    });
    const t = manualTimers();
    const pool = new DaemonPool([a.endpoint], silent, { timers: t.timers });
    const started = pool.start();
    while (held.length < 1) await new Promise((r) => setTimeout(r, 5));
    held.shift()!();
    await started;
    // The next health check's template and the job feed's long poll hang on the daemon.
    t.fire();
    const longPoll = pool.primary()!.getBlockTemplate(['segwit'], 'lp1');
    while (held.length < 2) await new Promise((r) => setTimeout(r, 5));
    expect(await pool.submitBlockEverywhere(['00', 'ff'])).toEqual([{ daemon: a.endpoint.url, result: null }]);
    const gbtPorts = new Set(seen.filter((r) => r.method === 'getblocktemplate').map((r) => r.port));
    const submitPort = seen.find((r) => r.method === 'submitblock')!.port;
    expect(gbtPorts.has(submitPort)).toBe(false);
    // The block went over the connection the health check keeps open (no handshake on a found block's path).
    expect(seen.find((r) => r.method === 'getnetworkinfo')!.port).toBe(submitPort);
    for (const release of held) release();
    await longPoll;
    await settle();
    pool.stop();
  });

  it('refuses an empty daemon list', () => {
    expect(() => new DaemonPool([], silent)).toThrow(DaemonError);
  });
});
