import { parseHeader } from '../chain/header.js';
import { decodeVarint } from '../chain/serialize.js';
import { type ReadTransaction, readTransaction } from '../chain/transaction.js';
import { type AuxPow, readAuxPow } from './auxpow.js';
import { AUXPOW_VERSION_FLAG } from './verify.js';

/**
 * The start of a serialized block of a Bitcoin-family chain, merge-mined or not: `header (80) ‖ CAuxPow (only when
 * the header's version carries the AuxPoW flag 0x100, as Dogecoin and Namecoin store it) ‖ varint tx count`.
 * `txsAt` is where the first transaction starts.
 */
export function readBlockHead(buf: Uint8Array): { header: Buffer; auxpow?: AuxPow; txCount: number; txsAt: number } {
  if (buf.length < 81) throw new RangeError('a block is longer than its header');
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const header = b.subarray(0, 80);
  let at = 80;
  let auxpow: AuxPow | undefined;
  if ((parseHeader(header).version & AUXPOW_VERSION_FLAG) !== 0) {
    const read = readAuxPow(b, at);
    auxpow = read.auxpow;
    at = read.end;
  }
  const { value: txCount, size } = decodeVarint(b, at);
  return { header, auxpow, txCount, txsAt: at + size };
}

/** The coinbase (first transaction) of a serialized block; a block without transactions throws a RangeError. */
export function readBlockCoinbase(buf: Uint8Array): ReadTransaction {
  const head = readBlockHead(buf);
  if (head.txCount === 0) throw new RangeError('a block without transactions has no coinbase');
  return readTransaction(buf, head.txsAt);
}
