import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payoutSettings } from '../../../app/payouts/policy.js';
import type { CoinConfig } from '../../../core/config/schema.js';
import { ingestBatch } from '../../../core/shares/ingest-batch.js';
import { batch, MINER_A, MINER_B, share } from '../../core/shares/fixtures.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';

const NOW = 1_700_000_040_000;
const HOUR = 3_600_000;

let dynamo: Dynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

describe('payout policy on the share store', () => {
  it("reads a miner's last share within inactiveAfterHours, and 0 (inactive) for one silent for longer", async () => {
    const store = await dynamo.freshStore();
    const shares = [
      share({ miner: MINER_A, timestamp: NOW - 30 * HOUR }),
      share({ miner: MINER_A, timestamp: NOW - 2 * HOUR }),
      share({ miner: MINER_B, timestamp: NOW - 30 * HOUR }),
    ];
    await ingestBatch(store.ingest, batch('p1', shares), { claim: 'c', now: () => NOW, leaseMs: 60_000 });
    const coin = {
      symbol: 'LTC',
      payouts: { minimum: '100', maxRecipients: 10, reserve: '0', inactiveMinimum: '10', inactiveAfterHours: 24 },
    } as unknown as CoinConfig;
    const { lastActivity, policy } = payoutSettings(coin, store.miners, () => NOW);
    expect(policy.inactiveAfterMs).toBe(24 * HOUR);
    expect(await lastActivity!(MINER_A)).toBe(NOW - 2 * HOUR);
    expect(await lastActivity!(MINER_B)).toBe(0);
  });
});
