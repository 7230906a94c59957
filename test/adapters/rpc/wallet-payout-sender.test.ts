import { beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from '../../../adapters/rpc/daemon-client.js';
import { WalletPayoutSender } from '../../../adapters/rpc/wallet-payout-sender.js';
import type { PayoutRecipient } from '../../../core/ledger/payouts.js';
import { withDevnet } from '../../helpers/devnet.js';
import { buryUnderWalletTransactions, payerAndPayees } from '../../helpers/devnet-wallets.js';

/**
 * The Bitcoin-family payout sender against a regtest litecoind wallet (`payer`), paying addresses of another wallet
 * (`payees`) on the same node. A new sender per lookup, as a new process after a crash would have.
 */
describe('WalletPayoutSender on a regtest litecoind wallet', () => {
  const net = withDevnet();
  let payer: DaemonClient;
  let payees: DaemonClient;

  beforeAll(async () => {
    ({ payer, payees } = await payerAndPayees(net.get()));
  }, 60_000);

  const recipients = async (...amounts: bigint[]): Promise<PayoutRecipient[]> =>
    Promise.all(amounts.map(async (amount) => ({ account: await payees.getNewAddress('', 'bech32'), amount })));

  /** Entries of the wallet's last 1,000 (what a lookup limited to them sees) carrying the comment. */
  const inLastThousand = async (comment: string) =>
    (await payer.call<Array<{ comment?: string }>>('listtransactions', ['*', 1000, 0, true])).filter(
      (t) => t.comment === comment,
    ).length;

  it('sends exact amounts with the payout id as the comment, and finds the transaction by it', async () => {
    const to = await recipients(123_456_789n, 100_000n);
    const txid = await new WalletPayoutSender(payer, 8).send('LTC-1-aaaaaa', to);
    const [found, ...more] = await new WalletPayoutSender(payer, 8).findPayout('LTC-1-aaaaaa');
    expect(more).toEqual([]);
    expect(found!.txid).toBe(txid);
    expect(found!.outputs).toHaveLength(2);
    expect(found!.outputs).toEqual(expect.arrayContaining(to));
    expect(await new WalletPayoutSender(payer, 8).findPayout('LTC-1-unknown')).toEqual([]);
  });

  it('finds a payout under more than 1,000 later wallet transactions, so it is not taken for unsent', async () => {
    const to = await recipients(250_000_000n, 1_234_567n, 100_000n);
    const attempt = Date.now(); // the record's creation, before the send
    const txid = await new WalletPayoutSender(payer, 8).send('LTC-2-bbbbbb', to);
    await buryUnderWalletTransactions(net.get(), payer, 1_001);
    expect(await inLastThousand('LTC-2-bbbbbb')).toBe(0); // a lookup of the last 1,000 would answer "never sent"

    // From the block a day before the attempt (what the payouts machine asks), and over the whole history.
    for (const since of [attempt, undefined]) {
      const found = await new WalletPayoutSender(payer, 8).findPayout('LTC-2-bbbbbb', since);
      expect(found).toHaveLength(1);
      expect(found[0]!.txid).toBe(txid);
      expect(found[0]!.outputs).toHaveLength(3);
      expect(found[0]!.outputs).toEqual(expect.arrayContaining(to));
    }
  }, 120_000);

  it('reports every transaction carrying the id, however far apart (a payout sent twice suspends the coin)', async () => {
    const first = await new WalletPayoutSender(payer, 8).send('LTC-3-cccccc', await recipients(200_000n));
    await buryUnderWalletTransactions(net.get(), payer, 1_001);
    const second = await new WalletPayoutSender(payer, 8).send('LTC-3-cccccc', await recipients(300_000n));
    const found = await new WalletPayoutSender(payer, 8).findPayout('LTC-3-cccccc');
    expect(found.map((f) => f.txid).sort()).toEqual([first, second].sort());
  }, 120_000);

  // Last: the nodes' clocks stay three days ahead from here on.
  it('from a day before the attempt, reads back past every later transaction and stops at older ones', async () => {
    const devnet = net.get();
    // A first lookup of 10 entries, doubled until it reaches entries older than a day before the attempt.
    const sender = () => new WalletPayoutSender(payer, 8, 10);
    const before = await sender().send('LTC-6-ffffff', await recipients(100_000n));
    await buryUnderWalletTransactions(devnet, payer, 30);
    const attempt = Date.now() + 3 * 24 * 3_600_000;
    for (const node of [devnet.clientA, devnet.clientB]) await node.call('setmocktime', [Math.floor(attempt / 1000)]);
    const txid = await sender().send('LTC-6-ffffff', await recipients(200_000n));
    await buryUnderWalletTransactions(devnet, payer, 30);

    // The transaction three days before the attempt (the same id, to tell) is not read; the whole history has both.
    expect((await sender().findPayout('LTC-6-ffffff', attempt)).map((f) => f.txid)).toEqual([txid]);
    expect((await sender().findPayout('LTC-6-ffffff')).map((f) => f.txid).sort()).toEqual([before, txid].sort());
  }, 60_000);
});
