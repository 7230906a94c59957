import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import type { DaemonClient } from '../../../adapters/rpc/daemon-client.js';
import { WalletPayoutSender } from '../../../adapters/rpc/wallet-payout-sender.js';
import { PAYOUTS_LEASE, type PayoutDeps, runPayouts } from '../../../app/payouts/payouts.js';
import { balancesFromEntries } from '../../../core/ledger/ledger.js';
import { parseAmount } from '../../../core/ledger/payouts.js';
import { withDevnet } from '../../helpers/devnet.js';
import { buryUnderWalletTransactions, payerAndPayees } from '../../helpers/devnet-wallets.js';
import { type Dynamo, silentLog, startDynamo } from '../../helpers/dynamo.js';
import { maturedCredits } from '../../helpers/matured-credits.js';

const NOW = 1_700_000_000_000;
type Step = NonNullable<Parameters<NonNullable<PayoutDeps['crashAt']>>[0]>;

/**
 * The exactly-once payout machine (lambdas/payouts) with the wallet RPC sender on a regtest litecoind wallet
 * (`payer`, paying addresses of `payees`) and the money store on dynalite; each pass with a new sender, as a new
 * Lambda process would have.
 */
describe('wallet payouts, exactly once through runPayouts', () => {
  const net = withDevnet();
  let dynamo: Dynamo;
  let money: DynamoMoneyStore;
  let payer: DaemonClient;
  let payees: DaemonClient;
  let blocks = 0;

  beforeAll(async () => {
    const devnet = net.get();
    dynamo = await startDynamo();
    await dynamo.freshStore('LTC');
    const tables = dynamo.lastTables!;
    money = new DynamoMoneyStore(createDocumentClient(dynamo.client), () => tables);
    ({ payer, payees } = await payerAndPayees(devnet));
  }, 60_000);
  afterAll(async () => {
    await dynamo?.close();
  });

  /** Miners (new payee addresses) credited by a block that matured: a confirmed balance each. */
  async function credit(amounts: bigint[]): Promise<Map<string, bigint>> {
    const block = `block-${++blocks}`;
    const owed = new Map<string, bigint>();
    for (const amount of amounts) owed.set(await payees.getNewAddress('', 'bech32'), amount);
    const entries = maturedCredits(owed, block, NOW);
    await money.putEntries('LTC', entries);
    return owed;
  }

  const deps = (crashAt?: PayoutDeps['crashAt'], confirmations?: number): PayoutDeps => ({
    coin: 'LTC',
    policy: { minimum: 1_000n, maxRecipients: 50 },
    ...(confirmations === undefined ? {} : { confirmations }),
    money,
    sender: new WalletPayoutSender(payer, 8),
    log: silentLog,
    now: () => NOW,
    crashAt,
  });

  /** What an address received, with 0 confirmations: a second payment would show at once. */
  const received = async (address: string) =>
    parseAmount(await payees.call<number>('getreceivedbyaddress', [address, 0]));

  it('a payout that died after sendmany is found under more than 1,000 later wallet transactions, not sent again', async () => {
    const owed = await credit([150_000_000n, 2_345_678n, 100_000n]);
    const crash = (s: Step) => {
      if (s === 'after-send') throw new Error(`crash ${s}`);
    };
    await expect(runPayouts(deps(crash))).rejects.toThrow('crash after-send');
    const [payout] = await money.listPayouts('LTC');
    expect(payout).toMatchObject({ status: 'sending' }); // went out; the record does not know its txid
    expect(payout!.txid).toBeUndefined();
    expect(payout!.historyMark).toBe(await net.get().clientA.getBestBlockHash()); // the tip before the attempt

    // Blocks found, other payouts: the wallet moves on before the next pass looks.
    await buryUnderWalletTransactions(net.get(), payer, 1_001);

    const next = await runPayouts(deps());
    expect(next).toMatchObject({ status: 'progressed', payouts: [{ id: payout!.id, status: 'confirmed' }] });
    expect(await runPayouts(deps())).toEqual({ status: 'idle' });
    const found = await new WalletPayoutSender(payer, 8).findPayout(payout!.id);
    expect(found).toHaveLength(1); // one transaction carries the payout id
    expect((await money.listPayouts('LTC'))[0]!.txid).toBe(found[0]!.txid);
    const balances = balancesFromEntries(await money.listEntries('LTC'));
    for (const [account, amount] of owed) {
      expect(await received(account)).toBe(amount); // paid once, to the litoshi
      expect(balances.get(account)).toMatchObject({ confirmed: 0n, pending: 0n, paid: amount });
    }
  }, 120_000);

  it('two passes at once (a scheduled pass and `pool payouts run`) send a payout once and suspend nothing', async () => {
    const owed = await credit([7_000_000n, 3_000_000n]);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // The first pass's sendmany takes a while (a busy wallet): the second pass starts while it is in flight.
    const slow = new WalletPayoutSender(payer, 8);
    const send = slow.send.bind(slow);
    slow.send = async (id, recipients) => {
      await sleep(1_500);
      return send(id, recipients);
    };
    const first = runPayouts({ ...deps(), sender: slow });
    await sleep(300);
    const second = await runPayouts(deps());
    const sent = await first;
    expect(sent).toMatchObject({ status: 'progressed', payouts: [{ status: 'sent' }] });
    const txid = (sent as { payouts: Array<{ txid: string }> }).payouts[0]!.txid;
    // The second pass waited for the first one's lease, then found its payout sent and not yet mined.
    expect(second).toEqual({ status: 'progressed', payouts: [{ id: expect.any(String), status: 'sent', txid }] });
    expect(await money.getSuspension('LTC')).toBeUndefined();
    for (const [account, amount] of owed) expect(await received(account)).toBe(amount); // once
    await net.get().mine(1);
    expect(await runPayouts(deps())).toMatchObject({ payouts: [{ txid, status: 'confirmed' }] });
    const balances = balancesFromEntries(await money.listEntries('LTC'));
    for (const [account, amount] of owed) expect(balances.get(account)).toMatchObject({ pending: 0n, paid: amount });
  }, 120_000);

  it('reports busy and pays nothing while another pass holds the payouts lease, then pays once it is free', async () => {
    const owed = await credit([5_000_000n]);
    const now = Date.now();
    expect(await money.acquireLease('LTC', PAYOUTS_LEASE, 'another-pass', now, now + 60_000)).toBe(true);
    const untouched = new WalletPayoutSender(payer, 8);
    untouched.send = () => Promise.reject(new Error('a pass without the lease sent'));
    expect(await runPayouts({ ...deps(), sender: untouched, lease: { waitMs: 300, pollMs: 100 } })).toEqual({
      status: 'busy',
    });
    const [account] = [...owed.keys()];
    expect(balancesFromEntries(await money.listEntries('LTC')).get(account!)).toMatchObject({ pending: 0n, paid: 0n });
    await money.releaseLease('LTC', PAYOUTS_LEASE, 'another-pass');
    const paid = await runPayouts(deps());
    expect(paid).toMatchObject({ status: 'progressed', payouts: [{ status: 'sent' }] });
    expect(await received(account!)).toBe(owed.get(account!));
    await net.get().mine(1);
    expect(await runPayouts(deps())).toMatchObject({ payouts: [{ status: 'confirmed' }] });
  }, 120_000);

  it('keeps a payout sent until its transaction is payouts.confirmations deep, then settles it once', async () => {
    const owed = await credit([40_000_000n, 1_000_000n]);
    const first = await runPayouts(deps(undefined, 3));
    expect(first).toMatchObject({ status: 'progressed', payouts: [{ status: 'sent' }] });
    const txid = (first as { payouts: Array<{ txid: string }> }).payouts[0]!.txid;
    for (const depth of [1, 2]) {
      await net.get().mine(1);
      expect(await new WalletPayoutSender(payer, 8).confirmations(txid)).toBe(depth);
      // Mined, not yet deep enough: still sent, its amounts still reserved, nothing planned beside it.
      expect(await runPayouts(deps(undefined, 3))).toMatchObject({ payouts: [{ txid, status: 'sent' }] });
      const balances = balancesFromEntries(await money.listEntries('LTC'));
      for (const [account, amount] of owed) expect(balances.get(account)).toMatchObject({ pending: amount, paid: 0n });
    }
    await net.get().mine(1);
    expect(await runPayouts(deps(undefined, 3))).toMatchObject({ payouts: [{ txid, status: 'confirmed' }] });
    expect(await runPayouts(deps(undefined, 3))).toEqual({ status: 'idle' });
    const balances = balancesFromEntries(await money.listEntries('LTC'));
    for (const [account, amount] of owed) {
      expect(await received(account)).toBe(amount);
      expect(balances.get(account)).toMatchObject({ confirmed: 0n, pending: 0n, paid: amount });
    }
  }, 120_000);
});
