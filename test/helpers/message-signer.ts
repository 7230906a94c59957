import { secp256k1 } from '@noble/curves/secp256k1';
import { crypto, payments } from 'bitcoinjs-lib';
import { coinNetworks, getCoin, type NetworkName } from '../../core/coins/index.js';
import { bip322Sighash, messageHash } from '../../core/coins/message-signature.js';

export type SigningKind = 'p2pkh' | 'p2sh-p2wpkh' | 'p2wpkh';

/** A wallet key of a coin: its address of each kind, and "Sign message" the ways wallets do it. */
export function testKey(coin: string, network: NetworkName, seed = 1) {
  const priv = new Uint8Array(32);
  priv[31] = seed;
  priv[0] = 0x42;
  const pubkey = secp256k1.getPublicKey(priv, true);
  const net = coinNetworks(getCoin(coin), network)[0];
  const p2wpkh = payments.p2wpkh({ pubkey, network: net });
  const address: Record<SigningKind, string> = {
    p2pkh: payments.p2pkh({ pubkey, network: net }).address!,
    'p2sh-p2wpkh': payments.p2sh({ redeem: p2wpkh, network: net }).address!,
    p2wpkh: p2wpkh.address!,
  };
  return {
    address,
    /** BIP137: header 31 (compressed P2PKH), 35 (P2SH-P2WPKH), 39 (P2WPKH), + recovery id; base64. */
    signBip137(message: string, kind: SigningKind): string {
      const sig = secp256k1.sign(messageHash(message, net.messagePrefix), priv);
      const header = { p2pkh: 31, 'p2sh-p2wpkh': 35, p2wpkh: 39 }[kind] + sig.recovery;
      return Buffer.concat([Buffer.of(header), Buffer.from(sig.toCompactRawBytes())]).toString('base64');
    },
    /** BIP322 simple for the P2WPKH address: the witness stack [DER signature + SIGHASH_ALL, key]; base64. */
    signBip322(message: string): string {
      const hash = crypto.hash160(pubkey);
      const sighash = bip322Sighash(p2wpkh.output!, hash, message, 1);
      const der = Buffer.concat([Buffer.from(secp256k1.sign(sighash, priv).toDERRawBytes()), Buffer.of(1)]);
      return Buffer.concat([Buffer.of(2, der.length), der, Buffer.of(33), Buffer.from(pubkey)]).toString('base64');
    },
  };
}
