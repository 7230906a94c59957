import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonSafe } from '../core/json.js';
import type { LocalConverter } from './conversion.js';
import type { MoneyRunner } from './money.js';

/** What the routes need of a ledger: a mined coin's MoneyRunner, or a conversion target's (no blocks to confirm). */
export type AdminLedger = Pick<MoneyRunner, 'balances' | 'payouts' | 'resume' | 'audit'> &
  Partial<Pick<MoneyRunner, 'confirm' | 'ppsStatus'>> & { conversion?: Pick<LocalConverter, 'deposits'> };

/**
 * Operator routes of a running local pool, for the `pool` CLI (a second process cannot open the same LevelDB
 * files). Loopback only, whatever host the HTTP server listens on.
 */
export function createAdminRoutes(money: (coin: string) => AdminLedger | undefined) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/admin/')) return false;
    const remote = req.socket.remoteAddress ?? '';
    if (!['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(remote))
      return send(res, 403, { error: 'admin routes are loopback-only' });
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
