import { bech32, bech32m } from 'bech32';
import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { addressToOutputScript, getCoin, validateAddress } from '../../../core/coins/index.js';
import { InvalidAddressError } from '../../../core/errors.js';

const ltc = getCoin('LTC');
const btc = getCoin('BTC');
const hash20 = Buffer.from('751e76e8199196d454941c45d1b3a323f1433bd6', 'hex');

describe('addressToOutputScript', () => {
  it('accepts the Bitcoin genesis P2PKH address and returns its script', () => {
    const script = addressToOutputScript(btc, 'mainnet', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa');
    expect(script.toString('hex')).toBe('76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac');
  });

  it('accepts the BIP173 P2WPKH test vector and returns a v0 witness program', () => {
    const script = addressToOutputScript(btc, 'mainnet', 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4'.toLowerCase());
    expect(script.toString('hex')).toBe(`0014${hash20.toString('hex')}`);
  });

  it('accepts the BIP350 taproot (bech32m, witness v1) test vector: OP_1 and its 32-byte program', () => {
    const address = 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0';
    const program = '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
    expect(addressToOutputScript(btc, 'mainnet', address).toString('hex')).toBe(`5120${program}`);
    expect(validateAddress(btc, 'mainnet', address.toUpperCase())).toBe(address); // kept lowercase
    // The same program on simnet (sb1p…), and refused on a network whose prefix it does not carry.
    const simnet = btc.networks.simnet![0];
    const onSimnet = bech32m.encode(simnet.bech32, [1, ...bech32m.toWords(Buffer.from(program, 'hex'))]);
    expect(onSimnet.startsWith('sb1p')).toBe(true);
    expect(addressToOutputScript(btc, 'simnet', onSimnet).toString('hex')).toBe(`5120${program}`);
    expect(() => validateAddress(btc, 'testnet', address)).toThrow(InvalidAddressError);
  });

  it('refuses a witness v1 program with a bech32 (not bech32m) checksum, and one that is not 32 bytes', () => {
    const words = [1, ...bech32.toWords(Buffer.alloc(32, 7))];
    expect(() => validateAddress(btc, 'mainnet', bech32.encode('bc', words))).toThrow(InvalidAddressError);
    expect(() =>
      validateAddress(btc, 'mainnet', bech32m.encode('bc', [1, ...bech32m.toWords(Buffer.alloc(20, 7))])),
    ).toThrow(InvalidAddressError);
    expect(validateAddress(btc, 'mainnet', bech32m.encode('bc', words))).toMatch(/^bc1p/);
  });

  it('accepts Litecoin mainnet L… P2PKH, M… and legacy 3… P2SH, and ltc1 bech32', () => {
    const net = ltc.networks.mainnet![0];
    const p2pkh = payments.p2pkh({ hash: hash20, network: net }).address!;
    const p2sh = payments.p2sh({ hash: hash20, network: net }).address!;
    const legacyP2sh = payments.p2sh({ hash: hash20, network: ltc.networks.mainnet![1] }).address!;
    const bech = payments.p2wpkh({ hash: hash20, network: net }).address!;
    expect(p2pkh[0]).toBe('L');
    expect(p2sh[0]).toBe('M');
    expect(legacyP2sh[0]).toBe('3');
    expect(bech.startsWith('ltc1')).toBe(true);
    for (const a of [p2pkh, p2sh, legacyP2sh, bech]) expect(() => validateAddress(ltc, 'mainnet', a)).not.toThrow();
    expect(addressToOutputScript(ltc, 'mainnet', p2sh).toString('hex')).toBe(
      addressToOutputScript(ltc, 'mainnet', legacyP2sh).toString('hex'),
    );
  });

  it('rejects a bitcoin address for litecoin', () => {
    expect(() => validateAddress(ltc, 'mainnet', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa')).toThrow(InvalidAddressError);
  });

  it('says when an address belongs to another network', () => {
    const regtestAddr = payments.p2wpkh({ hash: hash20, network: ltc.networks.regtest![0] }).address!;
    expect(() => validateAddress(ltc, 'mainnet', regtestAddr)).toThrow(/looks like a regtest address/);
    expect(() => validateAddress(ltc, 'regtest', regtestAddr)).not.toThrow();
  });

  it('rejects a corrupted checksum', () => {
    const good = payments.p2pkh({ hash: hash20, network: ltc.networks.mainnet![0] }).address!;
    const bad = good.slice(0, -1) + (good.endsWith('a') ? 'b' : 'a');
    expect(() => validateAddress(ltc, 'mainnet', bad)).toThrow(/not a valid LTC mainnet address/);
  });

  it('rejects MWEB addresses with the reason', () => {
    expect(() => validateAddress(ltc, 'regtest', 'tmweb1qq0abc')).toThrow(/MWEB addresses cannot receive/);
  });

  it('rejects empty, over-long and non-alphanumeric input without echoing it whole', () => {
    expect(() => validateAddress(ltc, 'mainnet', '')).toThrow(/empty/);
    expect(() => validateAddress(ltc, 'mainnet', 'x'.repeat(500))).toThrow(/unexpected characters/);
    expect(() => validateAddress(ltc, 'mainnet', 'L"; drop table')).toThrow(InvalidAddressError);
  });
});

describe('validateAddress: the canonical spelling (the account the pool keeps, as the wallet reports it)', () => {
  it('keeps a Litecoin legacy 3… P2SH as its M… form and other formats as written', () => {
    const legacyP2sh = payments.p2sh({ hash: hash20, network: ltc.networks.mainnet![1] }).address!;
    const p2sh = payments.p2sh({ hash: hash20, network: ltc.networks.mainnet![0] }).address!;
    const p2pkh = payments.p2pkh({ hash: hash20, network: ltc.networks.mainnet![0] }).address!;
    expect(validateAddress(ltc, 'mainnet', legacyP2sh)).toBe(p2sh);
    expect(validateAddress(ltc, 'mainnet', p2sh)).toBe(p2sh);
    expect(validateAddress(ltc, 'mainnet', p2pkh)).toBe(p2pkh);
  });

  it('keeps a bech32 address written in upper case in lower case', () => {
    const upper = 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4';
    expect(validateAddress(btc, 'mainnet', upper)).toBe(upper.toLowerCase());
  });
});
