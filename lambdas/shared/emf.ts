/** Namespace of the pool's own business metrics, dimension `Coin` (infra/constructs/coin-alarms.ts alarms on them). */
export const POOL_METRICS_NAMESPACE = 'Edgepool';

/**
 * One CloudWatch Embedded Metric Format record: a Lambda writes it to stdout as one JSON line and CloudWatch Logs
 * turns it into metrics, without an API call. Values are gauges of this invocation (unit None).
 */
export function emfRecord(coin: string, metrics: Record<string, number>, now: number): string {
  return JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: POOL_METRICS_NAMESPACE,
          Dimensions: [['Coin']],
          Metrics: Object.keys(metrics).map((Name) => ({ Name, Unit: 'None' })),
        },
      ],
    },
    Coin: coin,
    ...metrics,
  });
}
