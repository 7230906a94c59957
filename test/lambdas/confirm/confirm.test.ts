import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import type { DynamoShareStore } from '../../../adapters/aws/dynamo-share-store.js';
import { getCoin } from '../../../core/coins/index.js';
import { DaemonError } from '../../../core/errors.js';
import { balancesFromEntries } from '../../../core/ledger/ledger.js';
import { rewardsConfigSchema } from '../../../core/rewards/config.js';
import { ingestBatch } from '../../../core/shares/ingest-batch.js';
import type { ShareBatch } from '../../../core/shares/share.js';
import { type ChainReader, confirmBlocks } from '../../../lambdas/confirm/confirm.js';
import { auditCoin } from '../../../local/audit.js';
import { type Dynamo, silentLog, startDynamo } from '../ingest/helpers.js';

const LTC = getCoin('LTC');
const POOL = 'pooladdr';
const rewards = rewardsConfigSchema.parse({ scheme: 'PROP', feeBasisPoints: 100, feeWallets: [{ address: 'fee' }] });

/** A chain whose answers the test sets: confirmations per hash (missing = unknown). */
class FakeChain implements ChainReader {
  tip = 1000;
  confirmations = new Map<string, number>();
  reward = 625_000_000;
  async getBlockCount() {
    return this.tip;
  }
  async getBlock<T>(hash: string): Promise<T> {
    const c = this.confirmations.get(hash);
    if (c === undefined) throw new DaemonError('Block not found', -5);
    return { confirmations: c, tx: [{ vout: [{ value: this.reward / 1e8, scriptPubKey: { address: POOL } }] }] } as T;
  }
}

describe('confirmBlocks against dynalite', () => {
  let dynamo: Dynamo;
  let shares: DynamoShareStore;
  let money: DynamoMoneyStore;
  let chain: FakeChain;
  const deps = () => ({ coin: LTC, poolAddress: POOL, rewards, shares, money, chain, log: silentLog, now: () => 1 });

  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });
  beforeEach(async () => {
    shares = await dynamo.freshStore();
    const names = dynamo.lastTables!;
    money = new DynamoMoneyStore(createDocumentClient(dynamo.client), () => names);
    chain = new FakeChain();
  });

  async function foundBlock(hash: string, height: number, work: Array<[string, number]>) {
    const batch: ShareBatch = {
      v: 1,
      batchId: `b-${hash}`,
      coin: 'LTC',
      shares: work.map(([miner, difficulty], i) => ({
        coin: 'LTC',
        miner,
        worker: '',
        height,
        difficulty,
        actualDifficulty: difficulty,
        timestamp: 1000 + i,
        ...(i === work.length - 1
          ? { block: { height, hash, reward: '625000000', networkDifficulty: 1, submitResult: 'accepted' } }
          : {}),
      })),
    };
    await ingestBatch(shares, batch, { claim: 'c', now: () => 1, leaseMs: 1000 });
  }

  it('credits a block once however often it runs, immature first, then confirmed at maturity', async () => {
    await foundBlock('h1', 900, [
      ['alice', 3],
      ['bob', 1],
    ]);
    chain.confirmations.set('h1', 5);
    await Promise.all([confirmBlocks(deps()), confirmBlocks(deps())]); // two runs at once
    await confirmBlocks(deps());
    let b = balancesFromEntries(await money.listEntries('LTC'));
    expect(b.get('alice')!.immature).toBe(464_062_500n); // 99 % of 6.25 LTC × 3/4
    expect(b.get('bob')!.immature).toBe(154_687_500n);
    expect(b.get('fee')!.immature).toBe(6_250_000n);
    chain.confirmations.set('h1', 100);
    const reports = await Promise.all([confirmBlocks(deps()), confirmBlocks(deps())]);
    expect(reports.reduce((n, r) => n + r.confirmed, 0)).toBe(1);
    await confirmBlocks(deps());
    b = balancesFromEntries(await money.listEntries('LTC'));
    expect(b.get('alice')).toEqual({ immature: 0n, confirmed: 464_062_500n, pending: 0n, paid: 0n });
    const total = [...b.values()].reduce((s, x) => s + x.confirmed, 0n);
    expect(total).toBe(625_000_000n);
    expect(await auditCoin(money, 'LTC')).toEqual({ ok: true, checked: 6 });
  });

  it('takes back the immature credit of a block that left the main chain, and credits nothing', async () => {
    await foundBlock('h2', 901, [['alice', 1]]);
    chain.confirmations.set('h2', 3);
    await confirmBlocks(deps());
    expect(balancesFromEntries(await money.listEntries('LTC')).get('alice')!.immature).toBeGreaterThan(0n);
    chain.confirmations.set('h2', -1);
    expect((await confirmBlocks(deps())).orphaned).toBe(1);
    const b = balancesFromEntries(await money.listEntries('LTC'));
    expect(b.get('alice')).toEqual({ immature: 0n, confirmed: 0n, pending: 0n, paid: 0n });
    const [block] = await money.listAllBlocks('LTC');
    expect(block!.status).toBe('orphaned');
    expect(await auditCoin(money, 'LTC')).toMatchObject({ ok: true });
  });

  it('leaves blocks untouched when the daemon fails, and orphans a block the daemon never saw', async () => {
    await foundBlock('h3', 998, [['alice', 1]]);
    const broken: ChainReader = {
      getBlockCount: async () => 1000,
      getBlock: async () => Promise.reject(new DaemonError('connection refused')),
    };
    await expect(confirmBlocks({ ...deps(), chain: broken })).rejects.toThrow(/connection refused/);
    expect((await money.listAllBlocks('LTC'))[0]!.status).toBe('pending');
    chain.tip = 999;
    await confirmBlocks(deps()); // unknown, but only one block later: wait
    expect((await money.listAllBlocks('LTC'))[0]!.status).toBe('pending');
    chain.tip = 1000;
    await confirmBlocks(deps());
    expect((await money.listAllBlocks('LTC'))[0]!.status).toBe('orphaned');
  });

  it('ledger audit names a tampered entry, and a replay with another amount is refused', async () => {
    await foundBlock('h4', 902, [['alice', 1]]);
    chain.confirmations.set('h4', 100);
    await confirmBlocks(deps());
    expect(await auditCoin(money, 'LTC')).toMatchObject({ ok: true });
    const names = dynamo.lastTables!;
    await createDocumentClient(dynamo.client).send(
      new UpdateCommand({
        TableName: names.ledger,
        Key: { pk: 'ACCT#alice', sk: 'mature:h4:miner:alice' },
        UpdateExpression: 'SET amount = :a',
        ExpressionAttributeValues: { ':a': '1' },
      }),
    );
    const result = await auditCoin(money, 'LTC');
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ problem: expect.stringMatching(/block h4: mature credits \d+ ≠ reward 625000000/) });
    await expect(
      money.putEntries('LTC', [
        {
          id: 'mature:h4:miner:alice',
          account: 'alice',
          kind: 'mature',
          role: 'miner',
          amount: 5n,
          ref: 'h4',
          time: 1,
        },
      ]),
    ).rejects.toThrow(/exists with amount 1, not 5/);
  });
});
