import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createStratumMetrics } from '../../../fargate/src/stratum/metrics.js';

/** The exposition text's value of one series (undefined when absent). */
function seriesValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('stratum metrics across scrapes', () => {
  it('counts every share in the scrape after it, and keeps the totals from one scrape to the next', async () => {
    const registry = new Registry();
    const m = createStratumMetrics(registry);
    const accepted = 'stratum_shares_total{coin="LTC",result="accepted"}';
    expect(seriesValue(await registry.metrics(), accepted)).toBeUndefined();
    for (let i = 0; i < 3; i++) m.shares.inc({ coin: 'LTC', result: 'accepted' });
    m.shares.inc({ coin: 'LTC', result: 'stale' });
    m.shares.inc({ coin: 'DOGE', result: 'accepted' });
    const first = await registry.metrics();
    expect(seriesValue(first, accepted)).toBe(3);
    expect(seriesValue(first, 'stratum_shares_total{coin="LTC",result="stale"}')).toBe(1);
    expect(seriesValue(first, 'stratum_shares_total{coin="DOGE",result="accepted"}')).toBe(1);
    // Nothing new: the same totals (the pending sums were handed over once, not again).
    expect(seriesValue(await registry.metrics(), accepted)).toBe(3);
    m.shares.inc({ coin: 'LTC', result: 'accepted' });
    expect(seriesValue(await registry.metrics(), accepted)).toBe(4);
  });

  it('observes each ack in its coin’s histogram', async () => {
    const registry = new Registry();
    const m = createStratumMetrics(registry);
    m.ackSeconds.observe({ coin: 'LTC' }, 0.002);
    m.ackSeconds.observe({ coin: 'LTC' }, 0.03);
    m.ackSeconds.observe({ coin: 'BTC' }, 0.5);
    const text = await registry.metrics();
    expect(seriesValue(text, 'stratum_share_ack_seconds_count{coin="LTC"}')).toBe(2);
    expect(seriesValue(text, 'stratum_share_ack_seconds_bucket{le="0.005",coin="LTC"}')).toBe(1);
    expect(seriesValue(text, 'stratum_share_ack_seconds_count{coin="BTC"}')).toBe(1);
  });
});
