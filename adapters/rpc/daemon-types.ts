/**
 * What Bitcoin-family daemons (Litecoin Core 0.21 here) answer, limited to the fields the pool and its tests read.
 * These are the wire shapes, unvalidated: core/chain/template.ts parses a template before the pool trusts it.
 */

/** getblockchaininfo. `softforks.mweb` is Litecoin's MWEB BIP9 deployment. */
export interface BlockchainInfo {
  chain: string;
  blocks: number;
  headers: number;
  bestblockhash: string;
  difficulty: number;
  initialblockdownload: boolean;
  softforks?: Record<string, SoftFork>;
}

export interface SoftFork {
  type: 'buried' | 'bip9';
  active: boolean;
  /** First block where the rules apply (known once locked in / buried). */
  height?: number;
  bip9?: { status: 'defined' | 'started' | 'locked_in' | 'active' | 'failed'; since?: number };
}

export interface NetworkInfo {
  version: number;
  subversion: string;
  protocolversion: number;
  connections: number;
  networkactive: boolean;
  warnings: string;
}

export interface MiningInfo {
  blocks: number;
  difficulty: number;
  networkhashps: number;
  pooledtx: number;
  chain: string;
  warnings: string;
}

/** getblocktemplate as the daemon sends it (BIP22/BIP23, BIP145; Litecoin adds `mweb`). */
export interface RawBlockTemplate {
  version: number;
  rules: string[];
  previousblockhash: string;
  /** After the coinbase; with MWEB active the last one is the HogEx (integrating) transaction. */
  transactions: { data: string; txid: string; hash: string; fee: number; weight: number }[];
  coinbasevalue: number;
  longpollid?: string;
  target: string;
  mintime: number;
  curtime: number;
  bits: string;
  height: number;
  default_witness_commitment?: string;
  /** Serialized MWEB extension block, hex (Litecoin, once MWEB is active). */
  mweb?: string;
}

export interface AddressValidation {
  isvalid: boolean;
  address?: string;
  scriptPubKey?: string;
  isscript?: boolean;
  iswitness?: boolean;
}

/** listunspent entry; `amount` is the daemon's JSON number of coins, `units` the same in base units. */
export interface Unspent {
  txid: string;
  vout: number;
  address?: string;
  /** The output's script, hex (Core and btcwallet both answer it). */
  scriptPubKey: string;
  amount: number;
  units: bigint;
  confirmations: number;
  spendable: boolean;
}

/** gettransaction. */
export interface WalletTransaction {
  txid: string;
  amount: number;
  fee?: number;
  confirmations: number;
  blockhash?: string;
  blockheight?: number;
  comment?: string;
  details: { address?: string; category: string; amount: number; vout: number }[];
  hex: string;
}
