import { Transaction } from 'bitcoinjs-lib';
import { bitsToDifficulty } from '../../../core/chain/target.js';
import { addressToOutputScript } from '../../../core/coins/address.js';
import { parseAmount } from '../../../core/ledger/payouts.js';
import { serializeBlock } from './block.js';
import { type ChainEntry, display, Rejected } from './chain.js';
import { RPC, RpcError, type StandinNode } from './node.js';
import { DOGE, SUBVERSION } from './params.js';
import { blockJson, coins, headerJson, txJson } from './views.js';
import { getTransaction, listSinceBlock, locate } from './wallet-rpc.js';

/**
 * The JSON-RPC methods of the stand-in, named and shaped as Dogecoin Core 1.14 answers them: the chain calls the
 * pool's chain reader and health checks make, the wallet calls of its payout sender, createauxblock/submitauxblock
 * (and getauxblock), generatetoaddress for tests and the devnet. Parameters are checked as Core checks them.
 */

export type Method = (params: unknown[]) => unknown;

export function standinMethods(node: StandinNode): Record<string, Method> {
  const chain = node.chain;
  const entryByHash = (hash: unknown): ChainEntry => {
    const height = chain.heightOf(str(hash, 'blockhash').toLowerCase());
    if (height === undefined) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Block not found');
    return chain.entries[height]!;
  };
  const sinceHeight = (hash: unknown): number | undefined => {
    if (hash === undefined || hash === null || hash === '') return undefined;
    return entryByHash(hash).height;
  };
  const walletBalance = (minConf: number) =>
    node.wallet.coins(chain.utxos, chain.height, minConf, node.mempoolSpent).reduce((s, c) => s + c.value, 0n);
  const send = (outputs: Record<string, unknown>, comment: unknown): string => {
    const list = Object.entries(outputs).map(([address, amount]) => ({
      script: scriptOf(address),
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
    version: 1140700,
    subversion: SUBVERSION,
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
      softforks: [],
      bip9_softforks: {},
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
    // verbosity 0/1/2, or Core 0.14's boolean verbose.
    getblock: ([hash, verbosity = 1]) => {
      const entry = entryByHash(hash);
      const level = verbosity === true ? 1 : verbosity === false ? 0 : int(verbosity, 'verbosity');
      if (level === 0) return serializeBlock(entry.block).toString('hex');
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
        ...txJson(at.tx),
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

    createauxblock: ([address]) => node.createAuxBlock(scriptOf(address)),
    submitauxblock: ([hash, auxpow]) => node.submitAuxBlock(str(hash, 'hash'), str(auxpow, 'auxpow')),
    getauxblock: (params) => {
      if (params.length === 0) return node.createAuxBlock(scriptOf(node.wallet.newAddress('getauxblock')));
      return node.submitAuxBlock(str(params[0], 'hash'), str(params[1], 'auxpow'));
    },
    generatetoaddress: ([n, address]) => node.mine(count(n), scriptOf(address)),
    generate: ([n]) => node.mine(count(n), scriptOf(node.wallet.newAddress('generate'))),

    getnewaddress: ([label = '']) => node.wallet.newAddress(String(label)),
    validateaddress: ([address]) => addressInfo(node, address),
    getaddressinfo: ([address]) => addressInfo(node, address),
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
    sendmany: ([, amounts, , comment, subtractFeeFrom]) => {
      if (typeof amounts !== 'object' || amounts === null || Array.isArray(amounts)) {
        throw new RpcError(RPC.TYPE, 'Expected type object for amounts');
      }
      if (Array.isArray(subtractFeeFrom) && subtractFeeFrom.length > 0) {
        throw new RpcError(RPC.INVALID_PARAMETER, 'the doge stand-in does not subtract fees from outputs');
      }
      return send(amounts as Record<string, unknown>, comment);
    },
    gettransaction: ([txid]) => {
      const tx = getTransaction(node, str(txid, 'txid').toLowerCase());
      if (!tx) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Invalid or non-wallet transaction id');
      return tx;
    },
    listsinceblock: ([hash, target = 1]) => listSinceBlock(node, sinceHeight(hash), int(target, 'target')),
  };
  methods.help = () => Object.keys(methods).sort().join('\n');
  return methods;
}

function addressInfo(node: StandinNode, address: unknown) {
  let script: Buffer;
  try {
    script = addressToOutputScript(DOGE, 'regtest', str(address, 'address'));
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

/** A regtest DOGE address's output script, or Core's -5 "Invalid Dogecoin address". */
function scriptOf(address: unknown): Buffer {
  try {
    return addressToOutputScript(DOGE, 'regtest', str(address, 'address'));
  } catch {
    throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Invalid Dogecoin address: ${String(address).slice(0, 100)}`);
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
