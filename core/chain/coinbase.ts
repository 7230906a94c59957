import { assertHex } from './hash.js';
import { encodeVarint, scriptNumberPush } from './serialize.js';

/**
 * The pool's coinbase transaction, split for stratum around the extranonce:
 *
 *   coinb1 ‖ extranonce1 ‖ extranonce2 ‖ coinb2  =  the coinbase serialized WITHOUT witness (its txid form)
 *
 * The scriptSig is `push(height) ‖ extranonce1 ‖ extranonce2 ‖ tag`. BIP34 requires the height push first;
 * consensus limits the whole scriptSig to 2..100 bytes. The extranonce bytes are not a push: a coinbase
 * scriptSig is never executed, only its first push (the height) is parsed.
 */

export interface CoinbaseOutput {
  /** Base units. */
  value: bigint;
  script: Buffer;
}

export interface CoinbaseSpec {
  height: number;
  /** The outputs in order; the pool's payout output first, then the witness commitment (if any). */
  outputs: readonly CoinbaseOutput[];
  /** Arbitrary bytes after the extranonce (pool tag); counted against the 100-byte scriptSig limit. */
  tag: Buffer;
  /** Bytes between the height push and the extranonce, e.g. GBT's `coinbaseaux.flags`. */
  aux?: Buffer;
  extranonce1Size: number;
  extranonce2Size: number;
}

export interface CoinbaseParts {
  coinb1: Buffer;
  coinb2: Buffer;
}

/** Consensus limit on a coinbase scriptSig (bad-cb-length above 100 bytes). */
export const MAX_COINBASE_SCRIPT_SIG = 100;

/** Transaction version of the coinbase; any version is valid, 1 is what most pools write. */
const COINBASE_VERSION = 1;

/** The scriptSig's parts and their sizes in bytes, in order: what the 100-byte limit is checked against. */
export function coinbaseScriptSigParts(
  spec: Pick<CoinbaseSpec, 'height' | 'aux' | 'extranonce1Size' | 'extranonce2Size' | 'tag'>,
): { height: number; aux: number; extranonce1: number; extranonce2: number; tag: number } {
  return {
    height: scriptNumberPush(spec.height).length,
    aux: spec.aux?.length ?? 0,
    extranonce1: spec.extranonce1Size,
    extranonce2: spec.extranonce2Size,
    tag: spec.tag.length,
  };
}

export function buildCoinbase(spec: CoinbaseSpec): CoinbaseParts {
  const heightPush = scriptNumberPush(spec.height);
  const aux = spec.aux ?? Buffer.alloc(0);
  const scriptSigLength = Object.values(coinbaseScriptSigParts(spec)).reduce((a, b) => a + b, 0);
  if (scriptSigLength > MAX_COINBASE_SCRIPT_SIG) {
    throw new RangeError(
      `coinbase scriptSig would be ${scriptSigLength} bytes (limit ${MAX_COINBASE_SCRIPT_SIG}): shorten the pool tag`,
    );
  }
  if (scriptSigLength < 2) throw new RangeError('coinbase scriptSig must be at least 2 bytes (bad-cb-length)');
  if (spec.outputs.length === 0) throw new RangeError('a coinbase needs at least one output');

  const version = Buffer.alloc(4);
  version.writeUInt32LE(COINBASE_VERSION);
  const coinb1 = Buffer.concat([
    version,
    encodeVarint(1),
    Buffer.alloc(32), // prevout hash: null
    Buffer.from('ffffffff', 'hex'), // prevout index: null
    encodeVarint(scriptSigLength),
    heightPush,
    aux,
  ]);
  const coinb2 = Buffer.concat([
    spec.tag,
    Buffer.from('ffffffff', 'hex'), // sequence
    encodeVarint(spec.outputs.length),
    ...spec.outputs.map(serializeOutput),
    Buffer.alloc(4), // locktime 0
  ]);
  return { coinb1, coinb2 };
}

/** The stripped coinbase (txid form) for one miner's extranonce values. */
export function joinCoinbase(parts: CoinbaseParts, extranonce1: string, extranonce2: string): Buffer {
  assertHex(extranonce1, 'extranonce1');
  assertHex(extranonce2, 'extranonce2');
  return Buffer.concat([parts.coinb1, Buffer.from(extranonce1, 'hex'), Buffer.from(extranonce2, 'hex'), parts.coinb2]);
}

/**
 * BIP141: the segwit serialization of a stripped coinbase, with marker/flag and the one-item witness
 * holding the 32-byte witness reserved value (zeros), which the template's witness commitment assumes.
 * A single-input coinbase has exactly one witness stack; it goes right before the 4-byte locktime.
 */
export function withWitnessReservedValue(strippedCoinbase: Buffer): Buffer {
  return Buffer.concat([
    strippedCoinbase.subarray(0, 4),
    Buffer.from([0x00, 0x01]), // marker, flag
    strippedCoinbase.subarray(4, strippedCoinbase.length - 4),
    Buffer.from([0x01, 0x20]), // one stack item of 32 bytes
    Buffer.alloc(32),
    strippedCoinbase.subarray(strippedCoinbase.length - 4),
  ]);
}

function serializeOutput(out: CoinbaseOutput): Buffer {
  if (out.value < 0n || out.value > 0xffffffffffffffffn)
    throw new RangeError(`output value out of range: ${out.value}`);
  const value = Buffer.alloc(8);
  value.writeBigUInt64LE(out.value);
  return Buffer.concat([value, encodeVarint(out.script.length), out.script]);
}
