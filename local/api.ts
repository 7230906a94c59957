import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PoolConfig } from '../core/config/schema.js';
import type { ShareStore } from '../core/ports/share-store.js';
import type { CoinService } from '../fargate/src/coin-service.js';

/**
 * The minimal stats API local mode serves until the stats Lambda exists (issue 5): per coin the chain height,
 * connections, recorded share totals and found blocks; per miner its recorded totals.
 */
export function createLocalApi(deps: {
  config: Readonly<PoolConfig>;
  store: ShareStore;
  coins: Map<string, { service: CoinService }>;
}): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' || !url.pathname.startsWith('/api/')) return false;
    if (url.pathname === '/api/stats') {
      const coins = await Promise.all(
        deps.config.coins.map(async (c) => {
          const health = deps.coins.get(c.symbol)?.service.health();
          return {
            coin: c.symbol,
            network: c.network,
            height: health?.height ?? null,
            connections: health?.connections ?? 0,
            shares: await deps.store.getPoolTotal(c.symbol),
            blocks: await deps.store.listBlocks(c.symbol, 50),
          };
        }),
      );
      json(res, 200, { pool: deps.config.pool.name, coins });
      return true;
    }
    const miner = /^\/api\/miners\/([A-Za-z0-9]{1,100})$/.exec(url.pathname);
    if (miner) {
      const address = miner[1]!;
      const coins = await Promise.all(
        deps.config.coins.map(async (c) => ({
          coin: c.symbol,
          shares: await deps.store.getMinerTotal(c.symbol, address),
        })),
      );
      json(res, 200, { address, coins });
      return true;
    }
    json(res, 404, { error: `no API route ${url.pathname}` });
    return true;
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
