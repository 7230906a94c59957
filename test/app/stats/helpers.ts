import type { ApiDeps } from '../../../app/stats/api.js';

/** The pool the stats tests serve: one LTC regtest coin. */
export const TEST_POOL: ApiDeps['pool'] = {
  name: 'test pool',
  coins: [
    {
      symbol: 'LTC',
      network: 'regtest',
      scheme: 'PPLNS',
      feeBasisPoints: 100,
      payoutMinimum: '1000',
      ports: [],
      stratumHost: null,
    },
  ],
};
