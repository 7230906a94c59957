import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { identityMessage } from '../../../core/accounts/messages.js';
import { entryId, type LedgerEntry } from '../../../core/ledger/entries.js';
import { ingestBatch } from '../../../core/shares/ingest-batch.js';
import { signedUpAccount, startAccountApi, T0 } from '../../helpers/account-api.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { FakeIdentity } from '../../helpers/fake-identity.js';
import { testKey } from '../../helpers/message-signer.js';
import { storeDeps } from '../stats/helpers.js';

/** The account views over the pool's real ledger and share tables (dynalite): referral earnings, watcher links. */
describe('account views of the pool’s ledger and shares', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  const miner = testKey('LTC', 'regtest', 11);
  const address = miner.address.p2wpkh;
  const credit = (kind: LedgerEntry['kind'], ref: string, role: LedgerEntry['role'], amount: bigint): LedgerEntry => ({
    id: entryId(kind, ref, role, address),
    account: address,
    kind,
    role,
    amount,
    ref,
    time: T0,
  });

  it('sums referral credits per coin (an orphaned block taken back) and shows miners to a watcher link only', async () => {
    const shares = await dynamo.freshStore();
    const names = dynamo.lastTables!;
    const money = new DynamoMoneyStore(createDocumentClient(dynamo.client), () => names);
    await money.putEntries('LTC', [
      credit('immature', 'blockA', 'referral', 1_000n),
      credit('immature', 'blockB', 'referral', 300n),
      credit('orphan', 'blockB', 'referral', 300n),
      credit('mature', 'blockA', 'referral', 1_000n),
      credit('immature', 'blockA', 'miner', 50_000n), // the account's own mining: not a referral earning
    ]);
    await ingestBatch(
      shares.ingest,
      {
        v: 1,
        batchId: 'b1',
        coin: 'LTC',
        shares: [
          {
            coin: 'LTC',
            miner: address,
            worker: 'rig1',
            height: 10,
            difficulty: 60,
            actualDifficulty: 60,
            timestamp: T0 - 30_000,
          },
        ],
      },
      { claim: 'c', now: () => T0, leaseMs: 1000 },
    );
    const h = await startAccountApi(dynamo, new FakeIdentity(), { money, stats: storeDeps(shares, money, T0) });
    try {
      const token = await signedUpAccount(h, 'v@x.io');
      const id = (await h.call('GET', '/api/account/me', { token })).json.id as string;
      const time = new Date(T0).toISOString();
      const signature = miner.signBip137(
        identityMessage({ pool: 'testpool', account: id, coin: 'LTC', address, time }),
        'p2wpkh',
      );
      await h.call('POST', '/api/account/identities', {
        token,
        body: { coin: 'LTC', address, label: 'farm', time, signature },
      });
      const me = await h.call('GET', '/api/account/me', { token });
      expect((me.json.referral as { earnings: unknown }).earnings).toEqual({ LTC: '1000' });

      const made = await h.call('POST', '/api/account/watchers', { token, body: { label: 'host' } });
      const view = await h.call('GET', `/api/watch/${made.json.token}`);
      expect(view.status).toBe(200);
      const coins = view.json.coins as Array<{
        coin: string;
        miners: Array<{
          address: string;
          label: string;
          balance: { immature: string; confirmed: string };
          workers: Array<{ name: string }>;
          hashrate: { '10m': number };
        }>;
      }>;
      expect(coins).toHaveLength(1);
      const m = coins[0]!.miners[0]!;
      expect(m.address).toBe(address);
      expect(m.label).toBe('farm');
      expect(m.balance.immature).toBe('50000');
      expect(m.balance.confirmed).toBe('1000');
      expect(m.workers.map((w) => w.name)).toEqual(['rig1']);
      expect(m.hashrate['10m']).toBeGreaterThan(0);
      expect(view.body).not.toContain('v@x.io');
      expect(Object.keys(view.json)).toEqual(['label', 'coins']);
    } finally {
      await h.close();
    }
  });
});
