import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoolConfig } from '../../core/config/schema.js';
import { createLocalApi } from '../../local/api.js';
import { type AccountApiHarness, startAccountApi } from '../helpers/account-api.js';
import { type Dynamo, startDynamo } from '../helpers/dynamo.js';
import { FakeIdentity } from '../helpers/fake-identity.js';

/** local/api.ts: /api/account, /api/watch (and /api/telegram) go to the account router, the rest to the stats API. */
describe('the local API with accounts', () => {
  let dynamo: Dynamo;
  let h: AccountApiHarness;
  let server: Server;
  let base: string;
  const errors: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    dynamo = await startDynamo();
    const shares = await dynamo.freshStore();
    h = await startAccountApi(dynamo, new FakeIdentity());
    const failing = {
      ...h.deps,
      store: new Proxy(h.deps.store, {
        get: (target, prop, receiver) =>
          prop === 'accountOfWatcher'
            ? async () => {
                throw new Error('storage down');
              }
            : Reflect.get(target, prop, receiver),
      }),
    };
    const api = createLocalApi({
      config: { pool: { name: 'p' }, coins: [], switching: [] } as unknown as PoolConfig,
      shares,
      money: {} as never,
      log: { error: (o: object) => errors.push(o as Record<string, unknown>) },
      boundPorts: () => undefined,
      accounts: failing,
    });
    server = createServer((req, res) => {
      void api(req, res).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await h.close();
    await dynamo.close();
  });

  it('routes account paths to the account router, with the socket address as the source IP', async () => {
    const me = await fetch(`${base}/api/account/me`);
    expect(me.status).toBe(401);
    expect(me.headers.get('cache-control')).toBe('no-store');
    const put = await fetch(`${base}/api/account/me`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET');
    const up = await fetch(`${base}/api/account/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.9.9.9' },
      body: JSON.stringify({ email: 'loc@x.io', password: 'Correct-Horse-9' }),
    });
    expect(up.status).toBe(202);
    const link = await h.linkToken('loc@x.io', 'confirm', /confirm your account/);
    await fetch(`${base}/api/account/confirm`, {
      method: 'POST',
      body: JSON.stringify({ token: link, password: 'Correct-Horse-9' }),
    });
    const account = (await h.store.accountByEmail('loc@x.io'))!;
    // The forwarded-for header is not believed: the log has the socket's address.
    expect((await h.store.listLog(account, 1))[0]?.ip).toMatch(/127\.0\.0\.1$/);
  });

  it('logs a failed watcher request without the link’s token', async () => {
    const token = 'S3cretWatcherToken-abcdefghijklmnop';
    const res = await fetch(`${base}/api/watch/${token}`);
    expect(res.status).toBe(500);
    expect(JSON.stringify(errors)).not.toContain(token);
    expect(errors.at(-1)?.path).toBe('/api/watch/<token>');
  });
});
