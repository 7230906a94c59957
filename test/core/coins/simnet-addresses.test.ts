import { crypto } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { addressToOutputScript, coinNetworks, getCoin, validateAddress } from '../../../core/coins/index.js';
import { parseConfig } from '../../../core/config/load.js';
import { InvalidAddressError } from '../../../core/errors.js';

/**
 * btcd's simnet, the Bitcoin devnet's chain. Known answers: addresses btcwallet 0.15.1 `--simnet` gave out, with the
 * public keys its validateaddress reported; the expected scripts are built from those keys, not from the addresses.
 */
const BTC = getCoin('BTC');
const WALLET = {
  p2pkh: {
    address: 'Scxf8YD9x4Yhfi3iZ9yUUeZHtusLJF4W7c',
    pubkey: '02bf1d73fc1561451379cfcd328131a87748535b16dcdbd8e618743168fcf61757',
  },
  p2shP2wpkh: {
    address: 'rebsWroJakDFVvXctfVP68iGq32ZbDpnUQ',
    pubkey: '03ff43f6ea8ded8ba7f10c671bf51009614e96fecf93dc2174a3ea392e292b51d5',
  },
  p2wpkh: {
    address: 'sb1q95972xmpv6f5nv055cpc72h57adtt4975er9x3',
    pubkey: '02d9dadc01028e9c8e01aa6e7659931b2119b274a8810077c3c26e407b29cbed67',
  },
};
const hash160 = (hex: string) => Buffer.from(crypto.hash160(Buffer.from(hex, 'hex'))).toString('hex');

describe('BTC simnet addresses', () => {
  it("reads btcwallet's S… (P2PKH), r… (P2SH) and sb1q… (P2WPKH) addresses as the scripts of their keys", () => {
    const { p2pkh, p2shP2wpkh, p2wpkh } = WALLET;
    expect(addressToOutputScript(BTC, 'simnet', p2pkh.address).toString('hex')).toBe(
      `76a914${hash160(p2pkh.pubkey)}88ac`,
    );
    const redeem = `0014${hash160(p2shP2wpkh.pubkey)}`;
    expect(addressToOutputScript(BTC, 'simnet', p2shP2wpkh.address).toString('hex')).toBe(`a914${hash160(redeem)}87`);
    expect(addressToOutputScript(BTC, 'simnet', p2wpkh.address).toString('hex')).toBe(`0014${hash160(p2wpkh.pubkey)}`);
    // the wallet's own spelling is the one the pool keeps
    for (const { address } of Object.values(WALLET)) expect(validateAddress(BTC, 'simnet', address)).toBe(address);
  });

  it('refuses simnet addresses on the other networks and theirs on simnet', () => {
    for (const network of ['mainnet', 'testnet', 'regtest'] as const) {
      for (const { address } of Object.values(WALLET)) {
        expect(() => addressToOutputScript(BTC, network, address)).toThrow(InvalidAddressError);
      }
    }
    const regtest = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
    expect(() => addressToOutputScript(BTC, 'simnet', regtest)).toThrow(/not a valid BTC simnet address/);
    expect(() => addressToOutputScript(BTC, 'simnet', '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2')).toThrow(
      InvalidAddressError,
    );
  });

  it('is a network of BTC only: Litecoin has none, and a config naming it is refused on `network`', () => {
    expect(coinNetworks(BTC, 'simnet')[0]).toMatchObject({
      bech32: 'sb',
      pubKeyHash: 0x3f,
      scriptHash: 0x7b,
      wif: 0x64,
    });
    expect(() => coinNetworks(getCoin('LTC'), 'simnet')).toThrow(
      /LTC has no .*network "simnet"; its networks: mainnet, testnet, regtest/,
    );
    const config = (symbol: string, poolAddress: string) => ({
      coins: [
        {
          symbol,
          network: 'simnet',
          poolAddress,
          daemons: [{ url: 'http://127.0.0.1:1', user: 'u', password: 'p' }],
          ports: [{ port: 3334, difficulty: { initial: 1, min: 1, max: 1024 } }],
        },
      ],
    });
    expect(parseConfig(config('BTC', WALLET.p2pkh.address)).coins[0]!.network).toBe('simnet');
    expect(() => parseConfig(config('LTC', WALLET.p2pkh.address))).toThrow(/network: LTC has no simnet/);
  });
});
