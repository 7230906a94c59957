import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOpsServer, listen } from '../../fargate/src/http/ops-server.js';
import { adminTokenFile, createAdminRoutes, ensureAdminToken } from '../../local/admin.js';
import { operate } from '../../local/operate.js';

/** An HTTP request with every header under the test's control (fetch would not let it set Host). */
function call(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? 'coin=LTC' : undefined);
  });
}

/**
 * The local pool's HTTP server as startLocalPool builds it (ops server + admin routes), over real HTTP: payouts
 * and balances answer only the `pool` CLI, which holds the data directory's token.
 */
describe('local admin routes', () => {
  let dir: string;
  let server: Server;
  let port: number;
  let token: string;
  const ran: string[] = [];
  const notified: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'admin-'));
    token = await ensureAdminToken(dir);
    const routes = createAdminRoutes(
      (coin) =>
        coin === 'LTC'
          ? {
              balances: async () => new Map([['ltc1qminer', { immature: 0n, confirmed: 5n, pending: 0n, paid: 7n }]]),
              payouts: async (o) => {
                ran.push(o?.dryRun ? 'dry-run' : 'payouts');
                return { status: 'progressed', payouts: [] } as never;
              },
              resume: async () => void ran.push('resume'),
              audit: async () => ({ ok: true, checked: 0 }) as never,
            }
          : undefined,
      { token },
    );
    server = createOpsServer({
      registry: new Registry(),
      health: () => ({ draining: false, coins: [] }),
      onBlockNotify: (coin) => {
        notified.push(coin);
        return true;
      },
      blockNotifyToken: token,
      metrics: 'loopback',
      extra: routes,
      log: { warn: () => {} },
    });
    port = (await listen(server, 0, '127.0.0.1')).port;
    await writeFile(join(dir, 'pool.json'), JSON.stringify({ http: `http://127.0.0.1:${port}` }));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  const auth = () => ({ authorization: `Bearer ${token}` });
  const local = () => ({ host: `127.0.0.1:${port}` });

  it('keeps the token in an owner-only file of the data directory, the same across restarts', async () => {
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(adminTokenFile(dir))).mode & 0o777).toBe(0o600);
    await chmod(adminTokenFile(dir), 0o644); // copied in loosely: the next start tightens it
    expect(await ensureAdminToken(dir)).toBe(token);
    expect((await stat(adminTokenFile(dir))).mode & 0o777).toBe(0o600);
    expect((await readFile(adminTokenFile(dir), 'utf8')).trim()).toBe(token);
  });

  it('refuses payouts and balances without the token, or with another', async () => {
    expect((await call(port, 'POST', '/admin/payouts/run?coin=LTC', local())).status).toBe(401);
    expect((await call(port, 'POST', '/admin/payouts/resume?coin=LTC', local())).status).toBe(401);
    const wrong = { ...local(), authorization: `Bearer ${'0'.repeat(64)}` };
    expect((await call(port, 'GET', '/admin/balances?coin=LTC', wrong)).status).toBe(401);
    expect(ran).toEqual([]);
  });

  it('refuses a rebound domain (DNS rebinding): a Host that is not loopback, token or not', async () => {
    const rebound = { host: `attacker.example:${port}` };
    const res = await call(port, 'GET', '/admin/balances?coin=LTC', rebound);
    expect(res.status).toBe(403);
    expect(res.body).not.toContain('ltc1qminer');
    expect((await call(port, 'POST', '/admin/payouts/run?coin=LTC', { ...rebound, ...auth() })).status).toBe(403);
    expect((await call(port, 'GET', '/metrics', rebound)).status).toBe(403);
    expect(ran).toEqual([]);
  });

  it('refuses a cross-origin form post from a page the operator opened (CSRF)', async () => {
    const browser = {
      ...local(),
      origin: 'https://attacker.example',
      'sec-fetch-site': 'cross-site',
      'content-type': 'application/x-www-form-urlencoded',
    };
    expect((await call(port, 'POST', '/admin/payouts/run?coin=LTC', browser)).status).toBe(403);
    expect((await call(port, 'POST', '/admin/payouts/resume?coin=LTC', { ...browser, ...auth() })).status).toBe(403);
    expect(ran).toEqual([]);
  });

  it('answers the pool CLI, which reads the token from the data directory', async () => {
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    try {
      expect(await operate({ dataDir: dir, command: 'balances', coin: 'LTC', dryRun: false })).toBe(0);
      expect(await operate({ dataDir: dir, command: 'payouts', sub: 'run', coin: 'LTC', dryRun: false })).toBe(0);
      expect(await operate({ dataDir: dir, command: 'payouts', sub: 'resume', coin: 'LTC', dryRun: false })).toBe(0);
    } finally {
      log.mockRestore();
    }
    expect(out.join('\n')).toContain('ltc1qminer');
    expect(ran).toEqual(['payouts', 'resume']);
  });

  it('takes blocknotify only with the token, and serves metrics to loopback', async () => {
    expect((await call(port, 'POST', '/blocknotify/LTC', local())).status).toBe(401);
    expect(notified).toEqual([]);
    expect((await call(port, 'POST', '/blocknotify/LTC', { ...local(), ...auth() })).status).toBe(202);
    expect(notified).toEqual(['LTC']);
    expect((await call(port, 'GET', '/metrics', local())).status).toBe(200);
  });
});
