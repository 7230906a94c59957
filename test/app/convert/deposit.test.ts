import { beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from '../../../adapters/rpc/daemon-client.js';
import { WalletPayoutSender } from '../../../adapters/rpc/wallet-payout-sender.js';
import { runConversions } from '../../../app/convert/convert.js';
import { conversionConfigSchema } from '../../../core/conversion/config.js';
import type { DepositRecord } from '../../../core/conversion/deposit.js';
import { parseAmount } from '../../../core/ledger/payouts.js';
import { depositListing } from '../../../local/conversion.js';
import { ensureWallet } from '../../../local/devnet/chain.js';
import { withDevnet } from '../../helpers/devnet.js';
import { buryUnderWalletTransactions } from '../../helpers/devnet-wallets.js';
import { auditBoth, CREDITS, conversionFixtures, NOW, ordersPerClientId, sum } from './helpers.js';

/** Every exchange takes deposits: the coins each leg sells are sent from the pool's LTC wallet first. */
const config = conversionConfigSchema.parse({
  exchanges: [
    { id: 'binance', takerFeeBps: 10, withdrawalFees: { BTC: '100' }, deposit: {} },
    { id: 'kraken', takerFeeBps: 40, withdrawalFees: { BTC: '50' }, deposit: { network: 'Litecoin' } },
    { id: 'okx', takerFeeBps: 10, withdrawalFees: { BTC: '100' }, deposit: {} },
  ],
  targets: [{ currency: 'BTC', wallet: 'bc1qpoolbtcwallet', feeWallets: [{ address: 'bc1qfeewallet' }] }],
  maxSlippageBps: 150,
});

let slot = 0;
/** Each test its own schedule slot: its conversion (and deposit) ids differ from the other tests' in the wallet. */
const nextEvent = () => ({ time: new Date(NOW + ++slot * 3_600_000).toISOString() });

/**
 * The deposit leg against a real wallet: a regtest litecoind wallet is the pool's LTC wallet, the fake exchanges'
 * deposit addresses are addresses of another wallet on the same node, and each fake lists what arrived there (by
 * txid, from the chain) as its deposit history. Conversion state on dynalite.
 */
describe('conversion deposits: the coins sold are sent to the exchanges once, and sold once credited', () => {
  const net = withDevnet();
  const { setup } = conversionFixtures();
  let pool: DaemonClient;
  let exchangeWallet: DaemonClient;

  beforeAll(async () => {
    const devnet = net.get();
    [pool, exchangeWallet] = await Promise.all([
      ensureWallet(devnet.clientA, 'ltcpool'),
      ensureWallet(devnet.clientA, 'exchanges'),
    ]);
    // Several coins, so that each leg's send has a confirmed coin to spend.
    for (let i = 0; i < 6; i++) await devnet.minerWallet.sendToAddress(await pool.getNewAddress('', 'bech32'), 5);
    await devnet.mine(1);
  }, 60_000);

  /** The three fakes with new deposit addresses (of the `exchanges` wallet), the pool wallet as the deposits' sender. */
  async function setupWithDeposits() {
    const s = await setup({ config, wallet: new WalletPayoutSender(pool, 8) });
    for (const f of Object.values(s.fakes)) f.ctx.depositAddress = await exchangeWallet.getNewAddress('', 'bech32');
    /** What the chain delivered to each exchange, listed in its deposit history (pending until `credited`). */
    const arrive = async (credited: boolean) => {
      const received = await exchangeWallet.call<
        Array<{ category: string; address: string; txid: string; amount: number }>
      >('listtransactions', ['*', 1000, 0, true]);
      for (const f of Object.values(s.fakes)) {
        for (const t of received.filter((x) => x.category === 'receive' && x.address === f.ctx.depositAddress)) {
          f.receive({ txid: t.txid, amount: String(t.amount), credited });
        }
      }
    };
    const receivedBy = async (address: string) =>
      parseAmount(await exchangeWallet.call<number>('getreceivedbyaddress', [address, 0]));
    const deposits = () => s.store.listDeposits('LTC');
    /** Wallet transactions carrying each deposit's id: exactly one each when nothing was sent twice. */
    const sendsPer = async (ds: DepositRecord[]) =>
      Promise.all(ds.map(async (d) => (await new WalletPayoutSender(pool, 8).findPayout(d.id)).length));
    return { ...s, arrive, receivedBy, deposits, sendsPer };
  }

  it('sends each leg once, sells only after the exchange credits it, and both ledgers audit', async () => {
    const s = await setupWithDeposits();
    const event = nextEvent();
    const first = await runConversions(s.deps, event);
    expect(first.conversions).toEqual([{ id: expect.any(String), status: 'depositing' }]);
    const [record] = await s.store.listConversions('LTC');
    const deposits = await s.deposits();
    expect(deposits.map((d) => d.exchange).sort()).toEqual(record!.legs.map((l) => l.exchange).sort());
    for (const d of deposits) {
      expect(d).toMatchObject({ status: 'sent', conversion: record!.id, txid: expect.any(String) });
      expect(await s.receivedBy(d.address)).toBe(record!.legs[d.leg]!.amount); // to the litoshi
    }
    expect(ordersPerClientId(s.fakes).size).toBe(0); // nothing sold before the coins are there

    // The exchanges see the transactions but wait for confirmations: still depositing, nothing sent again.
    await s.arrive(false);
    expect((await runConversions(s.deps, event)).conversions[0]).toMatchObject({ status: 'depositing' });
    expect(await s.sendsPer(deposits)).toEqual(deposits.map(() => 1));

    await net.get().mine(1);
    await s.arrive(true);
    const done = await runConversions(s.deps, event);
    expect(done.conversions[0]).toMatchObject({ id: record!.id, status: 'credited' });
    expect((await s.deposits()).map((d) => d.status)).toEqual(deposits.map(() => 'credited'));
    expect([...ordersPerClientId(s.fakes).values()].every((n) => n === 1)).toBe(true);
    for (const d of deposits) expect(await s.receivedBy(d.address)).toBe(record!.legs[d.leg]!.amount);
    const { ltc } = await auditBoth(s);
    for (const [account] of CREDITS.slice(0, 2)) expect(ltc.get(account)?.confirmed).toBe(0n); // all sold
  });

  // after-deposit-send: sent, txid not recorded (found by the record id); after-deposit-claim: claimed, never sent.
  it.each(['after-deposit-send', 'after-deposit-claim'])(
    'a crash at %s: the next run sends each deposit exactly once',
    async (at) => {
      const s = await setupWithDeposits();
      const event = nextEvent();
      const crash = (step: string) => {
        if (step === at) throw new Error(`crash ${at}`);
      };
      await expect(runConversions({ ...s.deps, crashAt: crash }, event)).rejects.toThrow(`crash ${at}`);
      const [sending] = await s.deposits();
      expect(sending).toMatchObject({ status: 'sending' });
      expect(sending!.txid).toBeUndefined();

      const next = await runConversions(s.deps, event);
      expect(next.conversions[0]).toMatchObject({ status: 'depositing' });
      const deposits = await s.deposits();
      expect(deposits.every((d) => d.status === 'sent')).toBe(true);
      expect(await s.sendsPer(deposits)).toEqual(deposits.map(() => 1));
      const found = await new WalletPayoutSender(pool, 8).findPayout(sending!.id);
      expect(deposits.find((d) => d.id === sending!.id)!.txid).toBe(found[0]!.txid);
      for (const d of deposits) expect(await s.receivedBy(d.address)).toBe(d.amount);

      await net.get().mine(1);
      await s.arrive(true);
      expect((await runConversions(s.deps, event)).conversions[0]).toMatchObject({ status: 'credited' });
      await auditBoth(s);
    },
  );

  it('a sale after a long deposit wait is priced on the current book; outside the bounds it waits', async () => {
    const s = await setupWithDeposits();
    const event = nextEvent();
    expect((await runConversions(s.deps, event)).conversions[0]).toMatchObject({ status: 'depositing' });
    const [planned] = await s.store.listConversions('LTC');
    // Two hours of confirmations, while the market fell 2 % and one book's spread widened past the bound (prices
    // moved by whole ticks: 0.000025 and 0.00006 BTC are on every exchange's price grid).
    s.clock.now += 2 * 3_600_000;
    const moved = (side: Array<[string, string]>, by: number) =>
      side.map(([p, a]): [string, string] => [(Number(p) + by).toFixed(7), a]);
    const asks = new Map(Object.values(s.fakes).map((f) => [f.id, moved(f.ctx.book.asks, -0.000025)]));
    for (const f of Object.values(s.fakes)) f.ctx.book.bids = moved(f.ctx.book.bids, -0.000025);
    const wide = planned!.legs[0]!.exchange as keyof typeof s.fakes;
    for (const f of Object.values(s.fakes)) f.ctx.book.asks = moved(asks.get(f.id)!, f.id === wide ? 0.00006 : 0);
    await net.get().mine(1);
    await s.arrive(true);
    expect((await runConversions(s.deps, event)).conversions[0]).toMatchObject({ status: 'pricing' });
    expect((await s.deposits()).every((d) => d.status === 'credited')).toBe(true);
    expect(ordersPerClientId(s.fakes).size).toBe(0); // never below the bounds

    // The spread is back: priced at the current book and recorded before any order (a crash there loses nothing).
    s.fakes[wide].ctx.book.asks = asks.get(wide)!;
    const crash = (step: string) => {
      if (step === 'after-ordered') throw new Error('crash after-ordered');
    };
    await expect(runConversions({ ...s.deps, crashAt: crash }, event)).rejects.toThrow('crash after-ordered');
    const done = await runConversions(s.deps, event);
    expect(done.conversions[0]).toMatchObject({ status: 'credited', sold: '350000000' });
    const [sold] = await s.store.listConversions('LTC');
    for (const [i, leg] of sold!.legs.entries()) {
      expect(leg.clientOrderId).toBe(planned!.legs[i]!.clientOrderId);
      expect(Number(leg.limitPriceText)).toBeLessThan(Number(planned!.legs[i]!.limitPriceText));
    }
    expect([...ordersPerClientId(s.fakes).values()]).toEqual(sold!.legs.map(() => 1));
    await auditBoth(s);
  });

  it('coins a deposited leg did not sell stay as exchange inventory, and the next conversion there sells them', async () => {
    const s = await setupWithDeposits();
    const event = nextEvent();
    await runConversions(s.deps, event);
    await net.get().mine(1);
    await s.arrive(true);
    for (const f of Object.values(s.fakes)) f.fail('order', 'reject'); // nothing sells: every leg's coins stay
    expect((await runConversions(s.deps, event)).conversions[0]).toMatchObject({ status: 'credited', sold: '0' });
    const [first] = await s.store.listConversions('LTC');
    const held = await s.store.listInventories('LTC');
    expect(new Map(held.map((i) => [i.exchange, i.amount]))).toEqual(
      new Map(first!.legs.map((l) => [l.exchange, l.amount])),
    );
    const { ltc } = await auditBoth(s);
    expect(ltc.get(CREDITS[0]![0])?.confirmed).toBe(CREDITS[0]![1]); // given back in the ledger
    // What `pool conversion deposits` checks: the stored inventory is what the records imply.
    expect((await depositListing(s.store, 'LTC')).check).toEqual({ open: 0, mismatches: [] });

    // The next conversion's legs are covered by what each exchange holds: nothing is sent, the coins there sell.
    const second = await runConversions(s.deps, nextEvent());
    expect(second.conversions[0]).toMatchObject({ status: 'credited', sold: '350000000' });
    const deposits = (await s.deposits()).filter((d) => d.conversion !== first!.id);
    expect(deposits.map((d) => [d.status, d.amount])).toEqual(deposits.map(() => ['credited', 0n]));
    expect(sum(deposits.map((d) => d.fromInventory ?? 0n))).toBe(350_000_000n);
    expect(await s.sendsPer(deposits)).toEqual(deposits.map(() => 0));
    expect((await s.store.listInventories('LTC')).map((i) => i.amount)).toEqual(held.map(() => 0n));
    expect((await depositListing(s.store, 'LTC')).check).toEqual({ open: 0, mismatches: [] });
    for (const f of Object.values(s.fakes))
      expect(await s.receivedBy(f.ctx.depositAddress)).toBe(first!.legs.find((l) => l.exchange === f.id)?.amount ?? 0n);
    await auditBoth(s);
  });

  it('an exchange that times out mid-deposit loses nothing: the deposit waits, never resent, then sells', async () => {
    const s = await setupWithDeposits();
    const event = nextEvent();
    // The deposit address does not answer (two attempts): no record for that leg, nothing sent to it.
    for (const f of Object.values(s.fakes)) {
      f.fail('deposit', 'timeout');
      f.fail('deposit', 'timeout');
    }
    expect((await runConversions(s.deps, event)).conversions[0]).toMatchObject({ status: 'depositing' });
    expect(await s.deposits()).toEqual([]);

    await runConversions(s.deps, event); // addresses answer: sent
    const deposits = await s.deposits();
    expect(deposits.length).toBeGreaterThan(0);
    // Now the deposit histories time out, then answer without the deposits: the records wait in `sent`.
    for (const f of Object.values(s.fakes)) {
      f.fail('deposit', 'timeout');
      f.fail('deposit', 'timeout');
    }
    expect((await runConversions(s.deps, event)).conversions[0]).toMatchObject({ status: 'depositing' });
    expect((await runConversions(s.deps, event)).conversions[0]).toMatchObject({ status: 'depositing' });
    expect((await s.deposits()).map((d) => d.status)).toEqual(deposits.map(() => 'sent'));
    expect(await s.sendsPer(deposits)).toEqual(deposits.map(() => 1));
    // A day and a half later they still wait: what the operator's alarm watches (DepositWaitHours).
    s.clock.now += 36 * 3_600_000;
    const waiting = await runConversions(s.deps, event);
    expect(waiting.depositsWaiting).toEqual({ count: deposits.length, oldestMs: 36 * 3_600_000 });
    // The conversion itself has been open at least as long (ConversionOpenHours, the stuck-conversion alarm).
    expect(waiting.open.count).toBe(1);
    expect(waiting.open.oldestMs).toBeGreaterThanOrEqual(36 * 3_600_000);
    expect(ordersPerClientId(s.fakes).size).toBe(0);
    const { ltc } = await auditBoth(s); // the miners' coins are out of `confirmed`, held by the open conversion
    expect(ltc.get(CREDITS[0]![0])?.confirmed).toBe(0n);

    await net.get().mine(1);
    await s.arrive(true);
    const done = await runConversions(s.deps, event);
    expect(done.conversions[0]).toMatchObject({ status: 'credited' });
    expect(done.open).toEqual({ count: 0, oldestMs: 0 });
    for (const d of deposits) expect(await s.receivedBy(d.address)).toBe(d.amount);
    await auditBoth(s);
  });

  // Last: 1,001 blocks mined to the pool wallet.
  it('a deposit that went out before a crash is found under more than 1,000 later wallet transactions, never resent', async () => {
    const s = await setupWithDeposits();
    const event = nextEvent();
    const crash = (step: string) => {
      if (step === 'after-deposit-send') throw new Error('crash after-deposit-send');
    };
    await expect(runConversions({ ...s.deps, crashAt: crash }, event)).rejects.toThrow('crash after-deposit-send');
    const [sending] = await s.deposits();
    expect(sending).toMatchObject({ status: 'sending', historyMark: await pool.getBestBlockHash() });
    await buryUnderWalletTransactions(net.get(), pool, 1_001); // blocks found, payouts: the wallet moves on

    expect((await runConversions(s.deps, event)).conversions[0]).toMatchObject({ status: 'depositing' });
    const deposits = await s.deposits();
    expect(deposits.map((d) => d.status)).toEqual(deposits.map(() => 'sent'));
    expect(await s.sendsPer(deposits)).toEqual(deposits.map(() => 1));
    for (const d of deposits) expect(await s.receivedBy(d.address)).toBe(d.amount);
  }, 120_000);
});
