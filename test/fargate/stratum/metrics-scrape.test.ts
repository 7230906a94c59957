import fc from 'fast-check';
import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CoinHistogram, createStratumMetrics } from '../../../fargate/src/stratum/metrics.js';

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

  it("gives the text, JSON and cluster sums of prom-client's own Histogram fed the same observations", async () => {
    const buckets = [0.001, 0.005, 0.01, 0.25, 1];
    const config = { name: 'ack_seconds', help: 'Time to the ack' };
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom('LTC', 'BTC', 'DOGE'),
            fc.oneof(fc.constantFrom(...buckets, 0, 2), fc.double({ min: 0, max: 3, noNaN: true })),
          ),
          { maxLength: 60 },
        ),
        async (observations) => {
          const ours = new Registry();
          const theirs = new Registry();
          const h = new CoinHistogram(ours, { ...config, buckets: [...buckets].reverse() });
          const reference = new Histogram({ ...config, buckets, labelNames: ['coin'], registers: [theirs] });
          for (const [coin, seconds] of observations) {
            h.observe({ coin }, seconds);
            reference.observe({ coin }, seconds);
          }
          expect(await ours.metrics()).toBe(await theirs.metrics());
          expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
          // the primary sums its stratum processes' metrics (AggregatorRegistry): the same sums either way
          const twice = async (r: Registry) =>
            AggregatorRegistry.aggregate([await r.getMetricsAsJSON(), await r.getMetricsAsJSON()]).metrics();
          expect(await twice(ours)).toBe(await twice(theirs));
        },
      ),
      { numRuns: 50 },
    );
  });
});
