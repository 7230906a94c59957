import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { BitcoinChainReader } from '../../../adapters/rpc/bitcoin-chain-reader.js';
import { creditPps } from '../../../app/confirm/pps.js';
import { getCoin } from '../../../core/coins/index.js';
import { balancesFromEntries, roundCreditEntries } from '../../../core/ledger/ledger.js';
import { rewardsConfigSchema } from '../../../core/rewards/config.js';
import { ingestBatch } from '../../../core/shares/ingest-batch.js';
import { auditCoin } from '../../../local/audit.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { roundBatch } from './batches.js';

const LTC = getCoin('LTC');
const rewards = rewardsConfigSchema.parse({ scheme: 'PPS', feeBasisPoints: 0, feeWallets: [{ address: 'fee' }] });

const batch = roundBatch;
const chainAt = (tip: { height: number }) =>
  new BitcoinChainReader(
    {
      getBlockCount: async () => tip.height,
      getBlockHash: async (h: number) => `hash${h}`,
      getBlock: async <T>() => ({ difficulty: 1, tx: [{ vout: [{ value: 10, scriptPubKey: {} }] }] }) as T,
    },
    'pool',
    8,
  );

describe('creditPps against dynalite', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  /** A share store and a ledger on fresh tables, and the ingest of a share batch into them. */
  async function fresh() {
    const shares = await dynamo.freshStore();
    const names = dynamo.lastTables!;
    const money = new DynamoMoneyStore(createDocumentClient(dynamo.client), () => names);
    const ingest = (b: ReturnType<typeof batch>) =>
      ingestBatch(shares.ingest, b, { claim: 'c', now: () => 1, leaseMs: 1000 });
    return { shares, money, ingest };
  }

  it('credits each completed round once, from the chain block value and difficulty, and resumes from its cursor', async () => {
    const { shares, money, ingest } = await fresh();
    await ingest(batch('b1', 100, [['alice', 65536]]));
    await ingest(batch('b2', 101, [['bob', 32768]]));
    const tip = { height: 102 };
    // chain difficulty 1 = stratum difficulty 65536 for scrypt; every block worth 10 LTC
    const chain = chainAt(tip);
    const deps = { coin: LTC, rewards, shares: shares.rounds, money, chain, now: () => 5, startHeight: 100 };
    expect(await creditPps(deps)).toEqual({ rounds: 1, credited: 1_000_000_000n, late: 0 }); // height 100 only (lag 2)
    tip.height = 103;
    expect(await creditPps(deps)).toEqual({ rounds: 1, credited: 500_000_000n, late: 0 }); // 101: half a block's work
    expect(await creditPps(deps)).toEqual({ rounds: 0, credited: 0n, late: 0 });
    const b = balancesFromEntries(await money.listEntries('LTC'));
    expect(b.get('alice')!.confirmed).toBe(1_000_000_000n);
    expect(b.get('bob')!.confirmed).toBe(500_000_000n);
    // a crash before the cursor moved: the same round again changes nothing
    await money.setCursor('LTC', 'pps', 99);
    await creditPps(deps);
    expect(balancesFromEntries(await money.listEntries('LTC')).get('alice')!.confirmed).toBe(1_000_000_000n);
  });

  it('pays a share delivered after its round was credited, exactly once, and the audit accounts for it', async () => {
    const { shares, money, ingest } = await fresh();
    await ingest(batch('b1', 100, [['alice', 65536]]));
    const tip = { height: 102 };
    const deps = {
      coin: LTC,
      rewards,
      shares: shares.rounds,
      money,
      chain: chainAt(tip),
      now: () => 5,
      startHeight: 100,
    };
    expect(await creditPps(deps)).toMatchObject({ credited: 1_000_000_000n }); // round 100 credited
    // Late: a spool replay (alice again) and a redelivered batch of a miner the round had not seen (bob).
    await ingest(batch('late1', 100, [['alice', 32768]]));
    await ingest(batch('late2', 100, [['bob', 16384]]));
    tip.height = 104;
    await creditPps(deps);
    await creditPps(deps); // and again: nothing twice
    let b = balancesFromEntries(await money.listEntries('LTC'));
    expect(b.get('alice')!.confirmed).toBe(1_500_000_000n);
    expect(b.get('bob')!.confirmed).toBe(250_000_000n);
    // Much later (a DLQ redrive), far behind the tip.
    await ingest(batch('late3', 100, [['bob', 16384]]));
    tip.height = 400;
    await creditPps(deps);
    await creditPps(deps);
    b = balancesFromEntries(await money.listEntries('LTC'));
    expect(b.get('alice')!.confirmed).toBe(1_500_000_000n);
    expect(b.get('bob')!.confirmed).toBe(500_000_000n);
    expect(await auditCoin(money, 'LTC')).toMatchObject({ ok: true });
  });

  it('finishes a round whose crediting a crash cut short, though more of its shares arrived meanwhile', async () => {
    const { shares, money, ingest } = await fresh();
    await ingest(batch('b1', 100, [['alice', 65536]]));
    // The dead pass wrote alice's credit for the shares it saw, then neither the round's record nor the cursor.
    await money.putEntries('LTC', roundCreditEntries(100, [{ account: 'alice', amount: 1_000_000_000n }], 5));
    await ingest(batch('b2', 100, [['alice', 65536]]));
    const deps = {
      coin: LTC,
      rewards,
      shares: shares.rounds,
      money,
      chain: chainAt({ height: 102 }),
      now: () => 5,
      startHeight: 100,
    };
    expect(await creditPps(deps)).toMatchObject({ credited: 1_000_000_000n });
    expect(balancesFromEntries(await money.listEntries('LTC')).get('alice')!.confirmed).toBe(2_000_000_000n);
    expect(await auditCoin(money, 'LTC')).toMatchObject({ ok: true });
  });
});

describe('PPS liability for the operator', () => {
  it('is what miners were credited per share minus what the pool account received from blocks', async () => {
    const { startMoney } = await import('../../../local/money.js');
    const { parseConfig } = await import('../../../core/config/load.js');
    const { ADDRESS } = await import('../../fargate/stratum/fakes.js');
    const dynamo = await startDynamo();
    try {
      const shares = await dynamo.freshStore();
      const names = dynamo.lastTables!;
      const money = new DynamoMoneyStore(createDocumentClient(dynamo.client), () => names);
      const [coin] = parseConfig({
        coins: [
          {
            symbol: 'LTC',
            network: 'regtest',
            poolAddress: ADDRESS,
            daemons: [{ url: 'http://127.0.0.1:9', user: 'u', password: 'p' }],
            ports: [{ port: 3333, difficulty: { initial: 1, min: 1, max: 1 } }],
            rewards: { scheme: 'PPS', feeWallets: [{ address: ADDRESS }] },
          },
        ],
      }).coins;
      const entry = (id: string, kind: 'pps' | 'mature' | 'immature', account: string, amount: bigint) => ({
        id,
        account,
        kind,
        role: 'miner' as const,
        amount,
        ref: id,
        time: 1,
      });
      await money.putEntries('LTC', [
        entry('p1', 'pps', 'alice', 700n),
        entry('p2', 'pps', 'bob', 600n),
        entry('i1', 'immature', 'pool:pps', 1000n),
        entry('m1', 'mature', 'pool:pps', 1000n),
      ]);
      const runner = startMoney({
        coin: coin!,
        shares,
        money,
        log: { info() {}, warn() {}, error() {} } as never,
        timers: false,
      })!;
      expect(await runner.ppsStatus()).toEqual({ pps: { credited: 1300n, blockRewards: 1000n, liability: 300n } });
    } finally {
      await dynamo.close();
    }
  });
});
