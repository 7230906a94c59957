import type { Network } from 'bitcoinjs-lib';
import { type CoinDefinition, coinNetworks, getCoin } from '../../../core/coins/registry.js';

/**
 * The stand-in DOGE node's chain parameters: Dogecoin's regtest (chainparams.cpp `CRegTestParams`) where they matter
 * to a pool, with the simplifications named here. This is a STAND-IN written for the devnet, not dogecoind.
 */

export const DOGE = getCoin('DOGE');

/** Dogecoin's AuxPoW chain id (`consensus.nAuxpowChainId`), the high 16 bits of every block version it mines. */
export const CHAIN_ID = DOGE.auxpow?.chainId ?? 0x62;

/** The base version of the blocks it makes (Dogecoin 1.14 mines version 4 with its chain id). */
const BASE_VERSION = 4;

/** Self-mined blocks (generatetoaddress): chain id and base version, no AuxPoW flag; their own scrypt meets the bits. */
export const minedVersion = (chainId: number): number => ((chainId << 16) | BASE_VERSION) >>> 0;
export const MINED_VERSION = minedVersion(CHAIN_ID);

/** Blocks handed out by createauxblock: `(chainId << 16) | VERSION_AUXPOW | base`, the hash computed with the flag. */
export const auxVersion = (chainId: number): number => ((chainId << 16) | 0x100 | BASE_VERSION) >>> 0;
export const AUX_VERSION = auxVersion(CHAIN_ID);

/** Regtest powLimit in compact form: every regtest block carries it (no retargeting on regtest). */
export const REGTEST_BITS = 0x207fffff;

/** `auxpowConsensus.nHeightEffective` on regtest: createauxblock serves blocks of this height and above. */
export const AUXPOW_START_HEIGHT = 20;

/** `nCoinbaseMaturity` on regtest: a coinbase may be spent in a block this many blocks above it. */
export const COINBASE_MATURITY = 60;

/** Base units per DOGE. */
export const COIN = 100_000_000n;

/**
 * The block subsidy: Dogecoin's fixed 10,000 DOGE (mainnet since block 600,000). Real regtest uses its simplified
 * early schedule instead; a fixed amount keeps the devnet's sums readable. A coinbase pays subsidy + fees.
 */
export const BLOCK_SUBSIDY = 10_000n * COIN;

/** Wallet fee rate: Dogecoin 1.14.5's recommended 0.01 DOGE per 1000 bytes (rounded up to whole kilobytes). */
export const FEE_PER_KB = COIN / 100n;

/** Dogecoin 1.14.5's dust limit: change below this goes to the fee instead of a tiny output. */
export const DUST_LIMIT = COIN / 100n;

/** What getnetworkinfo answers: the name says plainly that this is the project's stand-in, not Dogecoin Core. */
export const SUBVERSION = '/edgepool-doge-standin:0.1/';

/**
 * The chain a stand-in plays: DOGE by default, or another AuxPoW chain (e.g. one defined in a pool config's
 * auxChains) with its own chain id and address versions, so that a devnet can merge two aux chains under LTC. Only
 * these differ: its rules, subsidy and wallet are the DOGE stand-in's.
 */
export interface StandinChain {
  /** The coin whose regtest addresses its wallet and RPC read and write. */
  coin: CoinDefinition;
  /** Its AuxPoW chain id: the high 16 bits of every block version, checked in every AuxPoW. */
  chainId: number;
  /** Its regtest address versions (the coin's first regtest format). */
  network: Network;
  /** What getnetworkinfo answers: names the stand-in and the chain it plays. */
  subversion: string;
}

/** The stand-in parameters of an AuxPoW coin of the registry (its chain id and regtest addresses). */
export function standinChain(coin: CoinDefinition): StandinChain {
  if (!coin.auxpow) throw new Error(`${coin.symbol} has no AuxPoW chain id: a stand-in cannot play it`);
  return {
    coin,
    chainId: coin.auxpow.chainId,
    network: coinNetworks(coin, 'regtest')[0],
    subversion: `/edgepool-${coin.symbol.toLowerCase()}-standin:0.1/`,
  };
}

export const DOGE_STANDIN: StandinChain = standinChain(DOGE);

/** Regtest's genesis timestamp (`CreateGenesisBlock(1296688602, 2, 0x207fffff, 1, 88 * COIN)`). */
export const GENESIS_TIME = 1296688602;
