import { randomBytes } from 'node:crypto';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { jsonSafe } from '../core/json.js';
import { hasBearerToken, hasLoopbackHost, isFromBrowser, isLoopbackPeer } from '../fargate/src/http/access.js';
import type { LocalConverter } from './conversion.js';
import type { MoneyRunner } from './money.js';

/** What the routes need of a ledger: a mined coin's MoneyRunner, or a conversion target's (no blocks to confirm). */
export type AdminLedger = Pick<MoneyRunner, 'balances' | 'payouts' | 'resume' | 'audit'> &
  Partial<Pick<MoneyRunner, 'confirm' | 'ppsStatus'>> & { conversion?: Pick<LocalConverter, 'deposits'> };

/** `<data-dir>/admin-token`: the secret the `pool` CLI (and a daemon's -blocknotify) sends to the running pool. */
export function adminTokenFile(dataDir: string): string {
  return join(dataDir, 'admin-token');
}

/**
 * The data directory's admin token, made on the first start (32 random bytes, hex) and kept across restarts so a
 * daemon's -blocknotify command keeps working. Owner-only (0600) whatever the umask or an earlier copy said: whoever
 * reads it can run payouts.
 */
export async function ensureAdminToken(dataDir: string): Promise<string> {
  const file = adminTokenFile(dataDir);
  const known = await readAdminToken(dataDir).catch(() => undefined);
  if (!known) {
    await rm(file, { force: true }); // a new file takes its mode at creation: never write the token into a looser one
    await writeFile(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  }
  await chmod(file, 0o600);
  return known ?? (await readAdminToken(dataDir));
}

export async function readAdminToken(dataDir: string): Promise<string> {
  const token = (await readFile(adminTokenFile(dataDir), 'utf8')).trim();
  if (!/^[0-9a-f]{64}$/.test(token)) throw new ConfigError(`${adminTokenFile(dataDir)} does not hold an admin token`);
  return token;
}

/**
 * Operator routes of a running local pool, for the `pool` CLI (a second process cannot open the same LevelDB
 * files). A request must come from a loopback peer, name a loopback Host (not a rebound domain), not come from a
 * browser (a page the operator opens could post here), and carry the data directory's admin token: whatever host the
 * HTTP server listens on, only someone who can read `<data-dir>/admin-token` runs payouts or reads balances.
 */
export function createAdminRoutes(money: (coin: string) => AdminLedger | undefined, access: { token: string }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/admin/')) return false;
    if (!isLoopbackPeer(req)) return send(res, 403, { error: 'admin routes are loopback-only' });
    if (!hasLoopbackHost(req)) return send(res, 403, { error: 'admin routes answer only a loopback Host' });
    if (isFromBrowser(req)) return send(res, 403, { error: 'admin routes are for the pool CLI, not browsers' });
    if (!hasBearerToken(req, access.token))
      return send(res, 401, { error: 'admin routes need Authorization: Bearer <the data directory admin-token>' });
    const coin = (url.searchParams.get('coin') ?? '').toUpperCase();
    const runner = money(coin);
    if (!runner) return send(res, 404, { error: `no rewards configured for coin "${coin}" (coins[].rewards)` });
    const route = `${req.method} ${url.pathname}`;
    try {
      switch (route) {
        case 'GET /admin/balances': {
          const rows = [...(await runner.balances())]
            .map(([account, b]) => ({ account, ...mapValues(b, String) }))
            .sort((a, b) => a.account.localeCompare(b.account));
          const pps = runner.ppsStatus ? (jsonSafe(await runner.ppsStatus()) as object) : {};
          return send(res, 200, { coin, balances: rows, ...pps });
        }
        case 'POST /admin/payouts/run':
          return send(res, 200, jsonSafe(await runner.payouts({ dryRun: url.searchParams.get('dryRun') === '1' })));
        case 'POST /admin/payouts/resume':
          await runner.resume();
          return send(res, 200, { coin, resumed: true });
        case 'GET /admin/ledger/audit':
          return send(res, 200, await runner.audit());
        case 'POST /admin/confirm':
          if (!runner.confirm) return send(res, 404, { error: `${coin} is a conversion target: no blocks to confirm` });
          return send(res, 200, await runner.confirm());
        case 'GET /admin/conversion/deposits':
          if (!runner.conversion) return send(res, 404, { error: `${coin} does not convert (coins[].conversion)` });
          return send(res, 200, { coin, ...(jsonSafe(await runner.conversion.deposits()) as object) });
        default:
          return send(res, 404, { error: `no admin route ${route}` });
      }
    } catch (err) {
      return send(res, 500, { error: (err as Error).message });
    }
  };
}

function mapValues<T extends object, R>(o: T, f: (v: T[keyof T]) => R): Record<keyof T, R> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)])) as Record<keyof T, R>;
}

function send(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
  return true;
}
