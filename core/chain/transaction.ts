import { decodeVarint } from './serialize.js';

/**
 * Reading a Bitcoin-family transaction out of a larger buffer (an AuxPoW proof, a block), in either serialization:
 * legacy, or BIP144 with marker/flag and witnesses. Its id is always the sha256d of the stripped (non-witness) form,
 * which `stripped` holds.
 */

export interface TxInput {
  /** Internal byte order. */
  prevTxid: Buffer;
  prevIndex: number;
  script: Buffer;
  sequence: number;
}

export interface TxOutput {
  /** Base units. */
  value: bigint;
  script: Buffer;
}

export interface ReadTransaction {
  version: number;
  inputs: TxInput[];
  outputs: TxOutput[];
  locktime: number;
  /** The transaction as it was serialized (with witnesses if it had them). */
  raw: Buffer;
  /** The non-witness serialization: what the txid hashes. Equal to `raw` for a legacy transaction. */
  stripped: Buffer;
  /** Where the transaction ended in the buffer it was read from. */
  end: number;
}

/** Reads one transaction starting at `offset`; a truncated or malformed one throws a RangeError. */
export function readTransaction(buf: Uint8Array, offset = 0): ReadTransaction {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = offset;
  const take = (n: number, what: string): Buffer => {
    if (at + n > b.length) throw new RangeError(`transaction truncated in its ${what}`);
    const out = b.subarray(at, at + n);
    at += n;
    return out;
  };
  const count = (what: string): number => {
    const { value, size } = decodeVarint(b, at);
    at += size;
    // Each item takes at least one byte: a count beyond what is left is malformed, not a reason to allocate.
    if (value > b.length - at) throw new RangeError(`transaction ${what} count ${value} exceeds its bytes`);
    return value;
  };

  const version = take(4, 'version').readUInt32LE(0);
  const segwit = b[at] === 0x00 && b[at + 1] === 0x01;
  if (segwit) at += 2;
  const bodyStart = at;
  const inputs: TxInput[] = [];
  for (let n = count('input'); n > 0; n--) {
    const prevTxid = take(32, 'input');
    const prevIndex = take(4, 'input').readUInt32LE(0);
    const script = take(count('scriptSig length'), 'scriptSig');
    inputs.push({ prevTxid, prevIndex, script, sequence: take(4, 'input').readUInt32LE(0) });
  }
  const outputs: TxOutput[] = [];
  for (let n = count('output'); n > 0; n--) {
    const value = take(8, 'output').readBigUInt64LE(0);
    outputs.push({ value, script: take(count('script length'), 'output script') });
  }
  const bodyEnd = at;
  if (segwit) {
    for (let i = 0; i < inputs.length; i++) {
      for (let n = count('witness item'); n > 0; n--) take(count('witness item length'), 'witness');
    }
  }
  const locktimeBytes = take(4, 'locktime');
  const raw = b.subarray(offset, at);
  const stripped = segwit
    ? Buffer.concat([b.subarray(offset, offset + 4), b.subarray(bodyStart, bodyEnd), locktimeBytes])
    : raw;
  return { version, inputs, outputs, locktime: locktimeBytes.readUInt32LE(0), raw, stripped, end: at };
}
