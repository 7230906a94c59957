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
    const mark = await new WalletPayoutSender(payer, 8).historyMark(); // taken before the first attempt
    const txid = await new WalletPayoutSender(payer, 8).send('LTC-2-bbbbbb', to);
    await buryUnderWalletTransactions(net.get(), payer, 1_001);
    expect(await inLastThousand('LTC-2-bbbbbb')).toBe(0); // a lookup of the last 1,000 would answer "never sent"

    // From the record's mark, and (a record from before marks) over the whole history.
    for (const from of [mark, undefined]) {
      const found = await new WalletPayoutSender(payer, 8).findPayout('LTC-2-bbbbbb', from);
      expect(found).toHaveLength(1);
      expect(found[0]!.txid).toBe(txid);
      expect(found[0]!.outputs).toHaveLength(3);
      expect(found[0]!.outputs).toEqual(expect.arrayContaining(to));
    }
  }, 120_000);

  it('reports every transaction carrying the id, however far apart (a payout sent twice suspends the coin)', async () => {
    const mark = await new WalletPayoutSender(payer, 8).historyMark();
    const first = await new WalletPayoutSender(payer, 8).send('LTC-3-cccccc', await recipients(200_000n));
    await buryUnderWalletTransactions(net.get(), payer, 1_001);
    const second = await new WalletPayoutSender(payer, 8).send('LTC-3-cccccc', await recipients(300_000n));
    for (const from of [mark, undefined]) {
      const found = await new WalletPayoutSender(payer, 8).findPayout('LTC-3-cccccc', from);
      expect(found.map((f) => f.txid).sort()).toEqual([first, second].sort());
    }
  }, 120_000);

  it('reads from the mark on: the blocks after it and the unconfirmed transactions, nothing older', async () => {
    const sender = () => new WalletPayoutSender(payer, 8);
    // The same id before the mark, to tell what is read.
    const before = await sender().send('LTC-4-dddddd', await recipients(100_000n));
    await net.get().mine(1);
    const mark = await sender().historyMark();
    const after = await sender().send('LTC-4-dddddd', await recipients(200_000n));
    expect((await sender().findPayout('LTC-4-dddddd', mark)).map((f) => f.txid)).toEqual([after]); // in the mempool
    await net.get().mine(1);
    expect((await sender().findPayout('LTC-4-dddddd', mark)).map((f) => f.txid)).toEqual([after]); // in a block
    expect((await sender().findPayout('LTC-4-dddddd')).map((f) => f.txid).sort()).toEqual([before, after].sort());
    // A mark the node does not know (a node synced anew): the whole history.
    const unknown = await sender().findPayout('LTC-4-dddddd', '11'.repeat(32));
    expect(unknown.map((f) => f.txid).sort()).toEqual([before, after].sort());
  }, 60_000);
});
