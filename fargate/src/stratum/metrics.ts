import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the stratum server reports; backed by prom-client in production, plain counters in tests. */
export interface StratumMetrics {
  connections: { inc(labels: { coin: string }): void; dec(labels: { coin: string }): void };
  shares: { inc(labels: { coin: string; result: string }): void };
  blocks: { inc(labels: { coin: string; result: string }): void };
  ackSeconds: { observe(labels: { coin: string }, seconds: number): void };
  /** IPs banned, by what triggered it (malformed, flood, invalid-shares). */
  bans: { inc(labels: { coin: string; reason: string }): void };
  /** Connections refused or closed by the server's protection (banned, connection-limit, slowloris, …). */
  drops: { inc(labels: { coin: string; reason: string }): void };
  /** Proxy mining: shares forwarded to each upstream pool, by its answer (accepted, rejected, unanswered). */
  upstreamShares: { inc(labels: { coin: string; upstream: string; result: string }): void };
}

export function createStratumMetrics(registry: Registry): StratumMetrics {
  return {
    connections: new Gauge({
      name: 'stratum_connections',
      help: 'Open stratum connections',
      labelNames: ['coin'],
      registers: [registry],
    }),
    shares: new Counter({
      name: 'stratum_shares_total',
      help: 'Shares by result (accepted, or the rejection reason)',
      labelNames: ['coin', 'result'],
      registers: [registry],
    }),
    blocks: new Counter({
      name: 'stratum_blocks_total',
      help: 'Blocks found, by submitblock result',
      labelNames: ['coin', 'result'],
      registers: [registry],
    }),
    ackSeconds: new Histogram({
      name: 'stratum_share_ack_seconds',
      help: 'Time from mining.submit to the acknowledgement (includes the durable enqueue)',
      labelNames: ['coin'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    bans: new Counter({
      name: 'stratum_bans_total',
      help: 'Client IPs banned, by trigger',
      labelNames: ['coin', 'reason'],
      registers: [registry],
    }),
    drops: new Counter({
      name: 'stratum_dropped_connections_total',
      help: 'Connections refused or closed for abuse or timeouts, by reason',
      labelNames: ['coin', 'reason'],
      registers: [registry],
    }),
    upstreamShares: new Counter({
      name: 'stratum_upstream_shares_total',
      help: 'Proxy mining: shares forwarded to an upstream pool, by its answer (accepted, rejected, unanswered)',
      labelNames: ['coin', 'upstream', 'result'],
      registers: [registry],
    }),
  };
}

/** Counting metrics for tests and for callers that do not export Prometheus. */
export function createMemoryMetrics(): StratumMetrics & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const add = (key: string, n: number) => counts.set(key, (counts.get(key) ?? 0) + n);
  return {
    counts,
    connections: { inc: (l) => add(`connections:${l.coin}`, 1), dec: (l) => add(`connections:${l.coin}`, -1) },
    shares: { inc: (l) => add(`shares:${l.coin}:${l.result}`, 1) },
    blocks: { inc: (l) => add(`blocks:${l.coin}:${l.result}`, 1) },
    ackSeconds: { observe: () => {} },
    bans: { inc: (l) => add(`bans:${l.coin}:${l.reason}`, 1) },
    drops: { inc: (l) => add(`drops:${l.coin}:${l.reason}`, 1) },
    upstreamShares: { inc: (l) => add(`upstreamShares:${l.coin}:${l.upstream}:${l.result}`, 1) },
  };
}
