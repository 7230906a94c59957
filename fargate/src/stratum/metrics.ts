import { Counter, Gauge, type Metric, type Registry } from 'prom-client';

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
    shares: summedCounter({
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
    ackSeconds: new CoinHistogram(registry, {
      name: 'stratum_share_ack_seconds',
      help: 'Time from mining.submit to the acknowledgement (includes the durable enqueue)',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
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

/**
 * A counter of (coin, result) that sums its increments in two maps and hands them to prom-client when it is collected
 * (a scrape): prom-client's own inc builds a label hash string and validates the labels on every call, which every
 * share paid. The exported series are the same; a scrape sees every increment made before it.
 */
function summedCounter(config: {
  name: string;
  help: string;
  labelNames: ['coin', 'result'];
  registers: Registry[];
}): StratumMetrics['shares'] {
  const pending = new Map<string, Map<string, number>>();
  const counter: Counter<'coin' | 'result'> = new Counter({
    ...config,
    collect() {
      for (const [coin, results] of pending) {
        for (const [result, n] of results) counter.inc({ coin, result }, n);
      }
      pending.clear();
    },
  });
  return {
    inc({ coin, result }) {
      let results = pending.get(coin);
      if (results === undefined) {
        results = new Map();
        pending.set(coin, results);
      }
      results.set(result, (results.get(result) ?? 0) + 1);
    },
  };
}

/** One coin's observations: a count per bucket (not cumulative), their sum and their count. */
interface CoinBuckets {
  counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A histogram labelled by coin, for an observation per accepted share: it counts into a typed array per coin and
 * gives prom-client the series when it is read (a scrape). prom-client's own `observe`, even on a child made once per
 * coin, builds a label object, validates and hashes it on every call (~3 % of the share path's CPU). Registered in the
 * registry as a metric of its own; its text and JSON are those of a prom-client `Histogram` with label `coin` fed the
 * same values (test/fargate/stratum/metrics-scrape.test.ts).
 */
export class CoinHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  private readonly bounds: number[];
  private readonly coins = new Map<string, CoinBuckets>();

  constructor(registry: Registry, config: { name: string; help: string; buckets: number[] }) {
    this.name = config.name;
    this.help = config.help;
    this.bounds = [...config.buckets].sort((a, b) => a - b);
    registry.registerMetric(this as unknown as Metric);
  }

  observe({ coin }: { coin: string }, seconds: number): void {
    if (!Number.isFinite(seconds)) return; // never a reason to fail a share's answer
    let c = this.coins.get(coin);
    if (c === undefined) {
      c = { counts: new Float64Array(this.bounds.length), sum: 0, count: 0 };
      this.coins.set(coin, c);
    }
    const { bounds } = this;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= bounds[i]!) {
        c.counts[i]!++;
        break;
      }
    }
    c.sum += seconds;
    c.count++;
  }

  /** The series as prom-client's Histogram gives them to the registry's text format. */
  getForPromString() {
    const bucket = `${this.name}_bucket`;
    const values: PromValue[] = [];
    for (const [coin, c] of this.coins) {
      const sharedLabels = { coin };
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += c.counts[i]!;
        values.push({ labels: { le }, sharedLabels, value: acc, metricName: bucket, exemplar: null });
      });
      values.push(
        { labels: { le: '+Inf' }, sharedLabels, value: c.count, metricName: bucket, exemplar: null },
        { labels: {}, sharedLabels, value: c.sum, metricName: `${this.name}_sum`, exemplar: undefined },
        { labels: {}, sharedLabels, value: c.count, metricName: `${this.name}_count`, exemplar: undefined },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The series with the coin among their labels, as prom-client's Histogram gives them (JSON, cluster sums). */
  get() {
    const data = this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ sharedLabels, labels, ...rest }) => ({
        ...rest,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }

  reset(): void {
    this.coins.clear();
  }
}

type PromValue = {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
  metricName: string;
  exemplar: null | undefined;
};

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
