import type { Network } from 'bitcoinjs-lib';
import { networks as btcNetworks } from 'bitcoinjs-lib';
import { ConfigError } from '../errors.js';

export type PowAlgorithm = 'scrypt' | 'sha256d';
export type NetworkName = 'mainnet' | 'testnet' | 'regtest';

/** Address formats of one network: bitcoinjs-lib networks, the first is canonical, later ones are legacy aliases. */
export type AddressNetworks = readonly [Network, ...Network[]];

export interface CoinDefinition {
  symbol: string;
  name: string;
  /** The chain family that serves the coin (families/<name>: its job source, share verifier, payouts…). */
  family: string;
  algorithm: PowAlgorithm;
  /**
   * Stratum difficulty 1 corresponds to (sha256d diff-1 target × multiplier). Scrypt pools use 65536 so
   * that scrypt difficulties stay readable; cpuminer `-a scrypt` expects it.
   */
  stratumDiffMultiplier: number;
  /** Blocks before a coinbase can be spent. */
  coinbaseMaturity: number;
  /** Rules getblocktemplate must be called with (Litecoin refuses GBT without "mweb"). */
  gbtRules: readonly string[];
  /** Decimal places of the base unit (8: satoshi/litoshi). */
  decimals: number;
  networks: Record<NetworkName, AddressNetworks>;
  /** Human-readable prefixes of addresses that exist on the chain but cannot receive pool payouts, with why. */
  unsupportedAddressPrefixes?: Readonly<Record<string, string>>;
}

const LTC_BIP32_MAIN = { public: 0x0488b21e, private: 0x0488ade4 };
const LTC_BIP32_TEST = { public: 0x043587cf, private: 0x04358394 };
const LTC_MESSAGE = '\x19Litecoin Signed Message:\n';

function ltcNet(bech32: string, pubKeyHash: number, scriptHash: number, wif: number, test: boolean): Network {
  return {
    messagePrefix: LTC_MESSAGE,
    bech32,
    bip32: test ? LTC_BIP32_TEST : LTC_BIP32_MAIN,
    pubKeyHash,
    scriptHash,
    wif,
  };
}

const MWEB_WHY = 'MWEB addresses cannot receive coinbase outputs or pool payouts; use a legacy, P2SH or bech32 address';

/** Chain parameters are facts from each coin's chainparams.cpp. */
export const COINS: Readonly<Record<string, CoinDefinition>> = Object.freeze({
  LTC: {
    symbol: 'LTC',
    name: 'Litecoin',
    family: 'bitcoin',
    algorithm: 'scrypt',
    stratumDiffMultiplier: 65536,
    coinbaseMaturity: 100,
    gbtRules: ['mweb', 'segwit'],
    decimals: 8,
    networks: {
      // Litecoin kept Bitcoin's P2SH version byte (5 / 196) as a legacy alias after moving to M… / Q… addresses.
      mainnet: [ltcNet('ltc', 0x30, 0x32, 0xb0, false), ltcNet('ltc', 0x30, 0x05, 0xb0, false)],
      testnet: [ltcNet('tltc', 0x6f, 0x3a, 0xef, true), ltcNet('tltc', 0x6f, 0xc4, 0xef, true)],
      regtest: [ltcNet('rltc', 0x6f, 0x3a, 0xef, true), ltcNet('rltc', 0x6f, 0xc4, 0xef, true)],
    },
    unsupportedAddressPrefixes: { ltcmweb1: MWEB_WHY, tmweb1: MWEB_WHY },
  },
  BTC: {
    symbol: 'BTC',
    name: 'Bitcoin',
    family: 'bitcoin',
    algorithm: 'sha256d',
    stratumDiffMultiplier: 1,
    coinbaseMaturity: 100,
    gbtRules: ['segwit'],
    decimals: 8,
    networks: {
      mainnet: [btcNetworks.bitcoin],
      testnet: [btcNetworks.testnet],
      regtest: [btcNetworks.regtest],
    },
  },
});

export function getCoin(symbol: string): CoinDefinition {
  const coin = COINS[symbol.toUpperCase()];
  if (!coin) throw new ConfigError(`unknown coin "${symbol}"; supported: ${Object.keys(COINS).join(', ')}`);
  return coin;
}

/** The chain family of a configured coin: its config's `family`, else the coin registry's. */
export function familyOf(coin: { symbol: string; family?: string }): string {
  return coin.family ?? getCoin(coin.symbol).family;
}

export function supportedCoins(): string[] {
  return Object.keys(COINS);
}
