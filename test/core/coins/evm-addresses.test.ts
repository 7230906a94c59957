import { describe, expect, it } from 'vitest';
import { addressToOutputScript } from '../../../core/coins/address.js';
import { ethashChain } from '../../../core/coins/ethash-chains.js';
import { confirmationDepth, getCoin, validateAddress } from '../../../core/coins/index.js';
import { parseConfig } from '../../../core/config/load.js';
import { ConfigError, InvalidAddressError } from '../../../core/errors.js';

const ETC = getCoin('ETC');
// EIP-55's own examples (eips.ethereum.org/EIPS/eip-55, "Test Cases": all caps, all lower, normal).
const EIP55 = [
  '0x52908400098527886E0F7030069857D2E4169EE7',
  '0xde709f2102306220921060314715629080e2fb77',
  '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
  '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
];

describe('ETC addresses (EIP-55)', () => {
  it('keeps the EIP-55 checksummed spelling as the account, whatever case the miner wrote', () => {
    const checksummed = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
    expect(validateAddress(ETC, 'mainnet', checksummed)).toBe(checksummed);
    expect(validateAddress(ETC, 'mainnet', checksummed.toLowerCase())).toBe(checksummed);
    expect(validateAddress(ETC, 'mordor', `0x${checksummed.slice(2).toUpperCase()}`)).toBe(checksummed);
    for (const a of EIP55) expect(validateAddress(ETC, 'devnet', a).toLowerCase()).toBe(a.toLowerCase());
    expect(addressToOutputScript(ETC, 'mainnet', checksummed).toString('hex')).toBe(checksummed.slice(2).toLowerCase());
  });

  it('refuses a mixed-case address whose checksum is wrong (one letter flipped in case)', () => {
    const flipped = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD';
    expect(() => validateAddress(ETC, 'mainnet', flipped)).toThrow(InvalidAddressError);
    expect(() => validateAddress(ETC, 'mainnet', flipped)).toThrow(/EIP-55 checksum/);
  });

  it('refuses what is not 0x and 40 hex digits, with the reason', () => {
    for (const bad of [
      '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA',
      '5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00',
      `0xZZ${'0'.repeat(38)}`,
      'ltc1qxyz',
    ])
      expect(() => validateAddress(ETC, 'mainnet', bad)).toThrow(InvalidAddressError);
    expect(() => validateAddress(ETC, 'mainnet', '0x1234')).toThrow(/0x and 40 hex digits/);
  });

  it('has no testnet or regtest: a config naming one is refused, mordor and devnet are taken', () => {
    expect(() => validateAddress(ETC, 'testnet', EIP55[2]!)).toThrow(/no testnet network/);
    const coin = (network: string, extra: Record<string, unknown> = {}) => ({
      symbol: 'ETC',
      network,
      poolAddress: EIP55[2],
      daemons: [{ url: 'http://127.0.0.1:8545', user: 'u', password: 'p' }],
      ports: [{ port: 0, difficulty: { initial: 1e6, min: 1e6, max: 1e9 } }],
      ...extra,
    });
    expect(() => parseConfig({ coins: [coin('regtest')] })).toThrow(/ETC has no regtest; use mainnet, mordor, devnet/);
    expect(parseConfig({ coins: [coin('mordor')] }).coins[0]!.network).toBe('mordor');
    expect(parseConfig({ coins: [coin('devnet', { poolAddress: EIP55[1] })] }).coins[0]!.poolAddress).toBe(EIP55[1]);
  });
});

describe('ETC coin definition', () => {
  it('is an etchash coin of the ethereum family counted in wei', () => {
    expect(ETC).toMatchObject({ family: 'ethereum', algorithm: 'etchash', decimals: 18, stratumDiffMultiplier: 1 });
  });

  it("carries each network's chain id, ECIP-1099 block and ECIP-1017 era length", () => {
    expect(ethashChain(ETC, 'mainnet')).toEqual({ chainId: 61, ecip1099Block: 11_700_000, eraRounds: 5_000_000 });
    expect(ethashChain(ETC, 'mordor')).toEqual({ chainId: 63, ecip1099Block: 2_520_000, eraRounds: 2_000_000 });
    expect(ethashChain(ETC, 'devnet').ecip1099Block).toBe(0);
    expect(() => ethashChain(getCoin('LTC'), 'mainnet')).toThrow(ConfigError);
  });

  it('confirms at 120 blocks by default, at coins[].confirmations when set, and never below 16', () => {
    const coin = (confirmations?: number) => ({
      symbol: 'ETC',
      poolAddress: EIP55[2],
      daemons: [{ url: 'http://127.0.0.1:8545', user: 'u', password: 'p' }],
      ports: [{ port: 0, difficulty: { initial: 1e6, min: 1e6, max: 1e9 } }],
      ...(confirmations === undefined ? {} : { confirmations }),
    });
    expect(confirmationDepth(parseConfig({ coins: [coin()] }).coins[0]!)).toBe(120);
    expect(confirmationDepth(parseConfig({ coins: [coin(500)] }).coins[0]!)).toBe(500);
    expect(() => parseConfig({ coins: [coin(15)] })).toThrow(/ETC blocks need at least 16 confirmations/);
  });
});
