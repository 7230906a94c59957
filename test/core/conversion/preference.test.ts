import { describe, expect, it } from 'vitest';
import { CONVERSION_EXCHANGES, conversionConfigSchema } from '../../../core/conversion/config.js';
import { checkPreference, InvalidPreferenceError } from '../../../core/conversion/preference.js';

const conversion = conversionConfigSchema.parse({
  exchanges: CONVERSION_EXCHANGES.map((id) => ({ id, withdrawalFees: { BTC: '100' } })),
  targets: [
    { currency: 'BTC', feeWallets: [{ address: 'bc1qfee' }] },
    { currency: 'USDT', feeWallets: [{ address: '0x0000000000000000000000000000000000000001' }] },
  ],
  maxSlippageBps: 150,
});
const coin = { symbol: 'LTC', network: 'mainnet' as const, conversion };

describe('payout currency preference', () => {
  it('accepts a configured target with an address of it, and the coin itself to stop converting', () => {
    const btc = checkPreference(
      coin,
      { account: 'ltc1qminer', currency: 'BTC', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' },
      5,
    );
    expect(btc).toEqual({
      account: 'ltc1qminer',
      currency: 'BTC',
      address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
      updatedAt: 5,
    });
    const usdt = { account: 'ltc1qminer', currency: 'USDT', address: '0x52908400098527886E0F7030069857D2E4169EE7' };
    expect(checkPreference(coin, usdt, 5).address).toBe(usdt.address);
    // typed in lower case: stored checksummed (EIP-55), the form the EVM payout sender pays to
    expect(checkPreference(coin, { ...usdt, address: usdt.address.toLowerCase() }, 5).address).toBe(usdt.address);
    // a mined coin's address typed in upper case: stored as its wallet spells it
    const upper = { account: 'ltc1qminer', currency: 'BTC', address: 'BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ' };
    expect(checkPreference(coin, upper, 5).address).toBe('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq');
    expect(checkPreference(coin, { account: 'ltc1qminer', currency: 'LTC', address: '' }, 5).address).toBe(
      'ltc1qminer',
    );
  });

  it('refuses a currency the pool does not offer, or an address of another currency', () => {
    const bad = [
      { currency: 'USDC', address: '0x52908400098527886E0F7030069857D2E4169EE7' },
      { currency: 'BTC', address: 'ltc1qg82tvwl5cla5a4dmxhq8p7zx4ycsqq5ks0xelm' },
      { currency: 'USDT', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' },
      { currency: 'USDT', address: '0x52908400098527886E0F7030069857D2E4169Ee7' }, // mixed case, wrong checksum
    ];
    for (const b of bad) {
      expect(() => checkPreference(coin, { account: 'ltc1qminer', ...b }, 5)).toThrow(InvalidPreferenceError);
    }
    expect(() =>
      checkPreference({ ...coin, conversion: undefined }, { account: 'a', currency: 'BTC', address: 'x' }, 5),
    ).toThrow(InvalidPreferenceError);
  });
});
