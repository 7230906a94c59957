import { address as baddress, script as bscript, type Network, type Transaction } from 'bitcoinjs-lib';
import type { AuxPow } from '../../../core/auxpow/auxpow.js';
import { parseHeader } from '../../../core/chain/header.js';
import { bitsToDifficulty, bitsToTarget } from '../../../core/chain/target.js';
import { readTransaction } from '../../../core/chain/transaction.js';
import { formatAmount } from '../../../core/ledger/payouts.js';
import { txHash } from './block.js';
import { type ChainEntry, type DogeChain, display, isCoinbase } from './chain.js';

/** The JSON shapes Dogecoin Core 1.14 answers for blocks and transactions (the fields a pool reads, and a few more). */

/** Base units → the JSON number of coins the RPC answers (8 decimals are exact in a double at these sizes). */
export const coins = (units: bigint): number => Number(formatAmount(units));

/** The address an output script pays on the chain's network, when it is one (P2PKH, P2SH). */
export function addressOf(script: Uint8Array, network: Network): string | undefined {
  try {
    return baddress.fromOutputScript(script, network);
  } catch {
    return undefined;
  }
}

function scriptType(script: Uint8Array): string {
  const s = Buffer.from(script);
  if (s.length === 25 && s[0] === 0x76 && s[1] === 0xa9 && s[23] === 0x88 && s[24] === 0xac) return 'pubkeyhash';
  if (s.length === 23 && s[0] === 0xa9 && s[22] === 0x87) return 'scripthash';
  if ((s.length === 35 || s.length === 67) && s.at(-1) === 0xac) return 'pubkey';
  if (s[0] === 0x6a) return 'nulldata';
  return 'nonstandard';
}

function asm(script: Uint8Array): string {
  try {
    return bscript.toASM(script);
  } catch {
    return '[error]';
  }
}

/** decoderawtransaction / getrawtransaction verbose / getblock 2's `tx` entries; Dogecoin 1.14 lists `addresses`. */
export function txJson(tx: Transaction, network: Network) {
  const raw = Buffer.from(tx.toBuffer());
  const coinbase = isCoinbase(tx);
  return {
    txid: display(txHash(tx)),
    hash: display(txHash(tx)),
    version: tx.version,
    size: raw.length,
    vsize: raw.length,
    locktime: tx.locktime,
    vin: tx.ins.map((i) =>
      coinbase
        ? { coinbase: Buffer.from(i.script).toString('hex'), sequence: i.sequence }
        : {
            txid: display(Buffer.from(i.hash)),
            vout: i.index,
            scriptSig: { asm: asm(i.script), hex: Buffer.from(i.script).toString('hex') },
            sequence: i.sequence,
          },
    ),
    vout: tx.outs.map((o, n) => {
      const address = addressOf(o.script, network);
      return {
        value: coins(o.value),
        n,
        scriptPubKey: {
          asm: asm(o.script),
          hex: Buffer.from(o.script).toString('hex'),
          type: scriptType(o.script),
          ...(address ? { reqSigs: 1, addresses: [address] } : {}),
        },
      };
    }),
  };
}

/** Dogecoin's AuxpowToJSON. */
function auxpowJson(auxpow: AuxPow) {
  const coinbase = readTransaction(auxpow.coinbase);
  return {
    tx: { hex: coinbase.raw.toString('hex') },
    index: auxpow.coinbaseIndex,
    chainindex: auxpow.chainIndex,
    merklebranch: auxpow.coinbaseBranch.map(display),
    chainmerklebranch: auxpow.chainBranch.map(display),
    parentblock: auxpow.parentHeader.toString('hex'),
  };
}

/** Total work of the chain up to `height` (every block has the same bits): chainwork, as 64 hex digits. */
function chainwork(bits: number, height: number): string {
  const work = (1n << 256n) / (bitsToTarget(bits) + 1n);
  return (work * BigInt(height + 1)).toString(16).padStart(64, '0');
}

export function headerJson(chain: DogeChain, entry: ChainEntry) {
  const h = parseHeader(entry.block.header);
  const next = chain.entries[entry.height + 1];
  return {
    hash: display(entry.hash),
    confirmations: chain.height - entry.height + 1,
    height: entry.height,
    version: h.version,
    versionHex: h.version.toString(16).padStart(8, '0'),
    merkleroot: display(h.merkleRoot),
    time: h.ntime,
    mediantime: chain.medianTimePast(entry.height),
    nonce: h.nonce,
    bits: h.bits.toString(16).padStart(8, '0'),
    difficulty: bitsToDifficulty(h.bits),
    chainwork: chainwork(h.bits, entry.height),
    ...(entry.height > 0 ? { previousblockhash: display(h.prevHash) } : {}),
    ...(next ? { nextblockhash: display(next.hash) } : {}),
  };
}

/** getblock verbose (1: txids, 2: decoded transactions). */
export function blockJson(chain: DogeChain, entry: ChainEntry, verbosity: 1 | 2) {
  const { block } = entry;
  return {
    ...headerJson(chain, entry),
    size: entry.size,
    strippedsize: entry.size,
    weight: entry.size * 4,
    tx: block.txs.map((tx) => (verbosity === 2 ? txJson(tx, chain.params.network) : display(txHash(tx)))),
    ...(block.auxpow ? { auxpow: auxpowJson(block.auxpow) } : {}),
  };
}
