import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { type ApiDeps, handleApi } from '../../../app/stats/api.js';
import { payoutEntries } from '../../../core/ledger/ledger.js';
import type { PayoutRecord } from '../../../core/ledger/payouts.js';
import { ADDRESS } from '../../fargate/stratum/fakes.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { storeDeps } from './helpers.js';

const OTHER = (i: number) => `other-miner-${i}`;

/** What the miner page asks DynamoDB: operation and input of every request. */
interface Request {
  op: string;
  input: Record<string, unknown>;
}

describe('a miner page reads its own payments, not every payout of the coin', () => {
  let dynamo: Dynamo;
  let deps: ApiDeps;
  let money: DynamoMoneyStore;
  const requests: Request[] = [];
  const now = 1_700_000_000_000;

  const payout = async (id: string, recipients: Array<[string, bigint]>, at: number, failed = false) => {
    const p: PayoutRecord = {
      id,
      coin: 'LTC',
      status: 'pending',
      recipients: recipients.map(([account, amount]) => ({ account, amount })),
      total: recipients.reduce((s, [, a]) => s + a, 0n),
      createdAt: at,
      updatedAt: at,
    };
    await money.createPayout('LTC', p);
    await money.putEntries('LTC', payoutEntries('reserve', p, at));
    if (failed) {
      await money.transitionPayout('LTC', id, 'pending', 'failed');
      await money.putEntries('LTC', payoutEntries('release', p, at + 1));
    } else {
      await money.transitionPayout('LTC', id, 'pending', 'sending');
      await money.transitionPayout('LTC', id, 'sending', 'sent', { txid: `tx-${id}` });
    }
  };

  beforeAll(async () => {
    dynamo = await startDynamo();
    const shares = await dynamo.freshStore();
    const names = dynamo.lastTables!;
    money = new DynamoMoneyStore(createDocumentClient(dynamo.client), () => names);
    // 40 payouts that do not pay the miner, 3 that do (one failed: released, nothing sent).
    for (let i = 0; i < 40; i++) await payout(`LTC-${now + i}-x`, [[OTHER(i), 1000n + BigInt(i)]], now + i * 1000);
    await payout(
      `LTC-${now - 5000}-a`,
      [
        [ADDRESS, 700n],
        [OTHER(1), 5n],
      ],
      now - 5000,
    );
    await payout(
      `LTC-${now + 50_000}-b`,
      [
        [OTHER(2), 6n],
        [ADDRESS, 900n],
      ],
      now + 50_000,
    );
    await payout(`LTC-${now + 60_000}-c`, [[ADDRESS, 300n]], now + 60_000, true);
    dynamo.client.middlewareStack.add(
      (next, context) => async (args) => {
        requests.push({ op: String(context.commandName), input: args.input as Record<string, unknown> });
        return next(args);
      },
      { step: 'initialize', name: 'recordRequests' },
    );
    deps = storeDeps(shares, money, now + 100_000);
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('shows the miner its sent payments, newest first, with its own amounts', async () => {
    const res = await handleApi(
      { method: 'GET', path: `/api/pools/LTC/miners/${ADDRESS}`, query: new URLSearchParams() },
      deps,
    );
    expect(res.status).toBe(200);
    const { payments } = JSON.parse(res.body) as { payments: Array<{ id: string; amount: string; txid: string }> };
    expect(payments.map((p) => [p.id, p.amount, p.txid])).toEqual([
      [`LTC-${now + 50_000}-b`, '900', `tx-LTC-${now + 50_000}-b`],
      [`LTC-${now - 5000}-a`, '700', `tx-LTC-${now - 5000}-a`],
    ]);
  });

  it('finds the miner by its address written another way (upper-case bech32, URL-encoded): the account the pool keeps', async () => {
    const res = await handleApi(
      {
        method: 'GET',
        path: `/api/pools/LTC/miners/${encodeURIComponent(ADDRESS.toUpperCase())}`,
        query: new URLSearchParams(),
      },
      deps,
    );
    expect(res.status).toBe(200);
    const { payments } = JSON.parse(res.body) as { payments: Array<{ amount: string }> };
    expect(payments.map((p) => p.amount)).toEqual(['900', '700']);
  });

  it('reads the ledger by the miner’s key only: no scan, no query of the coin’s payouts, only its payout items', async () => {
    requests.length = 0;
    await handleApi({ method: 'GET', path: `/api/pools/LTC/miners/${ADDRESS}`, query: new URLSearchParams() }, deps);
    const ledger = dynamo.lastTables!.ledger;
    const onLedger = requests.filter((r) => JSON.stringify(r.input).includes(ledger));
    expect(onLedger.length).toBeGreaterThan(0);
    for (const r of onLedger) {
      expect(r.op, JSON.stringify(r.input)).not.toBe('ScanCommand');
      if (r.op === 'QueryCommand')
        expect(JSON.stringify(r.input.ExpressionAttributeValues)).toContain(`ACCT#${ADDRESS}`);
    }
    // The payout items read are the miner's, and nobody else's.
    const keys = JSON.stringify(onLedger.filter((r) => r.op !== 'QueryCommand').map((r) => r.input));
    const read = [...keys.matchAll(/LTC-\d+-[a-z]/g)].map((m) => m[0]);
    expect(new Set(read)).toEqual(new Set([`LTC-${now + 50_000}-b`, `LTC-${now - 5000}-a`]));
  });
});
