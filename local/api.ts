import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleAccountApi, isAccountApiPath } from '../app/accounts/api.js';
import type { AccountApiDeps } from '../app/accounts/deps.js';
import { type ApiDeps, handleApi } from '../app/stats/api.js';
import type { ConversionApiDeps } from '../app/stats/conversion.js';
import { publicPool, publicSwitching } from '../app/stats/public.js';
import type { PoolConfig } from '../core/config/schema.js';
import type { LiveStatsSource } from '../core/ports/live-stats.js';
import type { Logger } from '../core/ports/logger.js';
import type { MoneyStore } from '../core/ports/money-store.js';
import type { SwitchingStore } from '../core/ports/switching-store.js';

/** `/api/*` in local mode: the stats Lambda's router, over node:http instead of API Gateway. */
export function createLocalApi(deps: {
  config: Readonly<PoolConfig>;
  /** The share readers the stats API takes. */
  shares: Pick<ApiDeps, 'rounds' | 'miners' | 'poolStats'>;
  money: MoneyStore;
  log: Pick<Logger, 'error'>;
  /** The ports the stratum servers actually bound (the config may say 0). */
  boundPorts: (coin: string) => readonly number[] | undefined;
  /** The in-process stratum servers' live stats (in AWS the containers write them to the stats table). */
  live?: LiveStatsSource;
  /** Miners' payout currency, for converting coins. */
  conversion?: ConversionApiDeps;
  /** Merged mining: miners' aux payout addresses (the aux coins' ledger tables). */
  auxAddresses?: ApiDeps['auxAddresses'];
  /** Auto-switching: what the switching ports record (their tables and switches), read by /api/switching. */
  switching?: Pick<SwitchingStore, 'state' | 'switches'>;
  /** Miner accounts (config `accounts`, local/accounts.ts): /api/account, /api/watch, /api/telegram. */
  accounts?: Omit<AccountApiDeps, 'stats'>;
}): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const pool = publicPool(deps.config);
  for (const c of pool.coins) {
    const bound = deps.boundPorts(c.symbol);
    c.ports = c.ports.map((p, i) => ({ ...p, port: bound?.[i] ?? p.port }));
  }
  const apiDeps = {
    pool,
    rounds: deps.shares.rounds,
    miners: deps.shares.miners,
    poolStats: deps.shares.poolStats,
    money: deps.money,
    live: deps.live,
    conversion: deps.conversion,
    auxAddresses: deps.auxAddresses,
    switching: deps.switching ? { ports: publicSwitching(deps.config), store: deps.switching } : undefined,
    now: Date.now,
  };
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/api/') && url.pathname !== '/api') return false;
    try {
      if (deps.accounts && isAccountApiPath(url.pathname)) {
        const out = await handleAccountApi(await accountRequest(req, url), { ...deps.accounts, stats: apiDeps });
        res.writeHead(out.status, out.headers);
        res.end(out.body);
        return true;
      }
      const out = await handleApi(
        {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          ...(req.method === 'POST' ? { body: await readBody(req) } : {}),
        },
        apiDeps,
      );
      res.writeHead(out.status, out.headers);
      res.end(out.isBase64Encoded ? Buffer.from(out.body, 'base64') : out.body);
    } catch (err) {
      // A watcher link's path is its token: logged without it.
      deps.log.error({ err, path: url.pathname.replace(/^(\/api\/watch\/).+$/, '$1<token>') }, 'API request failed');
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal error' }));
    }
    return true;
  };
}

/** A node:http request as the account API's (the socket's address is the source IP: no proxy header is trusted). */
async function accountRequest(req: IncomingMessage, url: URL) {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers,
    ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: await readBody(req, 16_384) }),
    sourceIp: req.socket.remoteAddress ?? 'unknown',
  };
}

/** A small request body (a signed preference is well under 4 KB); more is cut off and fails to parse (400). */
async function readBody(req: IncomingMessage, max = 4096): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > max) return body.slice(0, max);
  }
  return body;
}
