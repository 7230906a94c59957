import { describe, expect, it } from 'vitest';
import { type ApiDeps, handleApi } from '../../../app/stats/api.js';
import { poolHistorySchema } from '../../../app/stats/schema.js';
import { getCoin } from '../../../core/coins/index.js';
import type { MinuteBucket, PoolStatsReader } from '../../../core/ports/share-store.js';
import { hashesPerDifficulty } from '../../../core/stats/hashrate.js';

const NOW_MINUTE = 60 * 483_000 + 37; // 37 minutes into an hour: every range ends in a partial interval
const now = NOW_MINUTE * 60_000 + 30_000;
const LTC = getCoin('LTC');

function deps(buckets: MinuteBucket[]): ApiDeps {
  const poolStats = {
    getPoolStats: async (_coin: string, since: number) => buckets.filter((b) => b.minute >= since),
  } as unknown as PoolStatsReader;
  return {
    pool: {
      name: 'p',
      coins: [
        {
          symbol: 'LTC',
          network: 'regtest',
          scheme: 'PPLNS',
          feeBasisPoints: 100,
          payoutMinimum: '1',
          ports: [],
          stratumHost: null,
        },
      ],
    },
    rounds: {} as ApiDeps['rounds'],
    miners: {} as ApiDeps['miners'],
    poolStats,
    money: {} as ApiDeps['money'],
    now: () => now,
  };
}

const get = async (d: ApiDeps, query: string) => {
  const res = await handleApi({ method: 'GET', path: '/api/pools/LTC/history', query: new URLSearchParams(query) }, d);
  return { status: res.status, body: JSON.parse(res.body), cache: res.headers['cache-control'] };
};

describe('GET /api/pools/{coin}/history', () => {
  it('sums minute buckets into 1-minute, 10-minute or hourly points over 3 h, 24 h or 7 days', async () => {
    const perMinute = 120; // difficulty each minute, steady
    const buckets = Array.from({ length: 7 * 24 * 60 }, (_, i) => ({
      minute: NOW_MINUTE - i,
      shares: 1,
      difficulty: perMinute,
    }));
    const steady = (perMinute * hashesPerDifficulty(LTC)) / 60;
    for (const [hours, step, count] of [
      [3, 1, 180],
      [24, 10, 144],
      [168, 60, 168],
    ] as const) {
      const { status, body, cache } = await get(deps(buckets), `hours=${hours}`);
      expect(status).toBe(200);
      expect(cache).toBe('public, max-age=60');
      poolHistorySchema.parse(body);
      expect(body).toMatchObject({ coin: 'LTC', hours, stepMinutes: step });
      expect(body.points).toHaveLength(count);
      const minutes = body.points.map((p: { minute: number }) => p.minute);
      expect(minutes.every((m: number, i: number) => i === 0 || m - minutes[i - 1] === step)).toBe(true);
      expect(minutes.at(-1)! % step).toBe(0);
      expect(minutes.at(-1)!).toBeLessThanOrEqual(NOW_MINUTE);
      // a steady pool shows the same hashrate at every resolution, the current (partial) interval included
      for (const p of body.points) expect(p.hashrate).toBeCloseTo(steady, 6);
    }
  });

  it('shows a gap as zero, and an interval by the shares inside it only', async () => {
    const start = NOW_MINUTE - (NOW_MINUTE % 60) - 60; // the previous full hour
    const { body } = await get(deps([{ minute: start + 5, shares: 1, difficulty: 3600 }]), 'hours=168');
    const byMinute = new Map(body.points.map((p: { minute: number; hashrate: number }) => [p.minute, p.hashrate]));
    expect(byMinute.get(start)).toBeCloseTo((3600 * hashesPerDifficulty(LTC)) / 3600, 6);
    expect(byMinute.get(start - 60)).toBe(0);
  });

  it('answers 400 for a range it does not offer', async () => {
    for (const q of ['hours=5', 'hours=abc', 'hours=-3']) {
      const { status, body } = await get(deps([]), q);
      expect(status).toBe(400);
      expect(body.error).toMatch(/hours must be one of 3, 24, 168/);
    }
  });
});
