import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { createDynamoShareStores, type DynamoShareStores } from '../../../adapters/aws/dynamo-share-store.js';
import type { TableNames } from '../../../adapters/aws/tables.js';
import { BitcoinChainReader, type BlockDaemon } from '../../../adapters/rpc/bitcoin-chain-reader.js';
import type { ConfirmDeps } from '../../../app/confirm/confirm.js';
import { confirmCoin } from '../../../app/confirm/pass.js';
import { getCoin } from '../../../core/coins/index.js';
import type { CoinConfig } from '../../../core/config/schema.js';
import { DaemonError } from '../../../core/errors.js';
import { type Balance, balancesFromEntries } from '../../../core/ledger/ledger.js';
import { ingestBatch } from '../../../core/shares/ingest-batch.js';
import { auditCoin } from '../../../local/audit.js';
import { DOGE_FEE, DOGE_POOL, ltcAddress, mergedConfig, mergedTables, putAuxBlock } from '../../helpers/aux-money.js';
import { type Dynamo, silentLog, startDynamo } from '../../helpers/dynamo.js';
import { roundBatch } from './batches.js';

const DOGE_REWARD = 1_000_000_000_000n; // 10,000 DOGE
const alice = ltcAddress(1);
const bob = ltcAddress(2);
const carol = ltcAddress(3);

/** The DOGE chain as its node answers confirmation: confirmations per hash, the coinbase paying the pool address. */
class FakeDogeChain implements BlockDaemon {
  tip = 5000;
  confirmations = new Map<string, number>();
  async getBlockCount() {
    return this.tip;
  }
  async getBlockHash(height: number): Promise<string> {
    throw new DaemonError(`no block read by height here (${height})`);
  }
  async getBlock<T>(hash: string): Promise<T> {
    const c = this.confirmations.get(hash);
    if (c === undefined) throw new DaemonError('Block not found', -5);
    const vout = [{ value: Number(DOGE_REWARD) / 1e8, scriptPubKey: { address: DOGE_POOL } }];
    return { confirmations: c, tx: [{ vout }] } as T;
  }
}

/**
 * An aux chain's blocks (DOGE merged with LTC) confirmed over the parent's share rounds: each DOGE block names the
 * LTC round of the share that found it, and the DOGE ledger credits LTC mining addresses, at DOGE's maturity (240).
 */
describe('confirmation of an aux chain block from the parent rounds', () => {
  let dynamo: Dynamo;
  let tables: Map<string, TableNames>;
  let shares: DynamoShareStores;
  let money: DynamoMoneyStore;
  let chain: FakeDogeChain;
  let seq = 0;

  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });
  beforeEach(async () => {
    tables = await mergedTables(dynamo, `aux${seq++}`);
    const of = (c: string) => tables.get(c)!;
    const doc = createDocumentClient(dynamo.client);
    shares = createDynamoShareStores({ doc, tables: of });
    money = new DynamoMoneyStore(doc, of);
    chain = new FakeDogeChain();
  });

  /** LTC shares of one round (height), as LTC ingest records them. */
  async function ltcRound(height: number, work: Array<[string, number]>) {
    await ingestBatch(shares.ingest, roundBatch(`ltc-${height}-${seq}`, height, work), {
      claim: 'c',
      now: () => 1,
      leaseMs: 1000,
    });
  }

  function confirm(doge: Readonly<CoinConfig>, log: ConfirmDeps['log'] = silentLog) {
    return confirmCoin({
      coin: doge,
      shares: shares.rounds,
      money,
      rules: { chain: new BitcoinChainReader(chain, DOGE_POOL, 8), maturity: getCoin('DOGE').coinbaseMaturity },
      log,
      now: () => 1,
    });
  }

  const balances = async () => balancesFromEntries(await money.listEntries('DOGE'));
  const sum = (b: Map<string, Balance>, k: 'immature' | 'confirmed') => [...b.values()].reduce((s, x) => s + x[k], 0n);

  it('credits LTC miners in the DOGE ledger from the LTC round of the finding share (PPLNS), mature at 240', async () => {
    const doge = mergedConfig().coins[1]!;
    await ltcRound(700, [
      [alice, 3],
      [bob, 1],
    ]);
    // DOGE height 4000, found by a share of LTC round 700: DOGE has no rounds at 4000, LTC's 700 pays it.
    await putAuxBlock(dynamo, tables.get('DOGE')!.blocks, {
      height: 4000,
      hash: 'd1',
      reward: DOGE_REWARD.toString(),
      miner: bob,
      round: { coin: 'LTC', height: 700 },
    });
    chain.confirmations.set('d1', 239);
    expect(await confirm(doge)).toMatchObject({ immature: 1, confirmed: 0 });
    let b = await balances();
    expect(b.get(alice)!.immature).toBe(742_500_000_000n); // 99 % × 3/4
    expect(b.get(bob)!.immature).toBe(247_500_000_000n);
    expect(b.get(DOGE_FEE)!.immature).toBe(10_000_000_000n);
    expect(sum(b, 'immature')).toBe(DOGE_REWARD);
    chain.confirmations.set('d1', 240);
    expect(await confirm(doge)).toMatchObject({ confirmed: 1 });
    b = await balances();
    expect(sum(b, 'confirmed')).toBe(DOGE_REWARD);
    expect(b.get(alice)!.confirmed).toBe(742_500_000_000n);
    expect(await auditCoin(money, 'DOGE')).toMatchObject({ ok: true });
    // The LTC ledger is untouched: the aux block is DOGE's money only.
    expect(await money.listEntries('LTC')).toEqual([]);
  });

  it("PROP: the second aux block's window starts after the first block's LTC round", async () => {
    const doge = mergedConfig({
      rewards: { scheme: 'PROP', feeBasisPoints: 100, feeWallets: [{ address: DOGE_FEE }] },
    }).coins[1]!;
    await ltcRound(700, [[alice, 1]]);
    await ltcRound(701, [[bob, 1]]);
    await ltcRound(702, [[carol, 1]]);
    const blocksTable = tables.get('DOGE')!.blocks;
    const reward = DOGE_REWARD.toString();
    await putAuxBlock(dynamo, blocksTable, {
      height: 4000,
      hash: 'p1',
      reward,
      miner: alice,
      round: { coin: 'LTC', height: 700 },
    });
    await putAuxBlock(dynamo, blocksTable, {
      height: 4003,
      hash: 'p2',
      reward,
      miner: carol,
      round: { coin: 'LTC', height: 702 },
    });
    chain.confirmations.set('p1', 300);
    chain.confirmations.set('p2', 297);
    await confirm(doge);
    const b = await balances();
    // p1: alice's round 700 (and nothing before); p2: LTC rounds 701 and 702 (after p1's round 700), not DOGE heights.
    expect(b.get(alice)!.confirmed).toBe(990_000_000_000n);
    expect(b.get(bob)!.confirmed).toBe(495_000_000_000n);
    expect(b.get(carol)!.confirmed).toBe(495_000_000_000n);
    expect(b.get(DOGE_FEE)!.confirmed).toBe(20_000_000_000n);
    expect(await auditCoin(money, 'DOGE')).toMatchObject({ ok: true });
  });

  it('PROP: two aux blocks found in one LTC round both read that round (the later is not all the finder’s)', async () => {
    const doge = mergedConfig({
      rewards: { scheme: 'PROP', feeBasisPoints: 0, feeWallets: [{ address: DOGE_FEE }] },
    }).coins[1]!;
    await ltcRound(710, [
      [alice, 1],
      [bob, 1],
    ]);
    const blocksTable = tables.get('DOGE')!.blocks;
    for (const [height, hash] of [
      [4100, 's1'],
      [4101, 's2'],
    ] as const) {
      await putAuxBlock(dynamo, blocksTable, {
        height,
        hash,
        reward: '1000',
        miner: bob,
        round: { coin: 'LTC', height: 710 },
      });
      chain.confirmations.set(hash, 250);
    }
    await confirm(doge);
    const b = await balances();
    // Each block half to each (the chain's reward, no fee): neither is all bob's.
    expect(b.get(alice)!.confirmed).toBe(DOGE_REWARD);
    expect(b.get(bob)!.confirmed).toBe(DOGE_REWARD);
  });

  it('SOLO: the whole aux reward less the fee goes to the LTC address that found it', async () => {
    const doge = mergedConfig({
      rewards: { scheme: 'SOLO', feeBasisPoints: 200, feeWallets: [{ address: DOGE_FEE }] },
    }).coins[1]!;
    await ltcRound(720, [
      [alice, 5],
      [carol, 1],
    ]);
    await putAuxBlock(dynamo, tables.get('DOGE')!.blocks, {
      height: 4200,
      hash: 'solo',
      reward: DOGE_REWARD.toString(),
      miner: carol,
      round: { coin: 'LTC', height: 720 },
    });
    chain.confirmations.set('solo', 240);
    await confirm(doge);
    const b = await balances();
    expect(b.get(carol)!.confirmed).toBe(980_000_000_000n);
    expect(b.get(DOGE_FEE)!.confirmed).toBe(20_000_000_000n);
    expect(b.get(alice)).toBeUndefined();
    expect(await auditCoin(money, 'DOGE')).toMatchObject({ ok: true });
  });

  it('leaves an aux block that names no LTC round, or another coin’s, uncredited', async () => {
    const doge = mergedConfig().coins[1]!;
    await ltcRound(4300, [[alice, 1]]); // an LTC round at the DOGE block's own height: must not pay it
    const blocksTable = tables.get('DOGE')!.blocks;
    await putAuxBlock(dynamo, blocksTable, { height: 4300, hash: 'nr', reward: '1000', miner: bob });
    await putAuxBlock(dynamo, blocksTable, {
      height: 4301,
      hash: 'wr',
      reward: '1000',
      miner: bob,
      round: { coin: 'BTC', height: 10 },
    });
    chain.confirmations.set('nr', 250);
    chain.confirmations.set('wr', 250);
    const errors: unknown[] = [];
    const report = await confirm(doge, { ...silentLog, error: (o: unknown) => void errors.push(o) });
    expect(report.confirmed).toBe(0);
    expect(await money.listEntries('DOGE')).toEqual([]);
    expect((await money.listAllBlocks('DOGE')).map((b) => b.status)).toEqual(['pending', 'pending']);
    expect(errors).toHaveLength(2);
  });

  it('reads back the round an aux block is paid from, and the previous aux block by its round', async () => {
    const blocksTable = tables.get('DOGE')!.blocks;
    await putAuxBlock(dynamo, blocksTable, {
      height: 4000,
      hash: 'a',
      reward: '1',
      miner: bob,
      round: { coin: 'LTC', height: 700 },
    });
    expect((await money.getBlock('DOGE', 4000, 'a'))!.round).toEqual({ coin: 'LTC', height: 700 });
    expect(await money.previousBlockHeight('DOGE', 4005)).toBe(700);
    expect(await money.previousBlockHeight('DOGE', 4000)).toBe(-1);
  });
});
