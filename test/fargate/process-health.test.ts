import { describe, expect, it } from 'vitest';
import type { CoinHealth } from '../../fargate/src/http/ops-server.js';
import { HEALTH_STALE_MS, sumHealth } from '../../fargate/src/process-health.js';

const report = (at: number, coin: Partial<CoinHealth>) => ({
  at,
  coin: { coin: 'LTC', height: 100, healthyDaemons: 2, connections: 10, ...coin },
});

describe('sumHealth (the task primary over its stratum processes)', () => {
  const now = 1_000_000;

  it('sums connections and serves when every process reported lately with a job', () => {
    const h = sumHealth(
      'LTC',
      2,
      new Map([
        [0, report(now - 100, { height: 100, connections: 4 })],
        [1, report(now - 900, { height: 101, connections: 6, healthyDaemons: 1 })],
      ]),
      now,
    );
    expect(h).toEqual({ coin: 'LTC', height: 101, healthyDaemons: 1, connections: 10 });
  });

  it('is not serving while a process is missing, stale or without a job', () => {
    const fresh = report(now, {});
    for (const reports of [
      new Map([[0, fresh]]),
      new Map([
        [0, fresh],
        [1, report(now - HEALTH_STALE_MS - 1, {})],
      ]),
      new Map([
        [0, fresh],
        [1, report(now, { height: undefined })],
      ]),
    ]) {
      expect(sumHealth('LTC', 2, reports, now).height).toBeUndefined();
    }
    expect(sumHealth('LTC', 2, new Map([[0, fresh]]), now)).toMatchObject({ healthyDaemons: 0, connections: 10 });
  });

  it("gives each aux coin's healthy nodes as the fewest any process sees, apart from the coin's own", () => {
    const aux = (doge: number) => ({ auxCoins: [{ coin: 'DOGE', healthyDaemons: doge }] });
    const reports = new Map([
      [0, report(now, aux(2))],
      [1, report(now, aux(0))],
    ]);
    expect(sumHealth('LTC', 2, reports, now)).toMatchObject({
      height: 100,
      healthyDaemons: 2,
      auxCoins: [{ coin: 'DOGE', healthyDaemons: 0 }],
    });
    // A process missing: none, as for the coin's own daemons; a coin that merges nothing has no auxCoins.
    expect(sumHealth('LTC', 3, reports, now).auxCoins).toEqual([{ coin: 'DOGE', healthyDaemons: 0 }]);
    expect(sumHealth('LTC', 1, new Map([[0, report(now, aux(2))]]), now).auxCoins).toEqual([
      { coin: 'DOGE', healthyDaemons: 2 },
    ]);
    expect(sumHealth('LTC', 1, new Map([[0, report(now, {})]]), now)).not.toHaveProperty('auxCoins');
  });
});
