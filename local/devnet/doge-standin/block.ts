import { Transaction } from 'bitcoinjs-lib';
import { type AuxPow, encodeAuxPow } from '../../../core/auxpow/auxpow.js';
import { readBlockHead } from '../../../core/auxpow/block.js';
import { sha256d } from '../../../core/chain/hash.js';
import { serializeHeader } from '../../../core/chain/header.js';
import { merkleRoot } from '../../../core/chain/merkle.js';
import { encodeVarint } from '../../../core/chain/serialize.js';
import { readTransaction } from '../../../core/chain/transaction.js';
import { GENESIS_TIME, REGTEST_BITS } from './params.js';

/**
 * A Dogecoin block as stored and served by the stand-in: `header (80) ‖ CAuxPow (when the version has the AuxPoW
 * flag) ‖ varint tx count ‖ transactions`, the layout of a Dogecoin block on the wire. Its hash is the sha256d of the
 * 80-byte header (internal order here; RPC shows it reversed).
 */
export interface DogeBlock {
  header: Buffer;
  auxpow?: AuxPow;
  txs: Transaction[];
}

export function blockHash(block: Pick<DogeBlock, 'header'>): Buffer {
  return sha256d(block.header);
}

export function serializeBlock(block: DogeBlock): Buffer {
  return Buffer.concat([
    block.header,
    block.auxpow ? encodeAuxPow(block.auxpow) : Buffer.alloc(0),
    encodeVarint(block.txs.length),
    ...block.txs.map((t) => Buffer.from(t.toBuffer())),
  ]);
}

/** Reads a whole block; a truncated or trailing-byte block throws. */
export function parseBlock(buf: Buffer): DogeBlock {
  const { header, auxpow, txCount, txsAt } = readBlockHead(buf);
  let at = txsAt;
  const txs: Transaction[] = [];
  for (let i = 0; i < txCount; i++) {
    const tx = readTransaction(buf, at);
    txs.push(Transaction.fromBuffer(tx.raw));
    at = tx.end;
  }
  if (at !== buf.length) throw new RangeError(`${buf.length - at} bytes after the block's transactions`);
  return { header: Buffer.from(header), auxpow, txs };
}

/** The txid of a transaction, internal byte order. */
export function txHash(tx: Transaction): Buffer {
  return Buffer.from(tx.getHash());
}

export function txMerkleRoot(txs: readonly Transaction[]): Buffer {
  return merkleRoot(txs.map(txHash));
}

/**
 * Dogecoin's regtest genesis block (chainparams.cpp: the "Nintondo" coinbase paying 88 DOGE, time 1296688602,
 * nonce 2, bits 0x207fffff); its hash is regtest's 3d2160a3…73a5 (checked by the stand-in's tests).
 */
export function genesisBlock(): DogeBlock {
  const coinbase = new Transaction();
  coinbase.version = 1;
  coinbase.addInput(Buffer.alloc(32), 0xffffffff, 0xffffffff, Buffer.from('04ffff001d0104084e696e746f6e646f', 'hex'));
  const pubkey =
    '040184710fa689ad5023690c80f3a49c8f13f8d45b8c857fbcbc8bc4a8e4d3eb4b10f4d4604fa08dce601aaf0f470216fe1b51850b4acf21b179c45070ac7b03a9';
  coinbase.addOutput(Buffer.from(`41${pubkey}ac`, 'hex'), 88n * 100_000_000n);
  const header = serializeHeader({
    version: 1,
    prevHash: Buffer.alloc(32),
    merkleRoot: txMerkleRoot([coinbase]),
    ntime: GENESIS_TIME,
    bits: REGTEST_BITS,
    nonce: 2,
  });
  return { header, txs: [coinbase] };
}
