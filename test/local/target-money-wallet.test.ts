import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from '../../adapters/rpc/daemon-client.js';
import { WalletPayoutSender } from '../../adapters/rpc/wallet-payout-sender.js';
import type { PayoutDeps } from '../../app/payouts/payouts.js';
import { type ConversionRecord, settle, settlementEntries } from '../../core/conversion/record.js';
import { ensureWallet } from '../../local/devnet/chain.js';
import type { MoneyRunner } from '../../local/money.js';
import { type LocalStorage, startLocalStorage } from '../../local/storage.js';
import { withDevnet } from '../helpers/devnet.js';
import { startConvertingMoney } from '../helpers/target-money.js';

const NOW = 1_700_000_000_000;
type Step = NonNullable<Parameters<NonNullable<PayoutDeps['crashAt']>>[0]>;

/**
 * A BTC conversion target paid from a Bitcoin-family wallet (`payouts.kind: "wallet-rpc"`): the wallet RPC of
 * Litecoin Core is Bitcoin Core's, so a regtest litecoind wallet named `btc` stands in for the pool's BTC wallet.
 * `money.targets.get('BTC')` runs the mined coins' payouts machine on the BTC ledger (dynalite) with the
 * WalletPayoutSender the config builds: converted balances are paid once, to the satoshi, even when a pass dies
 * around `sendmany`, and the ledger audits against the conversion records.
 */
describe('local mode: payouts of a conversion target from a wallet (BTC through wallet RPC)', () => {
  const net = withDevnet();
  let storage: LocalStorage;
  let money: MoneyRunner;
  let btc: DaemonClient;
  let payees: DaemonClient;
  let feeWallet: string;
  let conversions = 0;

  beforeAll(async () => {
    const devnet = net.get();
    storage = await startLocalStorage({ coins: ['LTC', 'BTC'] });
    [btc, payees] = await Promise.all([ensureWallet(devnet.clientA, 'btc'), ensureWallet(devnet.clientA, 'payees')]);
    const btcWallet = await btc.getNewAddress('proceeds', 'bech32');
    feeWallet = await payees.getNewAddress('pool fee', 'bech32');
    await devnet.minerWallet.sendToAddress(btcWallet, 50); // the exchanges' withdrawals, as far as this test cares
    await devnet.mine(1);
    money = startConvertingMoney(storage, {
      poolAddress: devnet.poolAddress,
      daemons: devnet.daemons,
      target: {
        currency: 'BTC',
        wallet: btcWallet,
        feeWallets: [{ address: feeWallet }],
        payouts: {
          kind: 'wallet-rpc',
          daemon: { ...devnet.daemons[0]!, wallet: 'btc' },
          reserve: '100000',
          minimum: '1000',
          maxRecipients: 50,
          intervalSeconds: 3600,
        },
      },
    });
  }, 60_000);
  afterAll(async () => {
    money?.stop();
    await storage?.close();
  });

  /** A credited LTC → BTC conversion of two miners (new payee addresses): its record and convert-in entries. */
  async function convert(): Promise<Map<string, bigint>> {
    const [alice, bob] = [await payees.getNewAddress('', 'bech32'), await payees.getNewAddress('', 'bech32')];
    const id = `conv-LTC-BTC-${++conversions}`;
    const record: ConversionRecord = {
      id,
      source: 'LTC',
      target: 'BTC',
      market: 'LTC/BTC',
      status: 'credited',
      shares: [
        { account: `ltc-alice-${conversions}`, targetAccount: alice, amount: 300_000_000n },
        { account: `ltc-bob-${conversions}`, targetAccount: bob, amount: 100_000_000n },
      ],
      amount: 400_000_000n,
      legs: [
        {
          exchange: 'binance',
          amount: 400_000_000n,
          limitPriceText: '0.00123',
          clientOrderId: `${id}-0`,
          expectedNet: 490_000n,
          withdrawalFee: 1_000n,
          takerFeeBps: 10,
        },
      ],
      referenceNet: 490_000n,
      fills: [{ exchange: 'binance', clientOrderId: `${id}-0`, sold: 400_000_000n, gross: 492_123n, fee: 493n }],
      createdAt: NOW,
      updatedAt: NOW,
    };
    expect(await storage.conversions.createConversion('LTC', record)).toBe(true);
    const { target } = settlementEntries(record, settle(record, 2_000, [{ address: feeWallet, weight: 1 }]), NOW);
    await storage.money.putEntries('BTC', target);
    return new Map(target.filter((e) => e.role === 'miner').map((e) => [e.account, e.amount]));
  }

  /** What an address received on chain, with 0 confirmations: a second payment would show here at once. */
  const received = async (address: string) =>
    BigInt(Math.round((await payees.call<number>('getreceivedbyaddress', [address, 0])) * 1e8));

  it('pays the converted miners once, to the satoshi, and the BTC ledger audits', async () => {
    const owed = await convert();
    const target = money.targets.get('BTC')!;
    expect(await target.audit()).toMatchObject({ ok: true });

    const first = await target.payouts();
    expect(first).toMatchObject({ status: 'progressed', payouts: [{ status: 'sent' }] }); // in the mempool
    expect(await target.payouts()).toMatchObject({ status: 'progressed', payouts: [{ status: 'sent' }] });
    await net.get().mine(1);
    expect(await target.payouts()).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });
    expect(await target.payouts()).toEqual({ status: 'idle' });

    const balances = await target.balances();
    for (const [account, amount] of owed) {
      expect(await received(account)).toBe(amount);
      expect(balances.get(account)).toEqual({ immature: 0n, confirmed: 0n, pending: 0n, paid: amount });
    }
    const [payout] = await storage.money.listPayouts('BTC');
    const tx = await btc.call<{ comment?: string; confirmations: number }>('gettransaction', [payout!.txid, true]);
    expect(tx).toMatchObject({ comment: payout!.id, confirmations: 1 }); // the payout id travels with the transaction
    expect(await target.audit()).toMatchObject({ ok: true });
  });

  it.each<Step>(['after-send', 'after-sending', 'after-sent'])(
    'a pass that dies at %s, then the next ones, pay every miner exactly once',
    async (step) => {
      const owed = await convert();
      const target = money.targets.get('BTC')!;
      const crashAt = (s: Step) => {
        if (s === step) throw new Error(`crash ${s}`);
      };
      await expect(target.payouts({ crashAt })).rejects.toThrow(`crash ${step}`);
      const [open] = (await storage.money.listPayouts('BTC')).filter((p) => p.status !== 'confirmed');
      expect(open).toBeDefined();

      await target.payouts(); // reconciles with the wallet by the payout id (or sends, if nothing went out)
      await net.get().mine(1);
      const next = await target.payouts();
      expect(next).toMatchObject({ status: 'progressed', payouts: [{ id: open!.id, status: 'confirmed' }] });
      expect(await target.payouts()).toEqual({ status: 'idle' });

      // A new sender, as a new process would have: one wallet transaction carries the payout id.
      const found = await new WalletPayoutSender(btc, 8).findPayout(open!.id);
      expect(found).toHaveLength(1);
      const balances = await target.balances();
      for (const [account, amount] of owed) {
        expect(await received(account)).toBe(amount);
        expect(found[0]!.outputs).toContainEqual({ account, amount });
        expect(balances.get(account)).toMatchObject({ pending: 0n, paid: amount });
      }
      expect(await target.audit()).toMatchObject({ ok: true });
    },
  );
});
