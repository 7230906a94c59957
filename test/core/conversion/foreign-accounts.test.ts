import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { validateAddress } from '../../../core/coins/address.js';
import { getCoin } from '../../../core/coins/registry.js';
import { effectivePreferences, foreignAccountsFor, foreignAccountsOf } from '../../../core/conversion/exclusion.js';

const hash = Buffer.alloc(20, 7);
const net = (coin: string) => getCoin(coin).networks.mainnet![0]!;
const BTC_SEGWIT = payments.p2wpkh({ hash, network: net('BTC') }).address!;
const BTC_LEGACY = payments.p2pkh({ hash, network: net('BTC') }).address!;
const LTC_SEGWIT = payments.p2wpkh({ hash, network: net('LTC') }).address!;
/** The same key's Bitcoin Cash address as Bitcoin Cash keeps it (bitcoincash:q…). */
const BCH_CASH = validateAddress(getCoin('BCH'), 'mainnet', BTC_LEGACY);

const onLtc = foreignAccountsOf({ symbol: 'LTC', network: 'mainnet' }, { symbol: 'BTC', network: 'mainnet' });
const onBch = foreignAccountsOf({ symbol: 'BCH', network: 'mainnet' }, { symbol: 'BTC', network: 'mainnet' });

describe('foreign accounts of a switching port (core/conversion/exclusion.ts)', () => {
  it("an address of the payout currency on another coin's ledger is foreign; the coin's own is not", () => {
    expect(onLtc.currencyOf(BTC_SEGWIT)).toBe('BTC');
    expect(onLtc.currencyOf(BTC_LEGACY)).toBe('BTC');
    expect(onLtc.currencyOf(LTC_SEGWIT)).toBeUndefined();
  });

  it("a legacy 1… account on Bitcoin Cash's ledger is foreign, though Bitcoin Cash would accept it; its cashaddr is not", () => {
    expect(BCH_CASH.startsWith('bitcoincash:q')).toBe(true);
    expect(onBch.currencyOf(BTC_LEGACY)).toBe('BTC');
    expect(onBch.currencyOf(BTC_SEGWIT)).toBe('BTC');
    expect(onBch.currencyOf(BCH_CASH)).toBeUndefined();
  });

  it('an account that is no address of either (internal, garbage) is not foreign', () => {
    expect(onLtc.currencyOf('pool:fee')).toBeUndefined();
    expect(onLtc.currencyOf('not-an-address')).toBeUndefined();
    expect(onLtc.currencyOf('')).toBeUndefined();
  });

  it("implies the payout currency for foreign accounts, keeps signed preferences, and drops a foreign account's choice of the coin itself", () => {
    const signed = [
      { account: LTC_SEGWIT, currency: 'BTC', address: BTC_SEGWIT, updatedAt: 5 },
      { account: BTC_LEGACY, currency: 'LTC', address: BTC_LEGACY, updatedAt: 6 },
    ];
    const prefs = effectivePreferences('LTC', signed, [LTC_SEGWIT, BTC_LEGACY, BTC_SEGWIT], onLtc);
    expect(prefs).toEqual([
      signed[0],
      { account: BTC_LEGACY, currency: 'BTC', address: BTC_LEGACY, updatedAt: 0 },
      { account: BTC_SEGWIT, currency: 'BTC', address: BTC_SEGWIT, updatedAt: 0 },
    ]);
    const usdt = { account: BTC_SEGWIT, currency: 'USDT', address: `0x${'ab'.repeat(20)}`, updatedAt: 7 };
    expect(effectivePreferences('LTC', [usdt], [BTC_SEGWIT], onLtc)).toEqual([usdt]);
    expect(effectivePreferences('LTC', signed, [BTC_SEGWIT], undefined)).toEqual(signed);
  });

  it('the config rule: a coin of a port paying in another configured coin; none for the payout coin or a coin of no port', () => {
    const config = {
      coins: [
        { symbol: 'BTC', network: 'mainnet' as const },
        { symbol: 'BCH', network: 'mainnet' as const },
        { symbol: 'LTC', network: 'mainnet' as const },
      ],
      switching: [{ coins: ['BTC', 'BCH'], payoutCurrency: 'BTC' }, { coins: ['LTC'] }],
    };
    expect(foreignAccountsFor(config, 'BCH')?.currencyOf(BTC_LEGACY)).toBe('BTC');
    expect(foreignAccountsFor(config, 'BTC')).toBeUndefined();
    expect(foreignAccountsFor(config, 'LTC')).toBeUndefined();
  });
});
