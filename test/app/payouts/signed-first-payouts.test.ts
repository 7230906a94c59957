import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { type PayoutDeps, runPayouts } from '../../../app/payouts/payouts.js';
import { balancesFromEntries } from '../../../core/ledger/ledger.js';
import type { PayoutRecipient } from '../../../core/ledger/payouts.js';
import {
  PayoutConflictError,
  PayoutNotSentError,
  type SignedFirstSender,
  type SignedPayout,
} from '../../../core/ports/payout-sender.js';
import { type Dynamo, silentLog, startDynamo } from '../../helpers/dynamo.js';
import { maturedCredits } from '../../helpers/matured-credits.js';

const NOW = 1_700_000_000_000;
const FEE = 1_000n;
type Step = NonNullable<Parameters<NonNullable<PayoutDeps['crashAt']>>[0]>;

interface FakeTx {
  inputs: string[];
  outputs: PayoutRecipient[];
  /** Differs between two signings of the same payout (a fresh signature, another change address). */
  nonce: number;
}

/**
 * A UTXO chain standing in for btcd + btcwallet: a transaction spends outpoints, a second spend of one is refused
 * as a conflict, the same bytes twice are "already have", and what each address received is read from every
 * accepted transaction, so a payout paid twice shows.
 */
class FakeChain {
  private readonly unspent = new Map<string, bigint>();
  private readonly spentBy = new Map<string, string>();
  readonly mempool = new Map<string, FakeTx>();
  readonly mined = new Map<string, FakeTx>();
  prepared = 0;

  constructor(coins: bigint[]) {
    for (const [i, c] of coins.entries()) this.unspent.set(`coinbase${i}:0`, c);
  }

  received(address: string): bigint {
    let sum = 0n;
    for (const tx of [...this.mempool.values(), ...this.mined.values()])
      for (const o of tx.outputs) if (o.account === address) sum += o.amount;
    return sum;
  }

  /** Txids of accepted transactions that pay this address. */
  paying(address: string): string[] {
    return [...this.mempool, ...this.mined]
      .filter(([, tx]) => tx.outputs.some((o) => o.account === address))
      .map(([id]) => id);
  }

  mine(): void {
    for (const [id, tx] of this.mempool) this.mined.set(id, tx);
    this.mempool.clear();
  }

  /** The node restarted: its mempool is gone (btcd keeps none). */
  forgetMempool(): void {
    for (const tx of this.mempool.values()) for (const i of tx.inputs) this.spentBy.delete(i);
    this.mempool.clear();
  }

  /** Another wallet client spends the pool's coins. */
  spendAllElsewhere(): void {
    this.accept({ inputs: [...this.available().keys()], outputs: [{ account: 'elsewhere', amount: 1n }], nonce: -1 });
  }

  private available(): Map<string, bigint> {
    return new Map([...this.unspent].filter(([o]) => !this.spentBy.has(o)));
  }

  private accept(tx: FakeTx): string {
    const raw = JSON.stringify(tx, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    const txid = createHash('sha256').update(raw).digest('hex');
    for (const i of tx.inputs) this.spentBy.set(i, txid);
    this.mempool.set(txid, tx);
    return txid;
  }

  sender(over: Partial<SignedFirstSender> = {}): SignedFirstSender & { broadcasts: SignedPayout[] } {
    const broadcasts: SignedPayout[] = [];
    return {
      broadcasts,
      prepare: async (_id, recipients) => {
        const total = recipients.reduce((s, r) => s + r.amount, 0n) + FEE;
        const inputs: string[] = [];
        let have = 0n;
        for (const [o, v] of [...this.available()].sort(([a], [b]) => (a < b ? -1 : 1))) {
          if (have >= total) break;
          inputs.push(o);
          have += v;
        }
        if (have < total) throw new PayoutNotSentError(`insufficient funds: ${have} < ${total}`);
        const tx: FakeTx = { inputs, outputs: recipients, nonce: ++this.prepared };
        const raw = JSON.stringify(tx, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
        return { txid: createHash('sha256').update(raw).digest('hex'), raw };
      },
      broadcast: async (tx) => {
        broadcasts.push(tx);
        if (this.mempool.has(tx.txid) || this.mined.has(tx.txid)) return tx.txid; // already have it
        const parsed = JSON.parse(tx.raw) as { inputs: string[]; outputs: { account: string; amount: string }[] };
        const spent = parsed.inputs.find((i) => this.spentBy.has(i) || !this.unspent.has(i));
        if (spent) throw new PayoutConflictError(`output ${spent} already spent`);
        const outputs = parsed.outputs.map((o) => ({ account: o.account, amount: BigInt(o.amount) }));
        return this.accept({ inputs: parsed.inputs, outputs, nonce: JSON.parse(tx.raw).nonce });
      },
      confirmations: async (txid) => (this.mined.has(txid) ? 1 : 0),
      spendable: async () => [...this.available().values()].reduce((s, v) => s + v, 0n),
      ...over,
    };
  }
}

/**
 * The payouts machine with a signed-first sender (sign, record on the payout, then broadcast) on dynalite, each pass
 * with a new sender as a new Lambda process would have; the fake chain says what was paid.
 */
describe('signed-first payouts, exactly once through runPayouts', () => {
  let dynamo: Dynamo;
  let money: DynamoMoneyStore;
  let coin = 'BTC';
  let seq = 0;

  beforeAll(async () => {
    dynamo = await startDynamo();
  }, 60_000);
  afterAll(async () => {
    await dynamo?.close();
  });

  /** Fresh tables, and miners credited by a matured block: a confirmed balance each. */
  async function credit(amounts: bigint[]): Promise<Map<string, bigint>> {
    coin = 'BTC';
    await dynamo.freshStore(coin);
    const tables = dynamo.lastTables!;
    money = new DynamoMoneyStore(createDocumentClient(dynamo.client), () => tables);
    const owed = new Map(amounts.map((a) => [`miner${++seq}`, a] as const));
    const entries = maturedCredits(owed, 'block-1', NOW);
    await money.putEntries(coin, entries);
    return owed;
  }

  const deps = (sender: SignedFirstSender, crashAt?: PayoutDeps['crashAt']): PayoutDeps => ({
    coin,
    policy: { minimum: 1_000n, maxRecipients: 50 },
    money,
    sender,
    log: silentLog,
    now: () => NOW,
    crashAt,
  });
  const crashAt = (step: Step) => (s: Step) => {
    if (s === step) throw new Error(`crash ${s}`);
  };

  async function expectPaidOnce(chain: FakeChain, owed: Map<string, bigint>) {
    const txids = new Set<string>();
    for (const [account, amount] of owed) {
      expect(chain.received(account)).toBe(amount); // once, to the satoshi
      for (const t of chain.paying(account)) txids.add(t);
    }
    expect(txids.size).toBe(1); // one transaction paid them all
    const balances = balancesFromEntries(await money.listEntries(coin));
    for (const [account, amount] of owed)
      expect(balances.get(account)).toMatchObject({ confirmed: 0n, pending: 0n, paid: amount });
    const [payout] = await money.listPayouts(coin);
    expect(payout).toMatchObject({ status: 'confirmed', txid: [...txids][0] });
  }

  /** The pass after a crash, a block, and the pass that confirms. */
  async function recover(chain: FakeChain) {
    await runPayouts(deps(chain.sender()));
    chain.mine();
    return runPayouts(deps(chain.sender()));
  }

  it('pays each recipient once with the transaction it recorded before broadcasting it', async () => {
    const owed = await credit([150_000_000n, 2_345_678n]);
    const chain = new FakeChain([50_0000_0000n]);
    const sender = chain.sender();
    const first = await runPayouts(deps(sender));
    expect(first).toMatchObject({ status: 'progressed', payouts: [{ status: 'sent' }] });
    const [payout] = await money.listPayouts(coin);
    expect(payout!.signedTx).toBe(sender.broadcasts[0]!.raw); // what went out is what was recorded
    expect(payout!.txid).toBe(sender.broadcasts[0]!.txid);
    chain.mine();
    expect(await runPayouts(deps(chain.sender()))).toMatchObject({ payouts: [{ status: 'confirmed' }] });
    await expectPaidOnce(chain, owed);
  });

  it('a crash after signing, before recording, signs a new transaction: the first was never broadcast', async () => {
    const owed = await credit([70_000_000n, 30_000_000n]);
    const chain = new FakeChain([50_0000_0000n]);
    await expect(runPayouts(deps(chain.sender(), crashAt('after-prepare')))).rejects.toThrow('crash after-prepare');
    const [stuck] = await money.listPayouts(coin);
    expect(stuck).toMatchObject({ status: 'sending' });
    expect(stuck!.signedTx).toBeUndefined();
    expect(chain.mempool.size).toBe(0);

    expect(await recover(chain)).toMatchObject({ payouts: [{ status: 'confirmed' }] });
    expect(chain.prepared).toBe(2);
    await expectPaidOnce(chain, owed);
  });

  it('a crash after recording, before broadcasting, broadcasts the recorded transaction and signs no other', async () => {
    const owed = await credit([70_000_000n, 30_000_000n, 5_000n]);
    const chain = new FakeChain([50_0000_0000n]);
    await expect(runPayouts(deps(chain.sender(), crashAt('after-record')))).rejects.toThrow('crash after-record');
    const [stuck] = await money.listPayouts(coin);
    expect(stuck).toMatchObject({ status: 'sending' });
    expect(stuck!.signedTx).toBeDefined();
    expect(chain.mempool.size).toBe(0);

    const sender = chain.sender();
    expect(await runPayouts(deps(sender))).toMatchObject({ payouts: [{ status: 'sent', txid: stuck!.txid }] });
    expect(sender.broadcasts).toEqual([{ txid: stuck!.txid, raw: stuck!.signedTx }]);
    chain.mine();
    expect(await runPayouts(deps(chain.sender()))).toMatchObject({ payouts: [{ status: 'confirmed' }] });
    expect(chain.prepared).toBe(1);
    await expectPaidOnce(chain, owed);
  });

  it('a crash after broadcasting, before recording sent, broadcasts the same bytes again (the node has them)', async () => {
    const owed = await credit([70_000_000n, 30_000_000n]);
    const chain = new FakeChain([50_0000_0000n]);
    await expect(runPayouts(deps(chain.sender(), crashAt('after-send')))).rejects.toThrow('crash after-send');
    expect(chain.mempool.size).toBe(1); // it went out
    const [stuck] = await money.listPayouts(coin);
    expect(stuck).toMatchObject({ status: 'sending', txid: [...chain.mempool.keys()][0] });

    expect(await recover(chain)).toMatchObject({ payouts: [{ status: 'confirmed' }] });
    expect(chain.prepared).toBe(1);
    await expectPaidOnce(chain, owed);
  });

  it('a sent transaction the node forgot (restart, eviction) is broadcast again from the record', async () => {
    const owed = await credit([70_000_000n]);
    const chain = new FakeChain([50_0000_0000n]);
    await runPayouts(deps(chain.sender()));
    chain.forgetMempool();
    expect(chain.received([...owed.keys()][0]!)).toBe(0n);
    const sender = chain.sender();
    expect(await runPayouts(deps(sender))).toMatchObject({ payouts: [{ status: 'sent' }] });
    expect(sender.broadcasts).toHaveLength(1);
    chain.mine();
    expect(await runPayouts(deps(chain.sender()))).toMatchObject({ payouts: [{ status: 'confirmed' }] });
    await expectPaidOnce(chain, owed);
  });

  it('a recorded transaction whose inputs were spent elsewhere suspends payouts and signs nothing new', async () => {
    const owed = await credit([70_000_000n]);
    const chain = new FakeChain([50_0000_0000n]);
    await expect(runPayouts(deps(chain.sender(), crashAt('after-record')))).rejects.toThrow('crash after-record');
    chain.spendAllElsewhere();
    const next = await runPayouts(deps(chain.sender()));
    expect(next).toMatchObject({ status: 'suspended', reason: expect.stringContaining('cannot be mined') });
    expect(await runPayouts(deps(chain.sender()))).toMatchObject({ status: 'suspended' });
    expect(chain.prepared).toBe(1);
    expect(chain.received([...owed.keys()][0]!)).toBe(0n);
    const [payout] = await money.listPayouts(coin);
    expect(payout).toMatchObject({ status: 'sending' }); // left for the operator, its amounts still reserved
    expect(balancesFromEntries(await money.listEntries(coin)).get([...owed.keys()][0]!)).toMatchObject({
      pending: 70_000_000n,
    });
  });

  it('a payout the wallet cannot sign goes back to pending and suspends payouts, nothing broadcast', async () => {
    await credit([70_000_000n]);
    const chain = new FakeChain([50_0000_0000n]);
    const locked = chain.sender({
      prepare: async () => {
        throw new PayoutNotSentError('the wallet is locked');
      },
    });
    expect(await runPayouts(deps(locked))).toMatchObject({ status: 'suspended' });
    expect((await money.listPayouts(coin))[0]).toMatchObject({ status: 'pending' });
    expect(locked.broadcasts).toEqual([]);
  });

  it('of two runs that signed the same payout, only the first recorded transaction is ever broadcast', async () => {
    const owed = await credit([70_000_000n]);
    const chain = new FakeChain([50_0000_0000n]);
    // A stale run (a frozen Lambda resumed) records its own signing just after this run signed.
    const sender = chain.sender();
    const racing = chain.sender({
      prepare: async (id, recipients) => {
        const mine = await sender.prepare(id, recipients);
        const theirs = await sender.prepare(id, recipients);
        expect(await money.recordSignedPayout(coin, id, theirs)).toBe(true);
        return mine;
      },
    });
    expect(await runPayouts(deps(racing))).toMatchObject({ payouts: [{ status: 'busy' }] });
    expect(racing.broadcasts).toEqual([]);
    expect(await recover(chain)).toMatchObject({ payouts: [{ status: 'confirmed' }] });
    await expectPaidOnce(chain, owed);
  });
});
