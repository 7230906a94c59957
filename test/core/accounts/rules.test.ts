import { describe, expect, it } from 'vitest';
import { checkMoneyChange, checkPassword, normalizeEmail } from '../../../core/accounts/rules.js';
import {
  newRecoveryCodes,
  newReferralCode,
  newToken,
  normalizeReferralCode,
  recoveryCodeHash,
  tokenHash,
} from '../../../core/accounts/tokens.js';
import { BadRequestError } from '../../../core/errors.js';
import { testKey } from '../../helpers/message-signer.js';

const LTC = {
  symbol: 'LTC',
  network: 'regtest' as const,
  payouts: { minimum: '1000000', maximumThreshold: '5000000' },
  conversion: { targets: [{ currency: 'BTC' }, { currency: 'USDT' }] },
};

describe('account rules', () => {
  it('takes a password of 10+ characters with lower, upper and digit only', () => {
    expect(() => checkPassword('Abcdefghi1')).not.toThrow();
    for (const p of ['Abcdefgh1', 'abcdefghi1', 'ABCDEFGHI1', 'Abcdefghij', `A1${'a'.repeat(255)}`]) {
      expect(() => checkPassword(p)).toThrow(BadRequestError);
    }
  });

  it('keeps an email trimmed and lower-cased, and refuses what cannot be one', () => {
    expect(normalizeEmail('  Miner@Example.COM ')).toBe('miner@example.com');
    for (const e of ['miner', 'a@b', 'a b@c.io', '@c.io']) expect(() => normalizeEmail(e)).toThrow(BadRequestError);
  });

  it('checks a threshold against the coin bounds, inclusive', () => {
    expect(checkMoneyChange(LTC, { coin: 'LTC', threshold: 1_000_000n }).threshold).toBe(1_000_000n);
    expect(checkMoneyChange(LTC, { coin: 'LTC', threshold: 5_000_000n }).threshold).toBe(5_000_000n);
    expect(() => checkMoneyChange(LTC, { coin: 'LTC', threshold: 999_999n })).toThrow(/from 1000000 to 5000000/);
    expect(() => checkMoneyChange(LTC, { coin: 'LTC', threshold: 5_000_001n })).toThrow(BadRequestError);
    expect(() => checkMoneyChange(LTC, { coin: 'LTC' })).toThrow(/nothing to change/);
  });

  it('keeps a payout address of the coin in its canonical spelling and refuses another coin’s', () => {
    const key = testKey('LTC', 'regtest', 4);
    const upper = key.address.p2wpkh.toUpperCase();
    expect(checkMoneyChange(LTC, { coin: 'LTC', payoutAddress: upper }).payoutAddress).toBe(key.address.p2wpkh);
    const btc = testKey('BTC', 'regtest', 4).address.p2wpkh;
    expect(() => checkMoneyChange(LTC, { coin: 'LTC', payoutAddress: btc })).toThrow(/not a LTC address/);
  });

  it('takes a currency the coin converts to with an address of it, or the coin itself', () => {
    const btc = testKey('BTC', 'regtest', 4).address.p2wpkh;
    expect(checkMoneyChange(LTC, { coin: 'LTC', currency: 'BTC', currencyAddress: btc })).toEqual({
      coin: 'LTC',
      currency: 'BTC',
      currencyAddress: btc,
    });
    expect(checkMoneyChange(LTC, { coin: 'LTC', currency: 'LTC' })).toEqual({ coin: 'LTC', currency: 'LTC' });
    expect(() => checkMoneyChange(LTC, { coin: 'LTC', currency: 'BTC' })).toThrow(/needs currencyAddress/);
    expect(() => checkMoneyChange(LTC, { coin: 'LTC', currency: 'DOGE', currencyAddress: btc })).toThrow(
      BadRequestError,
    );
    expect(() => checkMoneyChange(LTC, { coin: 'LTC', currency: 'USDT', currencyAddress: btc })).toThrow(
      BadRequestError,
    );
    const { conversion: _, ...plain } = LTC;
    expect(() => checkMoneyChange(plain, { coin: 'LTC', currency: 'BTC', currencyAddress: btc })).toThrow(
      /not converted/,
    );
  });
});

describe('account tokens', () => {
  it('makes distinct 256-bit tokens and stores only their hash', () => {
    const a = newToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(a);
    expect(tokenHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenHash(a)).not.toContain(a);
  });

  it('reads a referral code and a recovery code as typed, look-alikes included', () => {
    const code = newReferralCode();
    expect(normalizeReferralCode(` ${code.toLowerCase()} `)).toBe(code);
    expect(normalizeReferralCode('0O1IL000')).toBe('00111000');
    expect(normalizeReferralCode('short')).toBeUndefined();
    const [r] = newRecoveryCodes(1);
    expect(r).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(recoveryCodeHash(r!.toLowerCase().replace('-', ' '))).toBe(recoveryCodeHash(r!));
    expect(newRecoveryCodes()).toHaveLength(10);
    expect(new Set(newRecoveryCodes()).size).toBe(10);
  });
});
