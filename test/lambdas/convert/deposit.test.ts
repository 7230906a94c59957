import { beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from '../../../adapters/rpc/daemon-client.js';
import { WalletPayoutSender } from '../../../adapters/rpc/wallet-payout-sender.js';
import { conversionConfigSchema } from '../../../core/conversion/config.js';
import type { DepositRecord } from '../../../core/conversion/deposit.js';
import { parseAmount } from '../../../core/ledger/payouts.js';
import { runConversions } from '../../../lambdas/convert/convert.js';
import { ensureWallet } from '../../../local/devnet/chain.js';
import { withDevnet } from '../../helpers/devnet.js';
import { auditBoth, CREDITS, conversionFixtures, NOW, ordersPerClientId } from './helpers.js';

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
    expect(ordersPerClientId(s.fakes).size).toBe(0);
    const { ltc } = await auditBoth(s); // the miners' coins are out of `confirmed`, held by the open conversion
    expect(ltc.get(CREDITS[0]![0])?.confirmed).toBe(0n);

    await net.get().mine(1);
    await s.arrive(true);
    expect((await runConversions(s.deps, event)).conversions[0]).toMatchObject({ status: 'credited' });
    for (const d of deposits) expect(await s.receivedBy(d.address)).toBe(d.amount);
    await auditBoth(s);
  });
});
