import { describe, expect, it } from 'vitest';
import { publicPool, publicPoolSchema } from '../../../app/stats/public.js';
import { mergedConfig } from '../../helpers/aux-money.js';

describe('publicPool: what the stats API may show of the config', () => {
  it('names a merge-mined coin’s parent, and gives it no ports and no stratum host (its parent’s miners mine it)', () => {
    const pool = publicPool(mergedConfig({ stratumHost: 'doge.pool.example' }), {
      LTC: 'nlb-ltc.example',
      DOGE: 'nlb-doge.example',
    });
    const [ltc, doge] = pool.coins;
    expect(ltc).toMatchObject({ symbol: 'LTC', stratumHost: 'nlb-ltc.example' });
    expect(ltc).not.toHaveProperty('mergedWith');
    expect(doge).toMatchObject({ symbol: 'DOGE', mergedWith: 'LTC', ports: [], stratumHost: null });
    // The stats Lambda reads it back from its environment as it was written.
    expect(publicPoolSchema.parse(JSON.parse(JSON.stringify(pool)))).toEqual(pool);
  });
});
