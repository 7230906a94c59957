import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import type { DynamoShareStores } from '../../../adapters/aws/dynamo-share-store.js';
import { BitcoinChainReader, type BlockDaemon } from '../../../adapters/rpc/bitcoin-chain-reader.js';
import { confirmBlocks } from '../../../app/confirm/confirm.js';
import { CONFIRM_LEASE, runConfirmPass } from '../../../app/confirm/pass.js';
import { getCoin } from '../../../core/coins/index.js';
import { DaemonError, StorageError } from '../../../core/errors.js';
import { balancesFromEntries } from '../../../core/ledger/ledger.js';
import { rewardsConfigSchema } from '../../../core/rewards/config.js';
import { ingestBatch } from '../../../core/shares/ingest-batch.js';
import { auditCoin } from '../../../local/audit.js';
import { type Dynamo, silentLog, startDynamo } from '../../helpers/dynamo.js';
import { roundBatch } from './batches.js';

const LTC = getCoin('LTC');
const POOL = 'pooladdr';
const rewards = rewardsConfigSchema.parse({ scheme: 'PROP', feeBasisPoints: 100, feeWallets: [{ address: 'fee' }] });

/** A chain whose answers the test sets: confirmations per hash (missing = unknown). */
class FakeChain implements BlockDaemon {
  tip = 1000;
  confirmations = new Map<string, number>();
  reward = 625_000_000;
  async getBlockCount() {
    return this.tip;
  }
  async getBlockHash(height: number): Promise<string> {
    throw new DaemonError(`a PROP pool reads no block at ${height}`);
  }
  async getBlock<T>(hash: string): Promise<T> {
    const c = this.confirmations.get(hash);
    if (c === undefined) throw new DaemonError('Block not found', -5);
    return { confirmations: c, tx: [{ vout: [{ value: this.reward / 1e8, scriptPubKey: { address: POOL } }] }] } as T;
  }
}

describe('confirmBlocks against dynalite', () => {
  let dynamo: Dynamo;
  let shares: DynamoShareStores;
  let money: DynamoMoneyStore;
  let chain: FakeChain;
  const deps = () => ({
    coin: LTC,
    rewards,
    shares: shares.rounds,
    money,
    chain: new BitcoinChainReader(chain, POOL, 8),
    log: silentLog,
    now: () => 1,
  });

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
    const batch = roundBatch(`b-${hash}`, height, work, { hash, reward: '625000000' });
    await ingestBatch(shares.ingest, batch, { claim: 'c', now: () => 1, leaseMs: 1000 });
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

  it('weighs the rounds below the block until a hundred heights in a row had no shares, across range reads', async () => {
    for (const [height, miner, difficulty] of [
      [850, 'bob', 1],
      [760, 'carol', 2], // 89 empty heights above it: still walked
      [640, 'dave', 4], // 119 empty heights above it: the walk stopped before
    ] as const) {
      await ingestBatch(shares.ingest, roundBatch(`r${height}`, height, [[miner, difficulty]]), {
        claim: 'c',
        now: () => 1,
        leaseMs: 1000,
      });
    }
    await foundBlock('hw', 900, [['alice', 1]]);
    chain.confirmations.set('hw', 5);
    await confirmBlocks(deps());
    const b = balancesFromEntries(await money.listEntries('LTC'));
    // 99 % of 6.25 LTC by 1 : 1 : 2
    expect(b.get('alice')!.immature).toBe(154_687_500n);
    expect(b.get('bob')!.immature).toBe(154_687_500n);
    expect(b.get('carol')!.immature).toBe(309_375_000n);
    expect(b.get('dave')).toBeUndefined();
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

  it('follows an orphaned block back into the chain and out again until maturity, reversing and restoring once', async () => {
    await foundBlock('h5', 903, [
      ['alice', 3],
      ['bob', 1],
    ]);
    const reward = 625_000_000n;
    const total = (b: Map<string, { immature: bigint; confirmed: bigint }>, k: 'immature' | 'confirmed') =>
      [...b.values()].reduce((s, x) => s + x[k], 0n);
    const balances = async () => balancesFromEntries(await money.listEntries('LTC'));
    const pass = async (confirmations: number) => {
      chain.confirmations.set('h5', confirmations);
      await confirmBlocks(deps());
      await confirmBlocks(deps()); // every pass twice: a rerun changes nothing
      expect(await auditCoin(money, 'LTC')).toMatchObject({ ok: true });
      return { balances: await balances(), block: (await money.getBlock('LTC', 903, 'h5'))! };
    };
    expect(total((await pass(3)).balances, 'immature')).toBe(reward);
    let now = await pass(-1); // a reorg takes it out
    expect(now.block.status).toBe('orphaned');
    expect(total(now.balances, 'immature')).toBe(0n);
    now = await pass(5); // the other branch lost: it is back
    expect(now.block.status).toBe('immature');
    expect(total(now.balances, 'immature')).toBe(reward);
    now = await pass(-1); // out again
    expect(total(now.balances, 'immature')).toBe(0n);
    now = await pass(20); // and back again
    expect(total(now.balances, 'immature')).toBe(reward);
    now = await pass(100); // mature: credited exactly once
    expect(now.block.status).toBe('confirmed');
    expect(total(now.balances, 'immature')).toBe(0n);
    expect(total(now.balances, 'confirmed')).toBe(reward);
    expect(now.balances.get('alice')!.confirmed).toBe(464_062_500n);
  });

  it('completes the entries of a move out of the chain or back that a crash cut short', async () => {
    await foundBlock('h8', 906, [['alice', 1]]);
    chain.confirmations.set('h8', 3);
    await confirmBlocks(deps());
    const reward = balancesFromEntries(await money.listEntries('LTC')).get('alice')!.immature;
    // A pass moved the block out (status first) and died before writing the reversal.
    let block = (await money.getBlock('LTC', 906, 'h8'))!;
    expect(await money.setBlockStatus('LTC', block, 'immature', 'orphaned', -1, { from: 0, to: 0 })).toBe(true);
    chain.confirmations.set('h8', -1);
    await confirmBlocks(deps());
    expect(balancesFromEntries(await money.listEntries('LTC')).get('alice')!.immature).toBe(0n);
    expect(await auditCoin(money, 'LTC')).toMatchObject({ ok: true });
    // And one that moved it back and died before the restore.
    block = (await money.getBlock('LTC', 906, 'h8'))!;
    expect(await money.setBlockStatus('LTC', block, 'orphaned', 'immature', 4, { from: 0, to: 1 })).toBe(true);
    chain.confirmations.set('h8', 4);
    await confirmBlocks(deps());
    expect(balancesFromEntries(await money.listEntries('LTC')).get('alice')!.immature).toBe(reward);
    expect(await auditCoin(money, 'LTC')).toMatchObject({ ok: true });
  });

  it('treats an orphan as final once the chain is a coinbase maturity past its height', async () => {
    await foundBlock('h6', 904, [['alice', 1]]);
    chain.confirmations.set('h6', 2);
    await confirmBlocks(deps());
    chain.confirmations.set('h6', -1);
    await confirmBlocks(deps());
    chain.tip = 904 + LTC.coinbaseMaturity - 1;
    chain.confirmations.set('h6', 1); // would come back now, but a reorg that deep is not followed
    await confirmBlocks(deps());
    expect((await money.getBlock('LTC', 904, 'h6'))!.status).toBe('orphaned');
    expect(balancesFromEntries(await money.listEntries('LTC')).get('alice')!.immature).toBe(0n);
  });

  it('runs one confirmation pass at a time: a pass that finds the confirmation lease held changes nothing', async () => {
    await foundBlock('h7', 905, [['alice', 1]]);
    chain.confirmations.set('h7', 3);
    expect(await money.acquireLease('LTC', CONFIRM_LEASE, 'another-pass', Date.now(), Date.now() + 60_000)).toBe(true);
    expect(await runConfirmPass(deps())).toMatchObject({ busy: true, checked: 0 });
    expect(await money.listEntries('LTC')).toEqual([]);
    await money.releaseLease('LTC', CONFIRM_LEASE, 'another-pass');
    expect(await runConfirmPass(deps())).toMatchObject({ busy: false, immature: 1 });
  });

  it('leaves blocks untouched when the daemon fails, and orphans a block the daemon never saw', async () => {
    await foundBlock('h3', 998, [['alice', 1]]);
    const broken: BlockDaemon = {
      getBlockCount: async () => 1000,
      getBlockHash: async () => Promise.reject(new DaemonError('connection refused')),
      getBlock: async () => Promise.reject(new DaemonError('connection refused')),
    };
    await expect(confirmBlocks({ ...deps(), chain: new BitcoinChainReader(broken, POOL, 8) })).rejects.toThrow(
      /connection refused/,
    );
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

  /** Referrals (issue 19): who referred whom, as the accounts table's reader answers; counts its reads. */
  const referrals = (map: Record<string, string>, share = 20) => {
    const reader = {
      reads: 0,
      fail: false,
      async referrersByAddress(coin: string) {
        expect(coin).toBe('LTC');
        reader.reads++;
        if (reader.fail) throw new StorageError('accounts table unavailable');
        return new Map(Object.entries(map));
      },
    };
    return { reader, feeSharePercent: share };
  };
  const referralEntries = async () =>
    (await money.listEntries('LTC')).filter((e) => e.role === 'referral').map((e) => [e.kind, e.account, e.amount]);

  it("credits the referrer a share of the fee on its referred miner's reward, once, through a crash and reruns", async () => {
    await foundBlock('hr', 910, [
      ['alice', 3],
      ['bob', 1],
    ]);
    chain.confirmations.set('hr', 5);
    const terms = referrals({ alice: 'carol' });
    // The pass dies after fixing the split, before writing a single entry.
    const crashing: DynamoMoneyStore = Object.assign(Object.create(money), {
      putEntries: () => Promise.reject(new Error('crash')),
    });
    await expect(confirmBlocks({ ...deps(), money: crashing, referrals: terms })).rejects.toThrow('crash');
    expect(await money.listEntries('LTC')).toEqual([]);
    // Redelivered, twice at once, then again; the referral map changed meanwhile: the fixed split stands.
    const later = referrals({ alice: 'dave', bob: 'dave' });
    await Promise.all([confirmBlocks({ ...deps(), referrals: later }), confirmBlocks({ ...deps(), referrals: later })]);
    await confirmBlocks({ ...deps(), referrals: later });
    expect(later.reader.reads).toBe(0); // the split was fixed (with the referrals read once) before the crash
    // fee 6,250,000 × alice's 3/4 of the miners' part × 20 % = 937,500 to carol, out of the fee.
    expect(await referralEntries()).toEqual([['immature', 'carol', 937_500n]]);
    let b = balancesFromEntries(await money.listEntries('LTC'));
    expect(b.get('fee')!.immature).toBe(6_250_000n - 937_500n);
    expect(b.get('alice')!.immature).toBe(464_062_500n); // miners are paid as without referrals
    chain.confirmations.set('hr', 100);
    await confirmBlocks({ ...deps(), referrals: later });
    b = balancesFromEntries(await money.listEntries('LTC'));
    expect(b.get('carol')).toEqual({ immature: 0n, confirmed: 937_500n, pending: 0n, paid: 0n });
    expect([...b.values()].reduce((s, x) => s + x.confirmed, 0n)).toBe(625_000_000n);
    expect(await auditCoin(money, 'LTC')).toMatchObject({ ok: true });
  });

  it('takes back the referral credit with its block when the block leaves the chain', async () => {
    await foundBlock('ho', 911, [['alice', 1]]);
    chain.confirmations.set('ho', 3);
    await confirmBlocks({ ...deps(), referrals: referrals({ alice: 'carol' }, 50) });
    expect(balancesFromEntries(await money.listEntries('LTC')).get('carol')!.immature).toBe(3_125_000n);
    chain.confirmations.set('ho', -1);
    expect((await confirmBlocks(deps())).orphaned).toBe(1);
    expect(await referralEntries()).toEqual(
      expect.arrayContaining([
        ['immature', 'carol', 3_125_000n],
        ['orphan', 'carol', 3_125_000n],
      ]),
    );
    expect(balancesFromEntries(await money.listEntries('LTC')).get('carol')).toEqual({
      immature: 0n,
      confirmed: 0n,
      pending: 0n,
      paid: 0n,
    });
    expect(await auditCoin(money, 'LTC')).toMatchObject({ ok: true });
  });

  it('leaves a block uncredited while the referrals cannot be read, and credits it with them once they can', async () => {
    await foundBlock('hf', 912, [['alice', 1]]);
    chain.confirmations.set('hf', 3);
    const terms = referrals({ alice: 'carol' });
    terms.reader.fail = true;
    await expect(confirmBlocks({ ...deps(), referrals: terms })).rejects.toThrow('accounts table unavailable');
    expect(await money.listEntries('LTC')).toEqual([]);
    expect((await money.getBlock('LTC', 912, 'hf'))!.credits).toBeUndefined();
    terms.reader.fail = false;
    await confirmBlocks({ ...deps(), referrals: terms });
    expect(await referralEntries()).toEqual([['immature', 'carol', 1_250_000n]]); // 20 % of the 1 % fee
  });
});
