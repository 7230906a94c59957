import { Transaction } from 'bitcoinjs-lib';
import { bitsToDifficulty } from '../../../core/chain/target.js';
import { addressToOutputScript } from '../../../core/coins/address.js';
import { parseAmount } from '../../../core/ledger/payouts.js';
import { serializeBlock } from './block.js';
import { type ChainEntry, display, Rejected } from './chain.js';
import { StandinMining } from './mining.js';
import { RPC, RpcError, type StandinNode } from './node.js';
import type { StandinChain } from './params.js';
import { blockJson, coins, headerJson, txJson } from './views.js';
import { getTransaction, listSinceBlock, locate } from './wallet-rpc.js';

/**
 * The JSON-RPC methods of the stand-in, named and shaped as Dogecoin Core 1.14 answers them: the chain calls the
 * pool's chain reader and health checks make, the wallet calls of its payout sender, createauxblock/submitauxblock
 * (and getauxblock), getblocktemplate/submitblock for DOGE mined on its own (mining.ts), generatetoaddress for tests
 * and the devnet. Parameters are checked as 1.14 checks them (Core
 * 0.14's RPC): a wrong count answers the method's usage as error -1, a wrong JSON type UniValue's "JSON value is not
 * a <type> as expected" as -1 (src/rpc/server.cpp turns every exception of a method into RPC_MISC_ERROR); forms
 * only later Cores take are refused so: getblock's numeric verbosity before 1.14.7, a null listsinceblock hash, and
 * getaddressinfo (0.17+) is no method at all.
 */

export type Method = (params: unknown[]) => unknown;

/** 'latest': Dogecoin Core 1.14.7 and later; '1.14.6': the releases before, whose getblock takes a boolean only. */
export type StandinRelease = 'latest' | '1.14.6';

export function standinMethods(
  node: StandinNode,
  release: StandinRelease = 'latest',
  log: ConstructorParameters<typeof StandinMining>[1] = { info() {}, warn() {} },
): Record<string, Method> {
  const chain = node.chain;
  const mining = new StandinMining(node, log);
  const entryByHash = (hash: unknown): ChainEntry => {
    const height = chain.heightOf(str(hash, 'blockhash').toLowerCase());
    if (height === undefined) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Block not found');
    return chain.entries[height]!;
  };
  // 1.14's listsinceblock (src/wallet/rpcwallet.cpp): a given hash must be a string; one it does not know lists
  // every transaction (no -5 as in Core 0.15+).
  const sinceHeight = (params: unknown[]): number | undefined => {
    if (params.length === 0) return undefined;
    return chain.heightOf(json(params[0], 'string').toLowerCase());
  };
  const walletBalance = (minConf: number) =>
    node.wallet.coins(chain.utxos, chain.height, minConf, node.mempoolSpent).reduce((s, c) => s + c.value, 0n);
  const send = (outputs: Record<string, unknown>, comment: unknown): string => {
    const list = Object.entries(outputs).map(([address, amount]) => ({
      script: scriptOf(chain.params, address),
      value: positiveAmount(amount),
    }));
    if (list.length === 0) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid parameter, no recipients');
    let tx: Transaction;
    try {
      tx = node.wallet.build(list, node.wallet.coins(chain.utxos, chain.height, 1, node.mempoolSpent));
    } catch (err) {
      if (err instanceof Rejected) throw new RpcError(RPC.WALLET_INSUFFICIENT_FUNDS, 'Insufficient funds');
      throw err;
    }
    // Recorded with its comment before it is announced: after a crash the wallet still knows it (and resends it).
    node.wallet.record(tx, typeof comment === 'string' && comment !== '' ? comment : undefined, nowSeconds(node));
    return node.acceptToMempool(tx);
  };

  const networkInfo = () => ({
    version: release === 'latest' ? 1140700 : 1140600,
    subversion: chain.params.subversion,
    protocolversion: 70015,
    localservices: '0000000000000005',
    localrelay: true,
    timeoffset: 0,
    // Regtest without peers: Dogecoin's AuxMiningCheck allows createauxblock without peers on regtest only.
    connections: 0,
    networkactive: true,
    networks: [],
    relayfee: 0.001,
    localaddresses: [],
    warnings: 'edgepool stand-in for dogecoind (devnet only, not Dogecoin Core)',
  });

  const methods: Record<string, Method> = {
    getblockchaininfo: () => ({
      chain: 'regtest',
      blocks: chain.height,
      headers: chain.height,
      bestblockhash: display(chain.tip.hash),
      difficulty: bitsToDifficulty(chain.bits),
      mediantime: chain.medianTimePast(),
      verificationprogress: 1,
      initialblockdownload: false,
      chainwork: headerJson(chain, chain.tip).chainwork,
      pruned: false,
      // Core 0.14's layout: the version-number forks as a list, the BIP9 deployments by name.
      softforks: [
        { id: 'bip34', version: 2, reject: { status: true } },
        { id: 'bip66', version: 3, reject: { status: true } },
        { id: 'bip65', version: 4, reject: { status: true } },
      ],
      bip9_softforks: {
        csv: { status: 'defined', startTime: 0, timeout: 999999999999, since: 0 },
        segwit: { status: 'defined', startTime: 0, timeout: 999999999999, since: 0 },
      },
    }),
    getnetworkinfo: networkInfo,
    getinfo: () => ({
      ...networkInfo(),
      blocks: chain.height,
      difficulty: bitsToDifficulty(chain.bits),
      testnet: false,
      balance: coins(walletBalance(1)),
      errors: networkInfo().warnings,
    }),
    getconnectioncount: () => 0,
    getpeerinfo: () => [],
    getmininginfo: () => ({
      blocks: chain.height,
      difficulty: bitsToDifficulty(chain.bits),
      networkhashps: 0,
      pooledtx: node.mempool.size,
      chain: 'regtest',
      warnings: networkInfo().warnings,
    }),
    getdifficulty: () => bitsToDifficulty(chain.bits),
    getblockcount: () => chain.height,
    getbestblockhash: () => display(chain.tip.hash),
    getblockhash: ([height]) => {
      const h = int(height, 'height');
      const entry = chain.entries[h];
      if (!entry || h < 0) throw new RpcError(RPC.INVALID_PARAMETER, 'Block height out of range');
      return display(entry.hash);
    },
    // 1.14.7+: verbosity 0/1/2 or the boolean verbose (release notes 1.14.7, src/rpc/blockchain.cpp); before 1.14.7
    // the boolean only. The verbosity is read before the block is looked up, as dogecoind does.
    getblock: (params) => {
      arity(params, 1, 2, 'getblock "blockhash" ( verbosity )');
      const [hash, verbosity = true] = params;
      const numeric = release === 'latest' && typeof verbosity === 'number';
      const level = numeric ? int(verbosity, 'verbosity') : json(verbosity, 'boolean') ? 1 : 0;
      const entry = entryByHash(hash);
      if (level <= 0) return serializeBlock(entry.block).toString('hex');
      return blockJson(chain, entry, level >= 2 ? 2 : 1);
    },
    getblockheader: ([hash, verbose = true]) => {
      const entry = entryByHash(hash);
      return verbose ? headerJson(chain, entry) : entry.block.header.toString('hex');
    },
    getrawtransaction: ([txid, verbose = false]) => {
      const at = locate(node, str(txid, 'txid').toLowerCase());
      if (!at || at.confirmations < 0) {
        throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'No such mempool or blockchain transaction');
      }
      if (!verbose) return at.tx.toHex();
      return {
        hex: at.tx.toHex(),
        ...txJson(at.tx, chain.params.network),
        ...(at.entry ? { blockhash: display(at.entry.hash), time: at.entry.time, blocktime: at.entry.time } : {}),
        confirmations: at.confirmations,
      };
    },
    getrawmempool: () => [...node.mempool.keys()],
    getmempoolinfo: () => ({ size: node.mempool.size, bytes: 0, usage: 0 }),
    sendrawtransaction: ([hex]) => {
      let tx: Transaction;
      try {
        tx = Transaction.fromHex(str(hex, 'hexstring'));
      } catch {
        throw new RpcError(RPC.DESERIALIZATION, 'TX decode failed');
      }
      try {
        return node.acceptToMempool(tx);
      } catch (err) {
        if (err instanceof Rejected) throw new RpcError(RPC.VERIFY_REJECTED, err.message);
        throw err;
      }
    },

    getblocktemplate: (params) => mining.getBlockTemplate(params),
    submitblock: (params) => mining.submitBlock(params),
    createauxblock: (params) => {
      arity(params, 1, 1, 'createauxblock <address>');
      return node.createAuxBlock(scriptOf(chain.params, params[0]));
    },
    submitauxblock: (params) => {
      arity(params, 2, 2, 'submitauxblock <hash> <auxpow>');
      return node.submitAuxBlock(json(params[0], 'string'), json(params[1], 'string'));
    },
    getauxblock: (params) => {
      if (params.length === 0)
        return node.createAuxBlock(scriptOf(chain.params, node.wallet.newAddress('getauxblock')));
      return node.submitAuxBlock(str(params[0], 'hash'), str(params[1], 'auxpow'));
    },
    generatetoaddress: ([n, address]) => node.mine(count(n), scriptOf(chain.params, address)),
    generate: ([n]) => node.mine(count(n), scriptOf(chain.params, node.wallet.newAddress('generate'))),

    getnewaddress: ([label = '']) => node.wallet.newAddress(String(label)),
    // No getaddressinfo: Bitcoin Core 0.17 added it; 1.14 answers -32601 "Method not found".
    validateaddress: ([address]) => addressInfo(node, address),
    // getbalance ( "account" minconf ): the wallet's confirmed coins (coinbases once mature) not spent in the mempool.
    getbalance: ([, minconf = 1]) => coins(walletBalance(int(minconf, 'minconf'))),
    listunspent: ([minconf = 1, maxconf = 9_999_999, addresses = []]) => {
      const only = new Set(addresses as string[]);
      return node.wallet
        .coins(chain.utxos, chain.height, int(minconf, 'minconf'), node.mempoolSpent)
        .map((c) => ({ ...c, confirmations: chain.height - c.height + 1 }))
        .filter((c) => c.confirmations <= int(maxconf, 'maxconf') && (only.size === 0 || only.has(c.address)))
        .map((c) => ({
          txid: c.txid,
          vout: c.vout,
          address: c.address,
          scriptPubKey: c.script.toString('hex'),
          amount: coins(c.value),
          confirmations: c.confirmations,
          spendable: true,
          solvable: true,
        }));
    },
    sendtoaddress: ([address, amount, comment]) => send({ [str(address, 'address')]: amount }, comment),
    // sendmany "fromaccount" {"address":amount,...} ( minconf "comment" [subtractfeefrom] )
    sendmany: (params) => {
      arity(params, 2, 5, 'sendmany "fromaccount" {"address":amount,...} ( minconf "comment" ["address",...] )');
      const [, amounts, , comment, subtractFeeFrom] = params;
      if (typeof amounts !== 'object' || amounts === null || Array.isArray(amounts)) {
        throw new RpcError(RPC.TYPE, 'Expected type object for amounts');
      }
      if (Array.isArray(subtractFeeFrom) && subtractFeeFrom.length > 0) {
        throw new RpcError(RPC.INVALID_PARAMETER, 'the doge stand-in does not subtract fees from outputs');
      }
      return send(amounts as Record<string, unknown>, comment);
    },
    gettransaction: (params) => {
      arity(params, 1, 2, 'gettransaction "txid" ( include_watchonly )');
      const [txid] = params;
      const tx = getTransaction(node, str(txid, 'txid').toLowerCase());
      if (!tx) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Invalid or non-wallet transaction id');
      return tx;
    },
    // listsinceblock ( "blockhash" target_confirmations include_watchonly ): 1.14 checks no count, reads three.
    listsinceblock: (params) => {
      const since = sinceHeight(params);
      const target = params.length > 1 ? int(params[1], 'target_confirmations') : 1;
      if (target < 1) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid parameter');
      return listSinceBlock(node, since, target);
    },
  };
  methods.help = () => Object.keys(methods).sort().join('\n');
  return methods;
}

function addressInfo(node: StandinNode, address: unknown) {
  let script: Buffer;
  try {
    script = addressToOutputScript(node.chain.params.coin, 'regtest', str(address, 'address'));
  } catch {
    return { isvalid: false };
  }
  const key = node.wallet.keyFor(script);
  return {
    isvalid: true,
    address,
    scriptPubKey: script.toString('hex'),
    ismine: key !== undefined,
    iswatchonly: false,
    isscript: script[0] === 0xa9,
    ...(key ? { account: key.label, label: key.label } : {}),
  };
}

/** A regtest address's output script on the chain played, or Core's -5 "Invalid Dogecoin address". */
function scriptOf(params: StandinChain, address: unknown): Buffer {
  try {
    return addressToOutputScript(params.coin, 'regtest', str(address, 'address'));
  } catch {
    const name = params.coin.name;
    throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Invalid ${name} address: ${String(address).slice(0, 100)}`);
  }
}

function positiveAmount(value: unknown): bigint {
  let units: bigint;
  try {
    if (typeof value !== 'number' && typeof value !== 'string') throw new TypeError('not an amount');
    units = parseAmount(value);
  } catch {
    throw new RpcError(RPC.TYPE, 'Invalid amount');
  }
  if (units <= 0n) throw new RpcError(RPC.TYPE, 'Invalid amount for send');
  return units;
}

/** A call with too few or too many parameters: dogecoind throws the method's help, answered as -1. */
function arity(params: unknown[], min: number, max: number, usage: string): void {
  if (params.length < min || params.length > max) throw new RpcError(RPC.MISC, `${usage}\n`);
}

/** UniValue's get_str/get_bool on a value of another JSON type: std::runtime_error, answered as -1. */
function json(value: unknown, type: 'string'): string;
function json(value: unknown, type: 'boolean'): boolean;
function json(value: unknown, type: 'string' | 'boolean'): string | boolean {
  if (typeof value !== type) throw new RpcError(RPC.MISC, `JSON value is not a ${type} as expected`);
  return value as string | boolean;
}

function str(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new RpcError(RPC.TYPE, `Expected type string for ${what}`);
  return value;
}

function int(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new RpcError(RPC.TYPE, `Expected type integer for ${what}`);
  }
  return value;
}

function count(value: unknown): number {
  const n = int(value, 'nblocks');
  if (n < 0 || n > 10_000) throw new RpcError(RPC.INVALID_PARAMETER, 'nblocks must be 0..10000');
  return n;
}

const nowSeconds = (node: StandinNode): number => Math.floor(node.now / 1000);
