import { DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import type { DynamoShareStores } from '../../../adapters/aws/dynamo-share-store.js';
import { confirmCoin } from '../../../app/confirm/pass.js';
import { parseConfig } from '../../../core/config/load.js';
import type { CoinConfig } from '../../../core/config/schema.js';
import { balancesFromEntries } from '../../../core/ledger/ledger.js';
import { ingestBatch } from '../../../core/shares/ingest-batch.js';
import { bitcoinFamily } from '../../../families/bitcoin/index.js';
import { upstreamPorts } from '../../../families/chain-family.js';
import { auditCoin } from '../../../local/audit.js';
import { withDevnet } from '../../helpers/devnet.js';
import { type Dynamo, silentLog, startDynamo } from '../../helpers/dynamo.js';
import { roundBatch } from '../confirm/batches.js';

const COIN = 100_000_000n;
const WRITES = new Set(['PutCommand', 'UpdateCommand', 'DeleteCommand', 'BatchWriteCommand']);

/**
 * Proxy mining's money against a real litecoind wallet: the miner wallet plays the upstream pool and pays the pool
 * address; the pass (the proxied coin's confirmation pass, as the confirm Lambda and local mode run it) splits what
 * arrived over the proxied rounds written as ingest writes them, on dynalite.
 */
describe('upstream payouts of a proxied coin on the devnet', () => {
  const net = withDevnet();
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo?.close();
  });

  function coinConfig(distribution: 'PPLNS' | 'PROP'): Readonly<CoinConfig> {
    const devnet = net.get();
    return parseConfig({
      coins: [
        {
          symbol: 'LTC',
          network: 'regtest',
          poolAddress: devnet.poolAddress,
          daemons: devnet.daemons,
          ports: [{ port: 0, difficulty: { initial: 0.01, min: 0.01, max: 0.01 } }],
          rewards: { scheme: 'PPLNS', feeBasisPoints: 100, feeWallets: [{ address: devnet.feeAddress }] },
          payouts: { wallet: 'pool' },
          proxy: {
            upstreams: [{ url: 'stratum+tcp://127.0.0.1:1', user: devnet.poolAddress }],
            distribution,
            confirmations: 2,
          },
        },
      ],
    }).coins[0]!;
  }

  /** Fresh tables; `doc` may wrap the document client (a crashing one). */
  async function fresh(wrap: (doc: DynamoDBDocumentClient) => DynamoDBDocumentClient = (d) => d) {
    const shares = await dynamo.freshStore();
    const names = dynamo.lastTables!;
    const doc = createDocumentClient(dynamo.client);
    return {
      shares,
      money: new DynamoMoneyStore(wrap(doc), () => names),
      plain: new DynamoMoneyStore(doc, () => names),
    };
  }

  function pass(coin: Readonly<CoinConfig>, shares: DynamoShareStores, money: DynamoMoneyStore) {
    return confirmCoin({
      coin,
      shares: shares.rounds,
      money,
      rules: bitcoinFamily.money.confirmation(coin),
      ...upstreamPorts(bitcoinFamily, coin, money),
      log: silentLog,
      now: () => 1_000,
    });
  }

  async function ingest(shares: DynamoShareStores, id: string, height: number, work: Array<[string, number]>) {
    await ingestBatch(shares.ingest, roundBatch(id, height, work), { claim: id, now: () => 1, leaseMs: 1000 });
  }

  /** Fresh tables, the first pass, alice's round at the next height, and 1 LTC paid to the pool address (unmined). */
  async function alicePaidOneCoin(coin: Readonly<CoinConfig>) {
    const devnet = net.get();
    const { shares, money } = await fresh();
    await pass(coin, shares, money);
    const tip = await devnet.clientA.getBlockCount();
    await ingest(shares, 'r1', tip + 1, [['alice', 1]]);
    await devnet.minerWallet.sendToAddress(devnet.poolAddress, COIN);
    return { shares, money, tip };
  }

  async function ledger(money: DynamoMoneyStore) {
    return balancesFromEntries(await money.listEntries('LTC'));
  }

  it('credits the proxied miners by their shares once the payment has its confirmations, with the fee, once', async () => {
    const devnet = net.get();
    const coin = coinConfig('PROP');
    const { shares, money } = await fresh();
    // The first pass marks where upstream payouts start: the pool wallet's float, received long before, is not one.
    expect((await pass(coin, shares, money)).upstream).toMatchObject({ recorded: 0 });
    const tip = await devnet.clientA.getBlockCount();
    await ingest(shares, 'r1', tip, [
      ['alice', 3],
      ['bob', 1],
    ]);
    await ingest(shares, 'r2', tip + 1, [['bob', 2]]);
    await ingest(shares, 'r3', tip + 5, [['carol', 50]]); // after the payment's block: not its period

    const amount = (3n * COIN) / 2n;
    const txid = await devnet.minerWallet.sendToAddress(devnet.poolAddress, amount);
    // Seen unconfirmed: recorded, not credited.
    expect((await pass(coin, shares, money)).upstream).toMatchObject({ recorded: 1, waiting: 1, credited: 0 });
    await devnet.mine(1);
    expect((await pass(coin, shares, money)).upstream).toMatchObject({ recorded: 0, waiting: 1, credited: 0 });
    expect(await money.listEntries('LTC')).toEqual([]);
    await devnet.mine(1);
    const report = (await pass(coin, shares, money)).upstream!;
    expect(report).toMatchObject({ credited: 1, creditedAmount: amount, waiting: 0 });

    const paid = await money.listUpstreamPayouts('LTC');
    const vout = (await devnet.poolWallet.getTransaction(txid)).details.find((d) => d.category === 'receive')!.vout;
    expect(paid).toMatchObject([{ id: `${txid}:${vout}`, amount, status: 'credited', height: tip + 1 }]);
    const fee = amount / 100n;
    const balances = await ledger(money);
    // PROP over rounds tip and tip+1: alice 3, bob 3 (carol's round is after the payment's block).
    expect(balances.get('alice')!.confirmed).toBe((amount - fee) / 2n);
    expect(balances.get('bob')!.confirmed).toBe((amount - fee) / 2n);
    expect(balances.has('carol')).toBe(false);
    expect(balances.get(devnet.feeAddress)!.confirmed).toBe(amount - 2n * ((amount - fee) / 2n));
    expect([...balances.values()].reduce((s, b) => s + b.confirmed, 0n)).toBe(amount);
    expect(await auditCoin(money, 'LTC')).toMatchObject({ ok: true });

    // Again: nothing more.
    const before = await money.listEntries('LTC');
    expect((await pass(coin, shares, money)).upstream).toMatchObject({ recorded: 0, credited: 0 });
    expect(await money.listEntries('LTC')).toHaveLength(before.length);
    expect(await auditCoin(money, 'LTC')).toMatchObject({ ok: true });
  });

  it("starts a PROP period after the previous payment's block, and records dust below the minimum as ignored", async () => {
    const devnet = net.get();
    const coin = coinConfig('PROP');
    const { shares, money, tip } = await alicePaidOneCoin(coin);
    await devnet.mine(2); // the first payment in tip + 1
    expect((await pass(coin, shares, money)).upstream).toMatchObject({ credited: 1 });
    await ingest(shares, 'r2', tip + 3, [['bob', 1]]);
    // Dust anyone may send: below proxy.minimumPayment (10,000 litoshi by default).
    const dust = await devnet.minerWallet.sendToAddress(devnet.poolAddress, 9_999n);
    await devnet.minerWallet.sendToAddress(devnet.poolAddress, COIN);
    await devnet.mine(2); // the second payment and the dust in tip + 3
    const report = (await pass(coin, shares, money)).upstream!;
    expect(report).toMatchObject({ recorded: 2, ignored: 1, credited: 1, creditedAmount: COIN });

    // The second payment pays bob only: alice's round is the first payment's period.
    const fee = COIN / 100n;
    const balances = await ledger(money);
    expect(balances.get('alice')!.confirmed).toBe(COIN - fee);
    expect(balances.get('bob')!.confirmed).toBe(COIN - fee);
    const recorded = await money.listUpstreamPayouts('LTC');
    expect(recorded.filter((p) => p.txid === dust)).toMatchObject([{ amount: 9_999n, status: 'ignored' }]);
    expect(recorded.find((p) => p.txid === dust)).not.toHaveProperty('credits');
    expect((await money.listEntries('LTC')).some((e) => e.ref.startsWith(dust))).toBe(false);
    expect(await auditCoin(money, 'LTC')).toMatchObject({ ok: true });
    // Seen again on the next passes: nothing more.
    await devnet.mine(1);
    expect((await pass(coin, shares, money)).upstream).toMatchObject({ recorded: 0, ignored: 0, credited: 0 });
  });

  it('splits a payment that lands long after the shares that earned it (heights without shares between)', async () => {
    const devnet = net.get();
    const start = await devnet.clientA.getBlockCount();
    const stores = { PROP: await fresh(), PPLNS: await fresh() };
    for (const { shares, money } of Object.values(stores)) {
      await money.setCursor('LTC', 'upstream-start', start);
      await ingest(shares, 'r1', start + 1, [
        ['alice', 3e-5],
        ['bob', 1e-5],
      ]);
    }
    // The upstream's coinbase matures (100 blocks on LTC), then it pays: 150 heights without a proxied share.
    await devnet.mine(150);
    await devnet.minerWallet.sendToAddress(devnet.poolAddress, COIN);
    await devnet.mine(2);
    const fee = COIN / 100n;
    for (const [distribution, { shares, money }] of Object.entries(stores)) {
      expect((await pass(coinConfig(distribution as 'PROP'), shares, money)).upstream).toMatchObject({ credited: 1 });
      const balances = await ledger(money);
      // Both: the only round there is, 3:1 (PPLNS's window on regtest is tiny, but it reaches back to a share).
      const alice = balances.get('alice')?.confirmed ?? 0n;
      const bob = balances.get('bob')?.confirmed ?? 0n;
      expect(alice + bob, distribution).toBeGreaterThan(0n);
      expect(balances.get(devnet.feeAddress)!.confirmed, distribution).toBeLessThan(fee + 10n);
      if (distribution === 'PROP') expect([alice, bob]).toEqual([((COIN - fee) * 3n) / 4n, ((COIN - fee) * 1n) / 4n]);
      expect(await auditCoin(money, 'LTC')).toMatchObject({ ok: true });
    }
  });

  it('reads as many ledger items for a PROP split after 40 earlier payments as after one', async () => {
    const devnet = net.get();
    const start = await devnet.clientA.getBlockCount();
    await devnet.minerWallet.sendToAddress(devnet.poolAddress, COIN);
    await devnet.mine(2);
    /** Items the pass reads from the ledger table (Query/Scan: scanned; Get: 1; BatchGet: each). */
    const readsOfPass = async (history: number) => {
      let read = 0;
      const counting = (doc: DynamoDBDocumentClient) =>
        new Proxy(doc, {
          get(target, prop, receiver) {
            if (prop !== 'send') return Reflect.get(target, prop, receiver);
            return async (command: never) => {
              const out = (await target.send(command)) as {
                ScannedCount?: number;
                Item?: unknown;
                Responses?: Record<string, unknown[]>;
              };
              read += out.ScannedCount ?? (out.Item ? 1 : 0);
              for (const items of Object.values(out.Responses ?? {})) read += items.length;
              return out;
            };
          },
        });
      const { shares, money, plain } = await fresh(counting);
      await plain.setCursor('LTC', 'upstream-start', start);
      await ingest(shares, 'r1', start + 1, [['alice', 1]]);
      // Earlier payments, settled long ago, each with its split marked below this one's period.
      for (let i = 0; i < history; i++) {
        const id = `${'0'.repeat(60)}${String(i).padStart(4, '0')}:0`;
        const old = { id, txid: id.slice(0, 64), vout: 0, amount: COIN, status: 'settled' as const, seenAt: i };
        await plain.recordUpstreamPayout('LTC', old);
        await plain.markUpstreamSplit('LTC', id, i);
      }
      read = 0;
      expect((await pass(coinConfig('PROP'), shares, money)).upstream).toMatchObject({ credited: 1 });
      return read;
    };
    // One earlier payment: its split item is the one more item read; forty: still that one.
    const one = await readsOfPass(1);
    expect(one).toBe((await readsOfPass(0)) + 1);
    expect(await readsOfPass(40)).toBe(one);
  });

  it('leaves out the change of its own payouts and coins from before the first pass', async () => {
    const devnet = net.get();
    const coin = coinConfig('PROP');
    const { shares, money } = await fresh();
    await devnet.minerWallet.sendToAddress(devnet.poolAddress, COIN); // before the first pass
    await devnet.mine(2);
    await pass(coin, shares, money);
    // The pool wallet pays someone, its change going back to the pool address.
    const raw = await devnet.poolWallet.call<string>('createrawtransaction', [[], [{ [devnet.minerAddress]: '0.1' }]]);
    const funded = await devnet.poolWallet.call<{ hex: string }>('fundrawtransaction', [
      raw,
      { changeAddress: devnet.poolAddress },
    ]);
    const signed = await devnet.poolWallet.call<{ hex: string }>('signrawtransactionwithwallet', [funded.hex]);
    await devnet.poolWallet.call('sendrawtransaction', [signed.hex]);
    await devnet.mine(3);
    expect((await pass(coin, shares, money)).upstream).toMatchObject({ recorded: 0, credited: 0 });
    expect(await money.listUpstreamPayouts('LTC')).toEqual([]);
  });

  it('crashing at any write, before or after it lands, and running again ends as a pass that never crashed', async () => {
    const devnet = net.get();
    const coin = coinConfig('PPLNS');
    const start = await devnet.clientA.getBlockCount();
    const amount = 2n * COIN;
    await devnet.minerWallet.sendToAddress(devnet.poolAddress, amount);
    await devnet.mine(2);
    const setUp = async (shares: DynamoShareStores, money: DynamoMoneyStore) => {
      await money.setCursor('LTC', 'upstream-start', start);
      await ingest(shares, 'r1', start, [['alice', 1e-5]]);
      await ingest(shares, 'r2', start + 1, [
        ['bob', 1e-5],
        ['alice', 2e-5],
      ]);
    };
    const reference = await fresh();
    await setUp(reference.shares, reference.money);
    await pass(coin, reference.shares, reference.money);
    const expected = (await reference.money.listEntries('LTC')).map((e) => `${e.id}=${e.amount}`).sort();
    expect(expected.length).toBeGreaterThanOrEqual(3); // alice, bob, the fee wallet
    expect(await auditCoin(reference.money, 'LTC')).toMatchObject({ ok: true });

    let crashes = 0;
    for (const afterWrite of [false, true]) {
      for (let crashAt = 0; ; crashAt++) {
        let writes = 0;
        let dead = false;
        // The process dies at its crashAt-th write: that write lands or not, and nothing after it is sent.
        const crashing = (doc: DynamoDBDocumentClient) =>
          new Proxy(doc, {
            get(target, prop, receiver) {
              if (prop !== 'send') return Reflect.get(target, prop, receiver);
              return async (command: { constructor: { name: string } }) => {
                if (dead) throw new Error('process is gone');
                const send = () => target.send(command as never);
                if (!WRITES.has(command.constructor.name) || writes++ !== crashAt) return send();
                dead = true;
                if (afterWrite) await send();
                throw new Error(`crash at write ${crashAt}`);
              };
            },
          });
        const { shares, money, plain } = await fresh(crashing);
        await setUp(shares, plain);
        const crashed = await pass(coin, shares, money).then(
          () => false,
          () => true,
        );
        if (!crashed) break; // past the last write
        crashes++;
        // The dead pass's lease runs out.
        await createDocumentClient(dynamo.client).send(
          new DeleteCommand({ TableName: dynamo.lastTables!.ledger, Key: { pk: 'STATE', sk: 'lease#confirm' } }),
        );
        await pass(coin, shares, plain);
        await pass(coin, shares, plain);
        const got = (await plain.listEntries('LTC')).map((e) => `${e.id}=${e.amount}`).sort();
        expect(got, `crash at write ${crashAt}${afterWrite ? ' after it landed' : ''}`).toEqual(expected);
        expect(await auditCoin(plain, 'LTC')).toMatchObject({ ok: true });
        expect(await plain.listUpstreamPayouts('LTC')).toMatchObject([{ status: 'credited', amount }]);
      }
    }
    expect(crashes).toBeGreaterThan(10);
  }, 120_000);

  it('waits while a reorg takes the payment out before its confirmations, and suspends payouts if one does after', async () => {
    const devnet = net.get();
    const coin = coinConfig('PROP');
    const { shares, money } = await alicePaidOneCoin(coin);
    const [block] = await devnet.mine(1);
    await pass(coin, shares, money);
    // Out of node A's chain: the payment is back in its mempool (0 confirmations).
    await devnet.clientA.call('invalidateblock', [block]);
    expect((await pass(coin, shares, money)).upstream).toMatchObject({ waiting: 1, credited: 0 });
    await devnet.clientA.call('reconsiderblock', [block]);
    await devnet.mine(1);
    expect((await pass(coin, shares, money)).upstream).toMatchObject({ credited: 1 });
    expect(await money.getSuspension('LTC')).toBeUndefined();

    // Credited, then out of the chain: its credits stand (they may be paid already) and payouts stop.
    await devnet.clientA.call('invalidateblock', [block]);
    try {
      await pass(coin, shares, money);
      expect(await money.getSuspension('LTC')).toMatch(/was credited and is out of the chain now/);
      expect((await ledger(money)).get('alice')!.confirmed).toBe(COIN - COIN / 100n);
      expect(await auditCoin(money, 'LTC')).toMatchObject({ ok: true });
    } finally {
      await devnet.clientA.call('reconsiderblock', [block]);
    }
  });
});
