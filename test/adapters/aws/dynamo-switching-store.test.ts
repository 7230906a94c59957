import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoSwitchingStore } from '../../../adapters/aws/dynamo-switching-store.js';
import type { SwitchingState } from '../../../core/ports/switching-store.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';

describe('switching port state and history in the stats table (dynalite)', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('keeps the newest state, each switch once, and answers switches newest first from a time', async () => {
    await dynamo.freshStore();
    const names = dynamo.lastTables!;
    const store = new DynamoSwitchingStore(createDocumentClient(dynamo.client), () => names.stats);
    expect(await store.state('scrypt')).toBeUndefined();
    const state = (at: number, current: string): SwitchingState => ({
      port: 'scrypt',
      algorithm: 'scrypt',
      quote: 'BTC',
      current,
      since: at,
      table: [
        { coin: 'LTC', earningsPerTerahash: '12.5', reward: '625000000', healthy: true, eligible: true },
        { coin: 'DOGE', healthy: false, eligible: false, ineligibleBecause: 'unhealthy: no node of the coin answers' },
      ],
      at,
    });
    await store.putState(state(1_000, 'LTC'));
    await store.putState(state(2_000, 'DOGE'));
    expect(await store.state('scrypt')).toEqual(state(2_000, 'DOGE'));
    expect(await store.state('sha256')).toBeUndefined();

    const sw = (at: number, from: string, to: string) => ({ port: 'scrypt', at, from, to, reason: `${to} better` });
    await store.recordSwitch({ ...sw(1_500, 'LTC', 'DOGE'), fromEarnings: '1', toEarnings: '2' });
    await store.recordSwitch(sw(1_500, 'LTC', 'X')); // a retried write of that time keeps the first
    await store.recordSwitch(sw(3_000, 'DOGE', 'LTC'));
    expect(await store.switches('scrypt')).toEqual([
      sw(3_000, 'DOGE', 'LTC'),
      { ...sw(1_500, 'LTC', 'DOGE'), fromEarnings: '1', toEarnings: '2' },
    ]);
    expect(await store.switches('scrypt', { since: 2_000 })).toEqual([sw(3_000, 'DOGE', 'LTC')]);
    expect(await store.switches('scrypt', { limit: 1 })).toHaveLength(1);
  });
});
