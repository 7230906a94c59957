import { secp256k1 } from '@noble/curves/secp256k1';
import { crypto, Transaction } from 'bitcoinjs-lib';
import { addressToOutputScript } from './address.js';
import { type CoinDefinition, coinNetworks, type NetworkName } from './registry.js';

/**
 * Verifies that the key of a coin address signed a text message, the way wallets sign with "Sign message":
 *  - BIP137 (65-byte recoverable signature, base64): Bitcoin Core / Litecoin Core `signmessage` for legacy P2PKH,
 *    and Electrum, Trezor, Ledger, Sparrow for P2SH-P2WPKH and P2WPKH (BIP137 segwit headers, or Electrum's
 *    compressed-key header: the key's hash decides, as bitcoinjs-message's `checkSegwitAlways`);
 *  - BIP322 "simple" (base64 witness stack) for P2WPKH: what newer wallets produce for bech32 addresses.
 * The message hash uses the coin's own prefix ("\x19Litecoin Signed Message:\n" for LTC). P2WSH and taproot
 * addresses cannot sign this way (no single key): false.
 *
 * Primitives from maintained libraries: secp256k1 recovery and verification from @noble/curves, hashes and the
 * BIP143 sighash from bitcoinjs-lib. (bitcoinjs-message covers BIP137 only, was last released in 2020 and needs
 * the native secp256k1 addon; bip322-js knows Bitcoin's networks only.)
 */
export function verifyMessageSignature(
  coin: CoinDefinition,
  network: NetworkName,
  address: string,
  message: string,
  signatureBase64: string,
): boolean {
  let script: Uint8Array;
  let sig: Uint8Array;
  try {
    script = addressToOutputScript(coin, network, address);
    sig = Uint8Array.from(Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
  const kind = scriptKind(script);
  if (!kind) return false;
  try {
    if (sig.length === 65) return verifyBip137(kind, message, sig, coinNetworks(coin, network)[0].messagePrefix);
    if (kind.type === 'p2wpkh') return verifyBip322Simple(script, kind.hash, message, sig);
  } catch {
    // a malformed signature or key is simply not a valid signature
  }
  return false;
}

type ScriptKind = { type: 'p2pkh' | 'p2sh' | 'p2wpkh'; hash: Uint8Array };

function scriptKind(s: Uint8Array): ScriptKind | undefined {
  if (s.length === 25 && s[0] === 0x76 && s[1] === 0xa9 && s[2] === 0x14 && s[23] === 0x88 && s[24] === 0xac) {
    return { type: 'p2pkh', hash: s.slice(3, 23) };
  }
  if (s.length === 23 && s[0] === 0xa9 && s[1] === 0x14 && s[22] === 0x87)
    return { type: 'p2sh', hash: s.slice(2, 22) };
  if (s.length === 22 && s[0] === 0x00 && s[1] === 0x14) return { type: 'p2wpkh', hash: s.slice(2) };
  return undefined;
}

/**
 * The hash wallets sign for "Sign message": double SHA-256 of the prefix (which starts with its own length byte,
 * as bitcoinjs-lib's networks write it) and the varint-prefixed message.
 */
export function messageHash(message: string, prefix: string): Uint8Array {
  const m = new TextEncoder().encode(message);
  return crypto.hash256(concat(new TextEncoder().encode(prefix), varint(m.length), m));
}

function verifyBip137(kind: ScriptKind, message: string, sig: Uint8Array, prefix: string): boolean {
  const header = sig[0]!;
  if (header < 27 || header > 42) return false;
  const recovery = (header - 27) & 3;
  const compressed = header >= 31;
  const pub = secp256k1.Signature.fromCompact(sig.slice(1))
    .addRecoveryBit(recovery)
    .recoverPublicKey(messageHash(message, prefix))
    .toRawBytes(compressed);
  const keyHash = crypto.hash160(pub);
  if (kind.type === 'p2pkh') return equal(keyHash, kind.hash);
  if (!compressed) return false; // segwit keys are compressed
  if (kind.type === 'p2wpkh') return equal(keyHash, kind.hash);
  return equal(crypto.hash160(concat(Uint8Array.of(0x00, 0x14), keyHash)), kind.hash); // P2SH-P2WPKH
}

/** BIP322: the message commits through a tagged hash into a virtual transaction spending the address's script. */
export function bip322Sighash(script: Uint8Array, keyHash: Uint8Array, message: string, hashType: number): Uint8Array {
  const tag = crypto.sha256(new TextEncoder().encode('BIP0322-signed-message'));
  const msgHash = crypto.sha256(concat(tag, tag, new TextEncoder().encode(message)));
  const toSpend = new Transaction();
  toSpend.version = 0;
  toSpend.addInput(new Uint8Array(32), 0xffffffff, 0, concat(Uint8Array.of(0x00, 0x20), msgHash));
  toSpend.addOutput(script, 0n);
  const toSign = new Transaction();
  toSign.version = 0;
  toSign.addInput(toSpend.getHash(), 0, 0);
  toSign.addOutput(Uint8Array.of(0x6a), 0n);
  const scriptCode = concat(Uint8Array.of(0x76, 0xa9, 0x14), keyHash, Uint8Array.of(0x88, 0xac));
  return toSign.hashForWitnessV0(0, scriptCode, 0n, hashType);
}

function verifyBip322Simple(script: Uint8Array, program: Uint8Array, message: string, witness: Uint8Array): boolean {
  const items = readWitness(witness);
  if (items.length !== 2) return false;
  const [sigWithType, pub] = items as [Uint8Array, Uint8Array];
  if (pub.length !== 33 || !equal(crypto.hash160(pub), program)) return false;
  const hashType = sigWithType[sigWithType.length - 1]!;
  if (hashType !== Transaction.SIGHASH_ALL) return false;
  const der = sigWithType.slice(0, -1);
  const sighash = bip322Sighash(script, program, message, hashType);
  return secp256k1.verify(secp256k1.Signature.fromDER(der).toCompactRawBytes(), sighash, pub, { lowS: false });
}

/** A serialized witness stack: varint count, then varint-length items. */
function readWitness(b: Uint8Array): Uint8Array[] {
  let at = 0;
  const readVarint = () => {
    const first = b[at++];
    if (first === undefined || first >= 0xfd) throw new RangeError('witness too large');
    return first;
  };
  const out: Uint8Array[] = [];
  for (let n = readVarint(); n > 0; n--) {
    const len = readVarint();
    if (at + len > b.length) throw new RangeError('witness truncated');
    out.push(b.slice(at, at + len));
    at += len;
  }
  if (at !== b.length) throw new RangeError('witness has trailing bytes');
  return out;
}

function varint(n: number): Uint8Array {
  if (n < 0xfd) return Uint8Array.of(n);
  if (n <= 0xffff) return Uint8Array.of(0xfd, n & 0xff, n >> 8);
  throw new RangeError('message too long');
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
