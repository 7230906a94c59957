import { describe, expect, it } from 'vitest';
import { BtcwalletPayoutSender } from '../../../adapters/rpc/btcwallet-payout-sender.js';
import { WalletPayoutSender } from '../../../adapters/rpc/wallet-payout-sender.js';
import { parseConfig } from '../../../core/config/load.js';
import { ConfigError } from '../../../core/errors.js';
import { isSignedFirst } from '../../../core/ports/payout-sender.js';
import { bitcoinFamily } from '../../../families/bitcoin/index.js';

const btc = (poolAddress: string, payouts: Record<string, unknown>) =>
  parseConfig({
    coins: [
      {
        symbol: 'BTC',
        poolAddress,
        daemons: [{ url: 'http://127.0.0.1:8334', user: 'u', password: 'p' }],
        ports: [{ port: 3334, difficulty: { initial: 1, min: 1, max: 2 } }],
        payouts: { wallet: 'default', ...payouts },
      },
    ],
  }).coins[0]!;
const LEGACY = '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa';
const BECH32 = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4';
const BTCWALLET = { walletRpc: 'btcwallet', walletUrl: 'http://127.0.0.1:8332', walletPassphrase: 'open sesame' };

describe('the Bitcoin family picks the payout sender from payouts.walletRpc', () => {
  it('sends with sendmany by default (Bitcoin Core, litecoind)', () => {
    const sender = bitcoinFamily.money.payoutSender(btc(BECH32, {}));
    expect(sender).toBeInstanceOf(WalletPayoutSender);
    expect(isSignedFirst(sender)).toBe(false);
  });

  it('signs first through btcwallet, which needs a P2PKH pool address to sign its coins', () => {
    const sender = bitcoinFamily.money.payoutSender(btc(LEGACY, BTCWALLET));
    expect(sender).toBeInstanceOf(BtcwalletPayoutSender);
    expect(isSignedFirst(sender)).toBe(true);
    expect(() => bitcoinFamily.money.payoutSender(btc(BECH32, BTCWALLET))).toThrow(/legacy \(P2PKH\) poolAddress/);
  });

  it('refuses conversion deposits from btcwallet, which cannot tag them with their id', () => {
    expect(() => bitcoinFamily.money.depositWallet(btc(LEGACY, BTCWALLET))).toThrow(ConfigError);
    expect(bitcoinFamily.money.depositWallet(btc(LEGACY, {}))).toBeInstanceOf(WalletPayoutSender);
  });
});
