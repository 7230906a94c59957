import type { CoinHealth } from './http/ops-server.js';

/** A process whose last health report is older than this counts as not serving. */
export const HEALTH_STALE_MS = 5_000;

/**
 * The task's health from its processes' reports: connections summed; a height and healthy daemons only when every
 * process reported lately with a job (a process being restarted makes the task briefly degraded, one that keeps
 * dying keeps it so, and ECS replaces the task).
 */
export function sumHealth(
  coin: string,
  count: number,
  reports: ReadonlyMap<number, { at: number; coin: CoinHealth }>,
  now = Date.now(),
): CoinHealth {
  const fresh = [...reports.values()].filter((r) => now - r.at <= HEALTH_STALE_MS).map((r) => r.coin);
  const serving = fresh.length === count && fresh.every((c) => c.height !== undefined);
  return {
    coin,
    ...(serving && { height: Math.max(...fresh.map((c) => c.height!)) }),
    healthyDaemons: fresh.length === count ? Math.min(...fresh.map((c) => c.healthyDaemons)) : 0,
    connections: fresh.reduce((n, c) => n + c.connections, 0),
  };
}
