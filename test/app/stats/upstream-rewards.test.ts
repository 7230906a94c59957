import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { type ApiDeps, handleApi } from '../../../app/stats/api.js';
import { minerSchema } from '../../../app/stats/schema.js';
import { blockEntries } from '../../../core/ledger/ledger.js';
import { upstreamEntries } from '../../../core/proxy/upstream-payouts.js';
import { ADDRESS } from '../../fargate/stratum/fakes.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { storeDeps } from './helpers.js';

const TXID = 'ab'.repeat(32);
const BLOCK = 'cd'.repeat(32);

describe("a proxied coin's miner page lists its shares of the upstream's payments as rewards", () => {
  let dynamo: Dynamo;
  let deps: ApiDeps;
  const now = 1_700_000_000_000;

  beforeAll(async () => {
    dynamo = await startDynamo();
    const shares = await dynamo.freshStore();
    const names = dynamo.lastTables!;
    const money = new DynamoMoneyStore(createDocumentClient(dynamo.client), () => names);
    // A solo-fallback block credit, then two upstream payments (outputs 0 and 3 of one transaction): as the passes
    // write them (app/confirm, app/proxy).
    await money.putEntries(
      'LTC',
      blockEntries('immature', BLOCK, [{ account: ADDRESS, role: 'miner', amount: 500n }], now),
    );
    await money.putEntries(
      'LTC',
      upstreamEntries(
        { id: `${TXID}:0` },
        [
          { account: ADDRESS, role: 'miner', amount: 7_000n },
          { account: 'fee-wallet', role: 'fee', amount: 70n },
        ],
        now + 1_000,
      ),
    );
    await money.putEntries(
      'LTC',
      upstreamEntries({ id: `${TXID}:3` }, [{ account: ADDRESS, role: 'miner', amount: 9_000n }], now + 2_000),
    );
    deps = storeDeps(shares, money, now + 10_000);
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('shows each upstream credit newest first with the payment it came from, beside block rewards', async () => {
    const res = await handleApi(
      { method: 'GET', path: `/api/pools/LTC/miners/${ADDRESS}`, query: new URLSearchParams() },
      deps,
    );
    expect(res.status).toBe(200);
    const page = minerSchema.parse(JSON.parse(res.body));
    expect(page.rewards).toEqual([
      { ref: `${TXID}:3`, kind: 'upstream', role: 'miner', amount: '9000', time: now + 2_000 },
      { ref: `${TXID}:0`, kind: 'upstream', role: 'miner', amount: '7000', time: now + 1_000 },
      { ref: BLOCK, kind: 'immature', role: 'miner', amount: '500', time: now },
    ]);
    expect(page.balance.confirmed).toBe('16000');
  });

  it('exports them as rewards with the payment as reference', async () => {
    const res = await handleApi(
      { method: 'GET', path: `/api/pools/LTC/miners/${ADDRESS}/export.csv`, query: new URLSearchParams() },
      deps,
    );
    expect(res.status).toBe(200);
    const rows = res.body.trim().split('\r\n').slice(1);
    const rewards = rows.map((r) => r.split(',').map((c) => c.slice(1, -1)));
    expect(rewards.map(([, type, ref, amount, status, txid]) => [type, ref, amount, status, txid])).toEqual([
      ['reward', `${TXID}:3`, '0.00009000 LTC', 'upstream', TXID],
      ['reward', `${TXID}:0`, '0.00007000 LTC', 'upstream', TXID],
      ['reward', BLOCK, '0.00000500 LTC', 'immature', ''],
    ]);
  });
});
