import type { Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type CoinHealth, createOpsServer, listen } from '../../../fargate/src/http/ops-server.js';

const log = { warn: () => {} };
let server: Server | undefined;

afterEach(async () => {
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

async function start(
  state: { draining: boolean; coins: CoinHealth[] },
  notified: string[] = [],
  o: { blockNotifyToken?: string; host?: string } = {},
) {
  const registry = new Registry();
  new Counter({ name: 'pool_test_total', help: 'a test counter', registers: [registry] }).inc(3);
  server = createOpsServer({
    registry,
    health: () => state,
    onBlockNotify: (coin) => {
      notified.push(coin);
      return coin === 'LTC';
    },
    ...(o.blockNotifyToken ? { blockNotifyToken: o.blockNotifyToken } : {}),
    log,
  });
  const addr = await listen(server, 0, o.host ?? '127.0.0.1');
  return `http://127.0.0.1:${addr.port}`;
}

describe('ops server', () => {
  it('is healthy only when every coin has a job and a healthy daemon', async () => {
    const state = { draining: false, coins: [{ coin: 'LTC', height: 500, healthyDaemons: 1, connections: 2 }] };
    const base = await start(state);
    const ok = await fetch(`${base}/health`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'ok' });
    state.coins[0]!.healthyDaemons = 0;
    const degraded = await fetch(`${base}/health`);
    expect(degraded.status).toBe(503);
    expect(await degraded.json()).toMatchObject({ status: 'degraded' });
    state.coins[0]!.healthyDaemons = 1;
    state.draining = true;
    expect(((await (await fetch(`${base}/health`)).json()) as { status: string }).status).toBe('draining');
  });

  it('serves Prometheus metrics from the registry', async () => {
    const base = await start({ draining: false, coins: [] });
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^pool_test_total 3$/m);
  });

  it('triggers a template refresh on POST /blocknotify/<coin> and refuses unknown coins and GET', async () => {
    const notified: string[] = [];
    const base = await start({ draining: false, coins: [] }, notified);
    expect((await fetch(`${base}/blocknotify/ltc`, { method: 'POST' })).status).toBe(202);
    expect((await fetch(`${base}/blocknotify/DOGE`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${base}/blocknotify/LTC`)).status).toBe(405);
    expect(notified).toEqual(['LTC', 'DOGE']);
  });

  // The container's ops port listens on every interface (the NLB's health checks reach it from the VPC).
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

  it.skipIf(!external)(
    'takes blocknotify from beyond loopback only with its token (needs a non-loopback IPv4 address)',
    async () => {
      const notified: string[] = [];
      const open = await start({ draining: false, coins: [] }, notified, { host: '0.0.0.0' });
      const from = (base: string) => base.replace('127.0.0.1', external!);
      expect((await fetch(`${from(open)}/blocknotify/LTC`, { method: 'POST' })).status).toBe(401);
      expect(notified).toEqual([]);
      await new Promise((r) => server!.close(r));
      const guarded = await start({ draining: false, coins: [] }, notified, {
        host: '0.0.0.0',
        blockNotifyToken: 's3cret',
      });
      const post = (token: string) =>
        fetch(`${from(guarded)}/blocknotify/LTC`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect((await post('wrong')).status).toBe(401);
      expect((await fetch(`${guarded}/blocknotify/LTC`, { method: 'POST' })).status).toBe(401); // loopback too
      expect((await post('s3cret')).status).toBe(202);
      expect(notified).toEqual(['LTC']);
    },
  );

  it('answers 404 for unknown paths', async () => {
    const base = await start({ draining: false, coins: [] });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
