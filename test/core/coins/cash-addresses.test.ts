import { encodeCashAddress } from '@bitauth/libauth/build/lib/address/cash-address.js';
import { address as btcAddress, payments } from 'bitcoinjs-lib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressToOutputScript, getCoin, validateAddress } from '../../../core/coins/index.js';
import { verifyMessageSignature } from '../../../core/coins/message-signature.js';
import { InvalidAddressError } from '../../../core/errors.js';
import { testKey } from '../../helpers/message-signer.js';

const bch = getCoin('BCH');
const btc = getCoin('BTC');

/** The CashAddr specification's translation table: mainnet legacy base58 ↔ CashAddr of the same hash. */
const SPEC_PAIRS = [
  ['1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu', 'bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a'],
  ['1KXrWXciRDZUpQwQmuM1DbwsKDLYAYsVLR', 'bitcoincash:qr95sy3j9xwd2ap32xkykttr4cvcu7as4y0qverfuy'],
  ['16w1D5WRVKJuZUsSRzdLp9w3YGcgoxDXb', 'bitcoincash:qqq3728yw0y47sqn6l2na30mcw6zm78dzqre909m2r'],
  ['3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC', 'bitcoincash:ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq'],
  ['3LDsS579y7sruadqu11beEJoTjdFiFCdX4', 'bitcoincash:pr95sy3j9xwd2ap32xkykttr4cvcu7as4yc93ky28e'],
  ['31nwvkZwyPdgzjBJZXfDmSWsC4ZLKpYyUw', 'bitcoincash:pqq3728yw0y47sqn6l2na30mcw6zm78dzq5ucqzc37'],
] as const;

/** The spec's 20-byte test payload, encoded with type 0 (P2PKH) and 1 (P2SH) under the mainnet and testnet prefixes. */
const SPEC_HASH = 'f5bf48b397dae70be82b3cca4793f8eb2b6cdac9';

const p2pkh = (hash: string) => `76a914${hash}88ac`;
const p2sh = (hash: string) => `a914${hash}87`;

describe('Bitcoin Cash addresses (CashAddr, legacy base58 as an alias)', () => {
  it.each(SPEC_PAIRS.filter(([legacy]) => legacy.startsWith('1')))(
    'reads the spec pair %s ↔ %s as one P2PKH script, kept as the CashAddr',
    (legacy, cash) => {
      const script = addressToOutputScript(bch, 'mainnet', cash).toString('hex');
      expect(script).toMatch(/^76a914[0-9a-f]{40}88ac$/);
      expect(addressToOutputScript(bch, 'mainnet', legacy).toString('hex')).toBe(script);
      expect(validateAddress(bch, 'mainnet', legacy)).toBe(cash);
      expect(validateAddress(bch, 'mainnet', cash)).toBe(cash);
    },
  );

  it.each(SPEC_PAIRS.filter(([legacy]) => legacy.startsWith('3')))(
    'reads the CashAddr P2SH %s of the spec pair as its P2SH script, and refuses the legacy 3… with the reason',
    (legacy, cash) => {
      const hash = btcAddress.fromBase58Check(legacy).hash;
      expect(addressToOutputScript(bch, 'mainnet', cash).toString('hex')).toBe(p2sh(Buffer.from(hash).toString('hex')));
      expect(validateAddress(bch, 'mainnet', cash)).toBe(cash);
      // A Bitcoin wallet's 3… may wrap segwit, which anyone can spend on Bitcoin Cash (no segwit there).
      expect(() => validateAddress(bch, 'mainnet', legacy)).toThrow(
        /legacy P2SH \(3…\) is refused for BCH: .*wrapped segwit/,
      );
    },
  );

  it('decodes the spec vectors of the 20-byte payload to P2PKH on mainnet and P2SH on testnet', () => {
    expect(
      addressToOutputScript(bch, 'mainnet', 'bitcoincash:qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2').toString('hex'),
    ).toBe(p2pkh(SPEC_HASH));
    expect(
      addressToOutputScript(bch, 'testnet', 'bchtest:pr6m7j9njldwwzlg9v7v53unlr4jkmx6eyvwc0uz5t').toString('hex'),
    ).toBe(p2sh(SPEC_HASH));
  });

  it('pays the Bitcoin genesis address 1A1zP1… as the same P2PKH script BTC does', () => {
    const legacy = '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa';
    expect(addressToOutputScript(bch, 'mainnet', legacy)).toEqual(addressToOutputScript(btc, 'mainnet', legacy));
    expect(validateAddress(bch, 'mainnet', legacy)).toBe('bitcoincash:qp3wjpa3tjlj042z2wv7hahsldgwhwy0rq9sywjpyy');
  });

  it('accepts the address without its prefix and in upper case, kept lowercase with the prefix', () => {
    const cash = SPEC_PAIRS[0][1];
    const bare = cash.slice('bitcoincash:'.length);
    expect(validateAddress(bch, 'mainnet', bare)).toBe(cash);
    expect(validateAddress(bch, 'mainnet', cash.toUpperCase())).toBe(cash);
    expect(validateAddress(bch, 'mainnet', bare.toUpperCase())).toBe(cash);
  });

  it('reads a token-aware z…/r… address as the plain address of the same script', () => {
    const payload = Buffer.from(SPEC_HASH, 'hex');
    const tokenAware = encodeCashAddress({ prefix: 'bitcoincash', type: 'p2pkhWithTokens', payload }).address;
    expect(tokenAware).toMatch(/^bitcoincash:z/);
    expect(addressToOutputScript(bch, 'mainnet', tokenAware).toString('hex')).toBe(p2pkh(SPEC_HASH));
    expect(validateAddress(bch, 'mainnet', tokenAware)).toBe('bitcoincash:qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2');
  });

  it('refuses a failed checksum, mixed case and a changed prefix', () => {
    const cash = SPEC_PAIRS[1][1];
    const flipped = `${cash.slice(0, -1)}${cash.endsWith('q') ? 'p' : 'q'}`;
    expect(() => validateAddress(bch, 'mainnet', flipped)).toThrow(/invalid checksum/);
    expect(() => validateAddress(bch, 'mainnet', flipped.slice('bitcoincash:'.length))).toThrow(/invalid checksum/);
    const swapped = `${cash.slice(0, 20)}${cash[20] === 'q' ? 'p' : 'q'}${cash.slice(21)}`;
    expect(() => validateAddress(bch, 'mainnet', swapped)).toThrow(InvalidAddressError);
    const mixed = `bitcoincash:${cash.slice(12, 20).toUpperCase()}${cash.slice(20)}`;
    expect(() => validateAddress(bch, 'mainnet', mixed)).toThrow(/mixes upper and lower case/);
    expect(() => validateAddress(bch, 'mainnet', cash.replace('bitcoincash:', 'bitcoincosh:'))).toThrow(
      /its prefix is not "bitcoincash:"/,
    );
    const badLegacy = `${SPEC_PAIRS[0][0].slice(0, -1)}v`;
    expect(() => validateAddress(bch, 'mainnet', badLegacy)).toThrow(/not a valid BCH mainnet address/);
  });

  it('says when an address is of another network, with or without its prefix, legacy too', () => {
    const testnet = 'bchtest:pr6m7j9njldwwzlg9v7v53unlr4jkmx6eyvwc0uz5t';
    expect(() => validateAddress(bch, 'mainnet', testnet)).toThrow(/it is a testnet address/);
    expect(() => validateAddress(bch, 'mainnet', testnet.slice('bchtest:'.length))).toThrow(/it is a testnet address/);
    expect(() => validateAddress(bch, 'regtest', SPEC_PAIRS[0][1])).toThrow(/it is a mainnet address/);
    const legacyTestnet = payments.p2pkh({ hash: Buffer.from(SPEC_HASH, 'hex'), network: bch.networks.testnet![0] })
      .address!;
    expect(legacyTestnet).toMatch(/^[mn]/);
    expect(() => validateAddress(bch, 'mainnet', legacyTestnet)).toThrow(/looks like a testnet address/);
    expect(validateAddress(bch, 'testnet', legacyTestnet)).toBe(
      encodeCashAddress({ prefix: 'bchtest', type: 'p2pkh', payload: Buffer.from(SPEC_HASH, 'hex') }).address,
    );
    expect(validateAddress(bch, 'regtest', legacyTestnet)).toMatch(/^bchreg:q/);
    expect(() => validateAddress(bch, 'simnet', SPEC_PAIRS[0][1])).toThrow(/BCH has no simnet network/);
  });

  it('refuses segwit addresses (Bitcoin Cash has none) and other coins refuse CashAddr', () => {
    const bech32 = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4';
    expect(() => validateAddress(bch, 'mainnet', bech32)).toThrow(InvalidAddressError);
    expect(() => validateAddress(btc, 'mainnet', SPEC_PAIRS[0][1])).toThrow(InvalidAddressError);
    expect(() => validateAddress(getCoin('LTC'), 'mainnet', SPEC_PAIRS[0][1])).toThrow(InvalidAddressError);
  });

  it('refuses a 32-byte P2SH (P2SH32) with the reason', () => {
    const p2sh32 = encodeCashAddress({
      prefix: 'bitcoincash',
      type: 'p2sh',
      payload: new Uint8Array(32).fill(7),
    }).address;
    expect(() => validateAddress(bch, 'mainnet', p2sh32)).toThrow(/P2SH32\) addresses cannot receive pool payouts/);
  });

  it('refuses input that is no address without echoing it whole', () => {
    expect(() => validateAddress(bch, 'mainnet', '')).toThrow(/empty/);
    expect(() => validateAddress(bch, 'mainnet', 'bitcoincash:a:b')).toThrow(/unexpected characters/);
    expect(() => validateAddress(bch, 'mainnet', `bitcoincash:${'q'.repeat(90)}`)).toThrow(
      /^"bitcoincash:q{49}\.\.\."/,
    );
  });

  it('verifies a signed message of a P2PKH key under its CashAddr and its legacy address alike', () => {
    const key = testKey('BCH', 'mainnet', 9);
    const legacy = key.address.p2pkh;
    expect(legacy).toMatch(/^1/);
    const cash = validateAddress(bch, 'mainnet', legacy);
    const signature = key.signBip137('pay me in BTC', 'p2pkh');
    expect(verifyMessageSignature(bch, 'mainnet', cash, 'pay me in BTC', signature)).toBe(true);
    expect(verifyMessageSignature(bch, 'mainnet', legacy, 'pay me in BTC', signature)).toBe(true);
    expect(verifyMessageSignature(bch, 'mainnet', cash, 'pay me in USDT', signature)).toBe(false);
    const other = validateAddress(bch, 'mainnet', testKey('BCH', 'mainnet', 10).address.p2pkh);
    expect(verifyMessageSignature(bch, 'mainnet', other, 'pay me in BTC', signature)).toBe(false);
  });
});

describe('Bitcoin Cash addresses: properties', () => {
  const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
  const hash20 = fc.uint8Array({ minLength: 20, maxLength: 20 });

  it('a key hash written legacy, CashAddr, bare or upper case is one script and one account', () => {
    fc.assert(
      fc.property(hash20, fc.constantFrom('mainnet' as const, 'testnet' as const, 'regtest' as const), (h, net) => {
        const legacy = payments.p2pkh({ hash: Buffer.from(h), network: bch.networks[net]![0] }).address!;
        const cash = validateAddress(bch, net, legacy);
        const script = p2pkh(Buffer.from(h).toString('hex'));
        const bare = cash.slice(cash.indexOf(':') + 1);
        for (const form of [legacy, cash, bare, cash.toUpperCase(), bare.toUpperCase()]) {
          expect(validateAddress(bch, net, form)).toBe(cash);
          expect(addressToOutputScript(bch, net, form).toString('hex')).toBe(script);
        }
      }),
    );
  });

  it('refuses every CashAddr with one character of its payload changed (the checksum catches it)', () => {
    fc.assert(
      fc.property(hash20, fc.nat(), fc.integer({ min: 1, max: 31 }), (h, at, shift) => {
        const cash = encodeCashAddress({ prefix: 'bitcoincash', type: 'p2pkh', payload: h }).address;
        const i = 'bitcoincash:'.length + (at % (cash.length - 'bitcoincash:'.length));
        const changed = CHARSET[(CHARSET.indexOf(cash[i]!) + shift) % 32]!;
        const typo = `${cash.slice(0, i)}${changed}${cash.slice(i + 1)}`;
        expect(() => validateAddress(bch, 'mainnet', typo)).toThrow(InvalidAddressError);
      }),
    );
  });
});
