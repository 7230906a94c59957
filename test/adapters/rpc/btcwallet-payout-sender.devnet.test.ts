import { randomBytes } from 'node:crypto';
import { payments, Transaction } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { BtcwalletPayoutSender } from '../../../adapters/rpc/btcwallet-payout-sender.js';
import { coinNetworks, getCoin } from '../../../core/coins/registry.js';
import { ConfigError } from '../../../core/errors.js';
import { PayoutConflictError, PayoutNotSentError } from '../../../core/ports/payout-sender.js';
import { BTC_WALLET_PASSPHRASE } from '../../../local/devnet/btcd.js';
import { withBtcDevnet } from '../../helpers/btc-devnet.js';

const BTC = getCoin('BTC');
const SIMNET = coinNetworks(BTC, 'simnet')[0];
const someone = () => payments.p2wpkh({ hash: randomBytes(20), network: SIMNET }).address!;

describe('BtcwalletPayoutSender on btcd + btcwallet (simnet)', () => {
  const net = withBtcDevnet();
  const sender = (passphrase = BTC_WALLET_PASSPHRASE) =>
    new BtcwalletPayoutSender({
      wallet: net.get().walletClient,
      coin: BTC,
      network: 'simnet',
      poolAddress: net.get().poolAddress,
      feeRate: 2n,
      passphrase,
    });

  it('signs without broadcasting; the same bytes broadcast twice, and again once mined, are one transaction', async () => {
    const tx = await sender().prepare('BTC-1', [{ account: someone(), amount: 1_000_000n }]);
    expect(Transaction.fromHex(tx.raw).getId()).toBe(tx.txid); // computed here, not taken from the wallet
    expect(await net.get().node.call<string[]>('getrawmempool', [])).not.toContain(tx.txid);
    expect(await sender().broadcast(tx)).toBe(tx.txid);
    expect(await sender().broadcast(tx)).toBe(tx.txid); // btcd: "already have transaction"
    expect(await sender().confirmations(tx.txid)).toBe(0);
    await net.get().mine(1);
    expect(await sender().broadcast(tx)).toBe(tx.txid); // btcd: "already exists in blockchain"
    expect(await sender().confirmations(tx.txid)).toBe(1);
  }, 60_000);

  it('a signed transaction whose coins another one spent is a conflict, in the mempool and once mined', async () => {
    // Deterministic coin selection: two payouts signed from the same wallet state spend the same coin.
    const a = await sender().prepare('BTC-2', [{ account: someone(), amount: 2_000_000n }]);
    const b = await sender().prepare('BTC-3', [{ account: someone(), amount: 3_000_000n }]);
    expect(Transaction.fromHex(b.raw).ins[0]!.hash).toEqual(Transaction.fromHex(a.raw).ins[0]!.hash);
    await sender().broadcast(a);
    await expect(sender().broadcast(b)).rejects.toThrow(PayoutConflictError);
    await net.get().mine(1);
    await expect(sender().broadcast(b)).rejects.toThrow(PayoutConflictError);
    expect(await sender().confirmations(b.txid)).toBe(0); // unknown to the wallet
  }, 60_000);

  it('a payout the pool address coins cannot cover, an output below dust or to another network is refused before signing', async () => {
    const spendable = await sender().spendable();
    expect(spendable > 0n).toBe(true);
    await expect(sender().prepare('BTC-4', [{ account: someone(), amount: spendable }])).rejects.toThrow(
      PayoutNotSentError,
    );
    await expect(sender().prepare('BTC-5', [{ account: someone(), amount: 545n }])).rejects.toThrow(/dust/);
    const mainnet = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'; // not a simnet address
    await expect(sender().prepare('BTC-6', [{ account: mainnet, amount: 100_000n }])).rejects.toThrow(
      PayoutNotSentError,
    );
  }, 60_000);

  it('a wrong passphrase is refused before anything is signed, without the passphrase in the error', async () => {
    const err = await sender('not-the-passphrase')
      .prepare('BTC-6', [{ account: someone(), amount: 1_000_000n }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayoutNotSentError);
    expect(String((err as Error).message)).not.toContain('not-the-passphrase');
  }, 60_000);

  it('refuses a pool address whose coins btcwallet cannot sign (not P2PKH) at construction', () => {
    expect(
      () =>
        new BtcwalletPayoutSender({
          wallet: net.get().walletClient,
          coin: BTC,
          network: 'simnet',
          poolAddress: someone(),
          feeRate: 2n,
        }),
    ).toThrow(ConfigError);
  });
});
