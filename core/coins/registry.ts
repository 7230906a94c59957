import type { Network } from 'bitcoinjs-lib';
import { networks as btcNetworks } from 'bitcoinjs-lib';
import { ConfigError } from '../errors.js';
import type { AddressCodec } from './address-codec.js';
import { type AddressNetworks, bitcoinjsAddresses } from './bitcoinjs-addresses.js';
import { cashAddresses } from './cash-addresses.js';
import { ETC_CHAINS, type EthashChain } from './ethash-chains.js';
import { evmAddresses } from './evm-addresses.js';

export type PowAlgorithm = 'scrypt' | 'sha256d' | 'etchash';
/**
 * Every network a coin may have; `simnet` is btcd's private test chain (the Bitcoin devnet: btcwallet has no
 * regtest); `mordor` is Ethereum Classic's test network and `devnet` its local core-geth chain.
 */
export const NETWORK_NAMES = ['mainnet', 'testnet', 'regtest', 'simnet', 'mordor', 'devnet'] as const;
export type NetworkName = (typeof NETWORK_NAMES)[number];

export type { AddressNetworks } from './bitcoinjs-addresses.js';

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
  /**
   * Hashes one unit of stratum difficulty stands for, where that is not 2^32 / stratumDiffMultiplier (the Bitcoin
   * family's diff-1 target): Ethereum-family difficulty is hashes per share already (target = 2^256 / difficulty).
   */
  hashesPerDifficulty?: number;
  /**
   * Blocks before a found block's reward is spendable and credited mature (Bitcoin family: the coinbase maturity).
   * A coin whose chain has no such rule (ETC) gives its default confirmation depth; coins[].confirmations may raise
   * it (core/coins/confirmations.ts).
   */
  coinbaseMaturity: number;
  /** The least coins[].confirmations may be (default: coinbaseMaturity, a protocol rule nobody may lower). */
  minConfirmations?: number;
  /**
   * Blocks deep a payout's transaction must be before the payout is settled (its amounts `paid`): until then it stays
   * `sent`, and a transaction a reorg dropped is broadcast again. Default 1; coins[].payouts.confirmations overrides.
   */
  payoutConfirmations?: number;
  /** Rules getblocktemplate must be called with (Litecoin refuses GBT without "mweb"). */
  gbtRules: readonly string[];
  /** Decimal places of the base unit (8: satoshi/litoshi; 18: wei). */
  decimals: number;
  /**
   * The coin's networks (a config naming another is refused) with their base58/bech32 formats: Bitcoin-family coins
   * have mainnet, testnet and regtest (BTC simnet too); ETC has mainnet, mordor and devnet, with no such formats
   * (null).
   */
  networks: Partial<Record<NetworkName, AddressNetworks | null>>;
  /**
   * A chain merge-mined under a parent of its algorithm (AuxPoW, core/auxpow): its chain id, the high 16 bits of
   * its block versions, which places it in the aux merkle tree (Dogecoin 98, Namecoin 1). Such a coin is configured
   * with `mergedWith` its parent (core/config/merged.ts) and gets its work from `createauxblock`, not from templates.
   */
  auxpow?: { chainId: number };
  /** Ethereum-family coins: each network's chain id, ECIP-1099 block and ECIP-1017 era length. */
  ethash?: Partial<Record<NetworkName, EthashChain>>;
  /** Human-readable prefixes of addresses that exist on the chain but cannot receive pool payouts, with why. */
  unsupportedAddressPrefixes?: Readonly<Record<string, string>>;
  /**
   * Reads the coin's addresses (output script, canonical spelling, the reason for a refusal): every place that
   * validates an address or pays one goes through it (core/coins/address.ts), never through a coin's name.
   */
  addresses: AddressCodec<NetworkName>;
}

/** A coin whose addresses are base58/bech32 in its `networks` (bitcoinjs-lib reads them). */
function withBitcoinjsAddresses(
  coin: Omit<CoinDefinition, 'addresses' | 'networks'> & {
    networks: Record<'mainnet' | 'testnet' | 'regtest', AddressNetworks> &
      Partial<Record<NetworkName, AddressNetworks>>;
  },
): CoinDefinition {
  return { ...coin, addresses: bitcoinjsAddresses(coin.networks, coin.unsupportedAddressPrefixes) };
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

/**
 * btcd's simnet (chaincfg.SimNetParams): P2PKH S… (0x3f), P2SH r… (0x7b), bech32 sb1…, WIF 0x64, BIP32 sprv/spub.
 * bitcoinjs-lib validates bech32m (sb1p…, taproot) with the same hrp.
 */
const BTC_SIMNET: Network = {
  messagePrefix: '\x18Bitcoin Signed Message:\n',
  bech32: 'sb',
  bip32: { public: 0x0420bd3a, private: 0x0420b900 },
  pubKeyHash: 0x3f,
  scriptHash: 0x7b,
  wif: 0x64,
};

/**
 * Bitcoin Cash (Bitcoin Cash Node's chainparams.cpp): Bitcoin's base58 version bytes and signed-message prefix, no
 * bech32 (the chain has no segwit; its addresses are CashAddr, read by `cashAddresses`). Only the base58 versions and
 * the message prefix are read here; `bech32` is empty so that no bech32 address can match.
 */
function bchNet(pubKeyHash: number, scriptHash: number, wif: number, test: boolean): Network {
  return {
    messagePrefix: '\x18Bitcoin Signed Message:\n',
    bech32: '',
    bip32: (test ? btcNetworks.testnet : btcNetworks.bitcoin).bip32,
    pubKeyHash,
    scriptHash,
    wif,
  };
}

const BCH_LEGACY = {
  mainnet: [bchNet(0x00, 0x05, 0x80, false)],
  testnet: [bchNet(0x6f, 0xc4, 0xef, true)],
  regtest: [bchNet(0x6f, 0xc4, 0xef, true)],
} as const satisfies Record<'mainnet' | 'testnet' | 'regtest', AddressNetworks>;

/**
 * Dogecoin (chainparams.cpp): D… (30), 9…/A… (22), WIF 158, BIP32 dgub/dgpv; testnet n… (113), 2… (196), WIF 241;
 * regtest Bitcoin's test versions (111, 196, 239). No segwit addresses (Dogecoin has no bech32): `bech32` is empty so
 * that none can match.
 */
function dogeNet(pubKeyHash: number, scriptHash: number, wif: number, bip32: Network['bip32']): Network {
  return { messagePrefix: '\x19Dogecoin Signed Message:\n', bech32: '', bip32, pubKeyHash, scriptHash, wif };
}
const DOGE_BIP32_MAIN = { public: 0x02facafd, private: 0x02fac398 };

const MWEB_WHY = 'MWEB addresses cannot receive coinbase outputs or pool payouts; use a legacy, P2SH or bech32 address';

/** Chain parameters are facts from each coin's chainparams.cpp. */
export const COINS: Readonly<Record<string, CoinDefinition>> = Object.freeze({
  LTC: withBitcoinjsAddresses({
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
  }),
  BTC: withBitcoinjsAddresses({
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
      simnet: [BTC_SIMNET],
    },
  }),
  BCH: {
    symbol: 'BCH',
    name: 'Bitcoin Cash',
    family: 'bitcoin',
    algorithm: 'sha256d',
    stratumDiffMultiplier: 1,
    coinbaseMaturity: 100,
    // Bitcoin Cash Node's getblocktemplate takes no rules (only mode, capabilities, longpollid): it has no segwit,
    // and its templates never carry a default_witness_commitment, so the pool's blocks have no witness data.
    gbtRules: [],
    decimals: 8,
    networks: BCH_LEGACY,
    addresses: cashAddresses({
      mainnet: { prefix: 'bitcoincash', legacy: BCH_LEGACY.mainnet },
      testnet: { prefix: 'bchtest', legacy: BCH_LEGACY.testnet },
      regtest: { prefix: 'bchreg', legacy: BCH_LEGACY.regtest },
    }),
  },
  DOGE: withBitcoinjsAddresses({
    symbol: 'DOGE',
    name: 'Dogecoin',
    family: 'bitcoin',
    algorithm: 'scrypt',
    stratumDiffMultiplier: 65536,
    // Dogecoin's coinbase maturity since the Digishield fork (block 145,000): 240 blocks (4 hours). Regtest's is 60;
    // crediting at 240 there only waits longer.
    coinbaseMaturity: 240,
    // Merge-mined (createauxblock), or mined on its own through getblocktemplate: Dogecoin Core 1.14 needs no rule
    // (no BIP9 deployment can activate under its fixed block version 4; ["segwit"] gets the same template).
    gbtRules: [],
    decimals: 8,
    auxpow: { chainId: 0x62 },
    networks: {
      mainnet: [dogeNet(0x1e, 0x16, 0x9e, DOGE_BIP32_MAIN)],
      testnet: [dogeNet(0x71, 0xc4, 0xf1, LTC_BIP32_TEST)],
      regtest: [dogeNet(0x6f, 0xc4, 0xef, LTC_BIP32_TEST)],
    },
  }),
  ETC: {
    symbol: 'ETC',
    name: 'Ethereum Classic',
    family: 'ethereum',
    algorithm: 'etchash',
    // Ethereum-family difficulty is already "hashes per share" (target = 2^256 / difficulty): no multiplier.
    stratumDiffMultiplier: 1,
    hashesPerDifficulty: 1,
    // ETC has no coinbase maturity; a block is credited mature this deep (open-etc-pool's `depth` 120: ETC has seen
    // 51% reorgs of thousands of blocks, so no less than open-ethereum-pool's floor of 16, and more is the operator's).
    coinbaseMaturity: 120,
    minConfirmations: 16,
    // A payout is settled as deep as a block is (the depth the pool already trusts ETC's chain at): a payout
    // transaction dropped by a shallower reorg is broadcast again, where one settled after a block would stay dropped
    // and its nonce be reused by the next payout. 120 blocks (~26 min) pass within the hourly payouts interval.
    payoutConfirmations: 120,
    // getWork, not getblocktemplate.
    gbtRules: [],
    decimals: 18,
    networks: { mainnet: null, mordor: null, devnet: null },
    ethash: ETC_CHAINS,
    addresses: evmAddresses<NetworkName>(ETC_CHAINS),
  },
});

/** The address formats of the coin on the network; a ConfigError when the coin has no such network. */
export function coinNetworks(coin: CoinDefinition, network: NetworkName): AddressNetworks {
  const nets = coin.networks[network];
  if (!nets) {
    const known = Object.keys(coin.networks).join(', ');
    throw new ConfigError(`${coin.symbol} has no base58/bech32 network "${network}"; its networks: ${known}`);
  }
  return nets;
}

/**
 * Coins the pool config defines (its `auxChains`, core/config/aux-chains.ts), registered when a config is parsed:
 * the one mutable part of the registry. `getCoin` is asked in every runtime (the stratum container, each Lambda,
 * local mode, the CDK app), and each parses the same config before anything else, so each knows them. Each is kept
 * with a fingerprint of what defined it: the same definition again is nothing new, a different one is refused.
 */
const configured = new Map<string, { coin: CoinDefinition; fingerprint: string }>();

/**
 * Registers config-defined coins, all or none: a ConfigError naming both definitions when one shadows a built-in
 * coin or differs from one already registered under its symbol. Returns the undo (forgets the ones it added), so a
 * config that turns out invalid leaves the registry as it found it.
 */
export function registerConfiguredCoins(coins: readonly { coin: CoinDefinition; fingerprint: string }[]): () => void {
  const added: string[] = [];
  const seen = new Map<string, string>();
  for (const { coin, fingerprint } of coins) {
    const builtIn = COINS[coin.symbol];
    if (builtIn)
      throw new ConfigError(
        `${coin.symbol} is a built-in coin (${builtIn.name}); the config cannot define it again (${fingerprint})`,
      );
    const known = configured.get(coin.symbol)?.fingerprint ?? seen.get(coin.symbol);
    if (known !== undefined && known !== fingerprint)
      throw new ConfigError(`${coin.symbol} is already defined as ${known}; this config defines it as ${fingerprint}`);
    seen.set(coin.symbol, fingerprint);
  }
  for (const entry of coins) {
    if (configured.has(entry.coin.symbol)) continue;
    configured.set(entry.coin.symbol, entry);
    added.push(entry.coin.symbol);
  }
  return () => {
    for (const symbol of added) configured.delete(symbol);
  };
}

/** Whether the symbol is a coin of the registry: built in, or defined by a parsed config. */
export function isKnownCoin(symbol: string): boolean {
  return symbol in COINS || configured.has(symbol);
}

/** Whether the coin is one of the registry's own (core/coins/registry.ts), not defined by a config. */
export function isBuiltInCoin(symbol: string): boolean {
  return symbol in COINS;
}

export function getCoin(symbol: string): CoinDefinition {
  const upper = symbol.toUpperCase();
  const coin = COINS[upper] ?? configured.get(upper)?.coin;
  if (!coin) throw new ConfigError(`unknown coin "${symbol}"; supported: ${supportedCoins().join(', ')}`);
  return coin;
}

/**
 * How many blocks deep a configured coin's found block is credited mature: coins[].confirmations, else the coin's
 * default (CoinDefinition.coinbaseMaturity). The config schema refuses less than the coin's minimum.
 */
export function confirmationDepth(coin: { symbol: string; confirmations?: number | undefined }): number {
  return coin.confirmations ?? getCoin(coin.symbol).coinbaseMaturity;
}

/**
 * How many blocks deep a configured coin's payout transaction is settled: coins[].payouts.confirmations, else the
 * coin's default (CoinDefinition.payoutConfirmations), else 1.
 */
export function payoutConfirmationDepth(coin: {
  symbol: string;
  payouts?: { confirmations?: number | undefined } | undefined;
}): number {
  return coin.payouts?.confirmations ?? getCoin(coin.symbol).payoutConfirmations ?? 1;
}

/** The chain family of a configured coin: its config's `family`, else the coin registry's. */
export function familyOf(coin: { symbol: string; family?: string }): string {
  return coin.family ?? getCoin(coin.symbol).family;
}

/** The built-in coins, then the config-defined ones. */
export function supportedCoins(): string[] {
  return [...Object.keys(COINS), ...configured.keys()];
}
