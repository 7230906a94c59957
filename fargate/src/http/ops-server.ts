import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../../core/ports/logger.js';
import { hasBearerToken, hasLoopbackHost, isLoopbackPeer } from './access.js';

/** What /health reports for one coin. */
export interface CoinHealth {
  coin: string;
  /** Height of the newest job; undefined before the first template arrived. */
  height?: number;
  healthyDaemons: number;
  connections: number;
  /**
   * Merged mining: per aux coin, how many of its nodes give work; 0 is that coin's outage (its blocks wait). Not
   * part of the 200/503 the NLB reads: the coin itself mines on without it.
   */
  auxCoins?: Array<{ coin: string; healthyDaemons: number }>;
}

export interface OpsServerOptions {
  /** A prom-client registry, or anything that renders one (the cluster primary's aggregation of its processes). */
  registry: { contentType: string; metrics(): Promise<string> };
  health: () => { draining: boolean; coins: CoinHealth[] };
  /** Called by `POST /blocknotify/<COIN>` (a daemon's -blocknotify=curl ...) to fetch a new template at once. */
  onBlockNotify: (coin: string) => boolean;
  /**
   * The bearer token `POST /blocknotify/<COIN>` must carry (`Authorization: Bearer <token>`). Without one, only
   * loopback peers may call it: the ops port listens beyond loopback (the NLB's health checks), and a refresh per
   * request is a way to load the daemons.
   */
  blockNotifyToken?: string;
  /**
   * Who may read /metrics: anyone who reaches the port (default: the container's own ops port), or loopback peers
   * naming a loopback host only (local mode, whose one HTTP port also serves the dashboard and may listen publicly).
   */
  metrics?: 'port' | 'loopback';
  /** Further routes (the stats API and dashboard in local mode); return false when not handled. */
  extra?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
  log: Pick<Logger, 'warn'>;
}

/**
 * Health, Prometheus metrics and the blocknotify hook. Health is 503 while draining or while a coin has no job,
 * so the NLB and ECS stop sending miners to a task that cannot serve them.
 */
export function createOpsServer(opts: OpsServerOptions): Server {
  return createServer((req, res) => {
    route(opts, req, res).catch((err: unknown) => {
      opts.log.warn({ err, url: req.url }, 'ops request failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
}

async function route(opts: OpsServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/health') {
    const h = opts.health();
    const ok = !h.draining && h.coins.every((c) => c.height !== undefined && c.healthyDaemons > 0);
    send(res, ok ? 200 : 503, { status: ok ? 'ok' : h.draining ? 'draining' : 'degraded', coins: h.coins });
    return;
  }
  if (req.method === 'GET' && url.pathname === '/metrics') {
    if (opts.metrics === 'loopback' && !(isLoopbackPeer(req) && hasLoopbackHost(req)))
      return send(res, 403, { error: 'metrics are loopback-only' });
    res.writeHead(200, { 'content-type': opts.registry.contentType });
    res.end(await opts.registry.metrics());
    return;
  }
  const notify = /^\/blocknotify\/([A-Za-z0-9]{1,10})$/.exec(url.pathname);
  if (notify) {
    if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
    if (opts.blockNotifyToken === undefined ? !isLoopbackPeer(req) : !hasBearerToken(req, opts.blockNotifyToken)) {
      return send(res, 401, { error: 'blocknotify needs Authorization: Bearer <token>' });
    }
    const coin = notify[1]!.toUpperCase();
    return opts.onBlockNotify(coin)
      ? send(res, 202, { refreshing: coin })
      : send(res, 404, { error: `unknown coin ${coin}` });
  }
  if (opts.extra && (await opts.extra(req, res))) return;
  send(res, 404, { error: 'not found' });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
