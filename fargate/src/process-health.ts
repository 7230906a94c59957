import type { CoinHealth } from './http/ops-server.js';

/** A process whose last health report is older than this counts as not serving. */
export const HEALTH_STALE_MS = 5_000;

/**
 * The task's health from its processes' reports: connections summed; a height and healthy daemons (the coin's and
 * each aux coin's) only when every process reported lately with a job (a process being restarted makes the task
 * briefly degraded, one that keeps dying keeps it so, and ECS replaces the task).
 */
export function sumHealth(
  coin: string,
  count: number,
  reports: ReadonlyMap<number, { at: number; coin: CoinHealth }>,
  now = Date.now(),
): CoinHealth {
  const fresh = [...reports.values()].filter((r) => now - r.at <= HEALTH_STALE_MS).map((r) => r.coin);
  const serving = fresh.length === count && fresh.every((c) => c.height !== undefined);
  // The fewest any process sees, and none unless every process reported lately (as for the coin's own daemons).
  const fewest = (of: (c: CoinHealth) => number) => (fresh.length === count ? Math.min(...fresh.map(of)) : 0);
  const auxCoins = fresh[0]?.auxCoins?.map(({ coin: aux }) => ({
    coin: aux,
    healthyDaemons: fewest((c) => c.auxCoins?.find((a) => a.coin === aux)?.healthyDaemons ?? 0),
  }));
  return {
    coin,
    ...(serving && { height: Math.max(...fresh.map((c) => c.height!)) }),
    healthyDaemons: fewest((c) => c.healthyDaemons),
    connections: fresh.reduce((n, c) => n + c.connections, 0),
    ...(auxCoins && { auxCoins }),
  };
}
