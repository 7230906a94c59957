import { randomBytes } from 'node:crypto';
import { bech32m } from 'bech32';
import { Block, payments, Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { BtcwalletPayoutSender } from '../../../adapters/rpc/btcwallet-payout-sender.js';
import { type PayoutDeps, runPayouts } from '../../../app/payouts/payouts.js';
import { addressToOutputScript } from '../../../core/coins/address.js';
import { coinNetworks, getCoin } from '../../../core/coins/registry.js';
import { balancesFromEntries } from '../../../core/ledger/ledger.js';
import { BTC_WALLET_PASSPHRASE } from '../../../local/devnet/btcd.js';
import { withBtcDevnet } from '../../helpers/btc-devnet.js';
import { type Dynamo, silentLog, startDynamo } from '../../helpers/dynamo.js';
import { maturedCredits } from '../../helpers/matured-credits.js';

const NOW = 1_700_000_000_000;
const BTC = getCoin('BTC');
const SIMNET = coinNetworks(BTC, 'simnet')[0];
const FEE_RATE = 3n;
type Step = NonNullable<Parameters<NonNullable<PayoutDeps['crashAt']>>[0]>;

/** A fresh address of each format btcwallet cannot make but btcd pays: legacy S…, P2SH r…, bech32 sb1q…, taproot sb1p…. */
function addressesOfEveryFormat(): string[] {
  const hash = () => randomBytes(20);
  return [
    payments.p2pkh({ hash: hash(), network: SIMNET }).address!,
    payments.p2sh({ hash: hash(), network: SIMNET }).address!,
    payments.p2wpkh({ hash: hash(), network: SIMNET }).address!,
    // bech32m witness v1 (BIP350): written from the program, bitcoinjs's p2tr would want an EC library.
    bech32m.encode(SIMNET.bech32, [1, ...bech32m.toWords(randomBytes(32))]),
  ];
}

/**
 * The payouts machine with the btcwallet sender on the BTC devnet (btcd --simnet + btcwallet, segwit and taproot
 * active) and the ledger on dynalite; each pass with a new sender, as a new Lambda process would have. What was paid
 * is read from the blocks btcd mined.
 */
describe('BTC payouts through btcwallet, signed first, exactly once', () => {
  const net = withBtcDevnet();
  let dynamo: Dynamo;
  let money: DynamoMoneyStore;
  let blocks = 0;

  beforeAll(async () => {
    dynamo = await startDynamo();
    await dynamo.freshStore('BTC');
    const tables = dynamo.lastTables!;
    money = new DynamoMoneyStore(createDocumentClient(dynamo.client), () => tables);
  }, 60_000);
  afterAll(async () => {
    await dynamo?.close();
  });

  /** `null`: no passphrase configured. */
  const sender = (passphrase: string | null = BTC_WALLET_PASSPHRASE) =>
    new BtcwalletPayoutSender({
      wallet: net.get().walletClient,
      coin: BTC,
      network: 'simnet',
      poolAddress: net.get().poolAddress,
      feeRate: FEE_RATE,
      ...(passphrase ? { passphrase } : {}),
    });
  const deps = (crashAt?: PayoutDeps['crashAt'], s = sender()): PayoutDeps => ({
    coin: 'BTC',
    policy: { minimum: 1_000n, maxRecipients: 50 },
    money,
    sender: s,
    log: silentLog,
    now: () => NOW,
    crashAt,
  });

  /** Miners credited by a matured block: a confirmed balance each. */
  async function credit(owed: Map<string, bigint>): Promise<void> {
    const block = `block-${++blocks}`;
    const entries = maturedCredits(owed, block, NOW);
    await money.putEntries('BTC', entries);
  }

  /** Every transaction in the blocks above `from` and in the mempool, decoded from btcd's raw bytes. */
  async function transactionsSince(from: number): Promise<Transaction[]> {
    const node = net.get().node;
    const txs: Transaction[] = [];
    const tip = await node.getBlockCount();
    for (let h = from + 1; h <= tip; h++) {
      const hash = await node.call<string>('getblockhash', [h]);
      txs.push(...(Block.fromHex(await node.call<string>('getblock', [hash, 0])).transactions ?? []));
    }
    for (const id of await node.call<string[]>('getrawmempool', []))
      txs.push(Transaction.fromHex(await node.call<string>('getrawtransaction', [id, 0])));
    return txs;
  }

  /** The transactions among `txs` paying any of the addresses, and what each address received in them. */
  function paid(txs: Transaction[], addresses: string[]) {
    const scripts = new Map(addresses.map((a) => [addressToOutputScript(BTC, 'simnet', a).toString('hex'), a]));
    const received = new Map(addresses.map((a) => [a, 0n]));
    const paying = txs.filter((tx) => tx.outs.some((o) => scripts.has(Buffer.from(o.script).toString('hex'))));
    for (const tx of paying)
      for (const o of tx.outs) {
        const a = scripts.get(Buffer.from(o.script).toString('hex'));
        if (a) received.set(a, received.get(a)! + o.value);
      }
    return { paying, received };
  }

  it('pays legacy, P2SH, bech32 and taproot addresses their exact amounts in one mined transaction; wallet and ledger agree', async () => {
    const addresses = addressesOfEveryFormat();
    const owed = new Map(addresses.map((a, i) => [a, [150_000_000n, 2_345_678n, 100_000n, 77_777_777n][i]!]));
    await credit(owed);
    const height = await net.get().node.getBlockCount();
    const before = await sender().spendable();

    const first = await runPayouts(deps());
    expect(first).toMatchObject({ status: 'progressed', payouts: [{ status: 'sent' }] });
    await net.get().mine(1);
    const second = await runPayouts(deps());
    expect(second).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });

    const { paying, received } = paid(await transactionsSince(height), addresses);
    expect(paying).toHaveLength(1);
    const [tx] = paying;
    const [payout] = await money.listPayouts('BTC');
    expect(tx!.getId()).toBe(payout!.txid);
    expect(tx!.toHex()).toBe(payout!.signedTx); // the mined bytes are the recorded bytes
    for (const [a, amount] of owed) expect(received.get(a)).toBe(amount); // to the satoshi, once
    // The rest of the transaction: change back to the pool address; fee = inputs − outputs, at the fee rate.
    const poolScript = addressToOutputScript(BTC, 'simnet', net.get().poolAddress).toString('hex');
    const change = tx!.outs.filter((o) => Buffer.from(o.script).toString('hex') === poolScript);
    expect(tx!.outs).toHaveLength(owed.size + change.length);
    const total = [...owed.values()].reduce((s, v) => s + v, 0n);
    const after = await sender().spendable();
    const fee = before - after - total;
    expect(fee >= BigInt(tx!.virtualSize()) * FEE_RATE).toBe(true);
    expect(fee <= BigInt(tx!.virtualSize() + 4) * FEE_RATE).toBe(true); // estimated at the largest signature size
    const balances = balancesFromEntries(await money.listEntries('BTC'));
    for (const [a, amount] of owed) expect(balances.get(a)).toMatchObject({ confirmed: 0n, pending: 0n, paid: amount });
  }, 120_000);

  it('a crash between broadcast and recording sent recovers without a second transaction', async () => {
    const addresses = addressesOfEveryFormat().reverse();
    const owed = new Map(addresses.map((a, i) => [a, 10_000_000n + BigInt(i) * 1_234n]));
    await credit(owed);
    const height = await net.get().node.getBlockCount();
    const crash = (s: Step) => {
      if (s === 'after-send') throw new Error(`crash ${s}`);
    };
    await expect(runPayouts(deps(crash))).rejects.toThrow('crash after-send');
    const open = (await money.listPayouts('BTC')).find((p) => p.status === 'sending');
    expect(open?.txid).toBeDefined();
    expect(await net.get().node.call<string[]>('getrawmempool', [])).toContain(open!.txid); // it went out

    expect(await runPayouts(deps())).toMatchObject({ payouts: [{ id: open!.id, status: 'sent', txid: open!.txid }] });
    await net.get().mine(1);
    expect(await runPayouts(deps())).toMatchObject({ payouts: [{ id: open!.id, status: 'confirmed' }] });
    expect(await runPayouts(deps())).toEqual({ status: 'idle' });

    const { paying, received } = paid(await transactionsSince(height), addresses);
    expect(paying.map((t) => t.getId())).toEqual([open!.txid]);
    for (const [a, amount] of owed) expect(received.get(a)).toBe(amount);
  }, 120_000);

  it('a locked wallet without its passphrase refuses to sign: back to pending, payouts suspended, nothing broadcast', async () => {
    const addresses = addressesOfEveryFormat();
    await credit(new Map(addresses.map((a) => [a, 5_000_000n])));
    const height = await net.get().node.getBlockCount();
    await net.get().walletClient.call('walletlock', []);
    const report = await runPayouts(deps(undefined, sender(null)));
    expect(report).toMatchObject({ status: 'suspended', reason: expect.stringContaining('walletPassphrase') });
    const open = (await money.listPayouts('BTC')).find((p) => p.status !== 'confirmed');
    expect(open).toMatchObject({ status: 'pending' });
    expect(open!.signedTx).toBeUndefined();
    expect(paid(await transactionsSince(height), addresses).paying).toEqual([]);
  }, 120_000);
});
