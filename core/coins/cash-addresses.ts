// The CashAddr module alone, not the package index: the index instantiates libauth's WASM crypto at load (top-level
// await) and, where a bundle wraps this module for a lazy import, keeps all of it (~585 KB in a Lambda).
import { decodeCashAddress, encodeCashAddress } from '@bitauth/libauth/build/lib/address/cash-address.js';
import { address as btcAddress } from 'bitcoinjs-lib';
import { InvalidAddressError } from '../errors.js';
import { type AddressCodec, type DecodedAddress, networkEntry, truncateAddress } from './address-codec.js';
import type { AddressNetworks } from './bitcoinjs-addresses.js';

/** The CashAddr network prefixes (the spec's `bitcoincash`, `bchtest`, `bchreg`). */
export type CashAddrPrefix = 'bitcoincash' | 'bchtest' | 'bchreg';

export interface CashAddrNetwork {
  prefix: CashAddrPrefix;
  /** The legacy base58 formats the chain still accepts; only their P2PKH (and P2SH, to refuse it) versions are read. */
  legacy: AddressNetworks;
}

type Kind = 'p2pkh' | 'p2sh';

/**
 * Bitcoin Cash addresses: CashAddr (the spec at reference.cash / bitcoincashorg's spec/cashaddr.md: a prefix, a
 * version byte with type and size, a 40-bit BCH-code checksum over 5-bit groups), with or without the prefix, and the
 * legacy base58 P2PKH 1… that the chain kept from Bitcoin as an alias. Decoding is @bitauth/libauth's.
 * Accepted: P2PKH and 20-byte P2SH, also in their token-aware form (z…/r…, CHIP-2022-02 CashTokens: the same
 * script). The canonical spelling is the prefixed lowercase plain CashAddr, which Bitcoin Cash Node's wallet reports.
 * Refused with the reason: legacy P2SH 3… (it may be a Bitcoin wallet's wrapped segwit, see below) and 32-byte P2SH
 * (P2SH32), which the pool's payout path was not checked against.
 */
export function cashAddresses<N extends string>(networks: Partial<Record<N, CashAddrNetwork>>): AddressCodec<N> {
  return {
    decode(network, address, symbol): DecodedAddress {
      const net = networkEntry(networks, network, symbol);
      const what = `${symbol} ${network} address`;
      const lower = address.toLowerCase();
      const colon = lower.indexOf(':');
      if (colon >= 0) {
        // CashAddr: "a mixed case string MUST be rejected"; lower case is the form wallets show.
        if (address !== lower && address !== address.toUpperCase()) {
          throw new InvalidAddressError(`"${truncateAddress(address)}" mixes upper and lower case`);
        }
        const prefix = lower.slice(0, colon);
        if (prefix !== net.prefix) {
          const other = (Object.keys(networks) as N[]).find((n) => networks[n]?.prefix === prefix);
          const why = other ? `it is a ${other} address` : `its prefix is not "${net.prefix}:"`;
          throw new InvalidAddressError(`"${truncateAddress(address)}" is not a ${what}: ${why}`);
        }
        return fromCashAddr(net, lower, what);
      }
      const legacy = readLegacy(net, address);
      if (legacy?.kind === 'p2sh') {
        // Bitcoin Cash wallets have shown CashAddr since 2018: a 3… is most likely copied from a Bitcoin wallet, and
        // if it wraps segwit (P2SH-P2WPKH, what many Bitcoin wallets give), Bitcoin Cash has no segwit and its
        // coins there can be taken by anyone who has seen the redeem script on Bitcoin.
        throw new InvalidAddressError(
          `"${truncateAddress(address)}": legacy P2SH (3…) is refused for ${symbol}: a Bitcoin wallet's 3… may be ` +
            `wrapped segwit, which anyone can spend on Bitcoin Cash; use a Bitcoin Cash wallet's ${net.prefix}:p… address`,
        );
      }
      if (legacy) return fromHash(net, legacy.kind, legacy.hash);
      const uniformCase = address === lower || address === address.toUpperCase();
      const others = (Object.keys(networks) as N[]).filter((n) => n !== network);
      if (uniformCase && CASHADDR_PAYLOAD.test(lower)) {
        // Without its prefix an address of another network fails the checksum (the prefix is checksummed).
        const other = others.find((n) => typeof decodeCashAddress(`${networks[n]?.prefix}:${lower}`) !== 'string');
        if (other)
          throw new InvalidAddressError(`"${truncateAddress(address)}" is not a ${what}: it is a ${other} address`);
        return fromCashAddr(net, `${net.prefix}:${lower}`, what);
      }
      const other = others.find((n) => readLegacy(networks[n]!, address));
      const why = other ? ` (it looks like a ${other} address)` : expected(net);
      throw new InvalidAddressError(`"${truncateAddress(address)}" is not a valid ${what}${why}`);
    },
  };
}

/** The characters of a CashAddr payload (the bech32 alphabet); base58 addresses use others too (1, b, i, o). */
const CASHADDR_PAYLOAD = /^[qpzry9x8gf2tvdw0s3jn54khce6mua7l]+$/;

function fromCashAddr(net: CashAddrNetwork, prefixed: string, what: string): DecodedAddress {
  const decoded = decodeCashAddress(prefixed);
  if (typeof decoded === 'string') {
    throw new InvalidAddressError(`"${truncateAddress(prefixed)}" is not a valid ${what}: ${reason(decoded)}`);
  }
  const kind: Kind = decoded.type === 'p2pkh' || decoded.type === 'p2pkhWithTokens' ? 'p2pkh' : 'p2sh';
  if (decoded.payload.length !== 20) {
    throw new InvalidAddressError(
      `"${truncateAddress(prefixed)}": ${decoded.payload.length}-byte P2SH (P2SH32) addresses cannot receive pool payouts; use a P2PKH (q…) or 20-byte P2SH (p…) address`,
    );
  }
  return fromHash(net, kind, decoded.payload);
}

/** The kind and hash of a legacy base58 P2PKH/P2SH address of the network, or undefined when it is not one. */
function readLegacy(net: CashAddrNetwork, address: string): { kind: Kind; hash: Uint8Array } | undefined {
  let decoded: { version: number; hash: Uint8Array };
  try {
    decoded = btcAddress.fromBase58Check(address);
  } catch {
    return undefined;
  }
  if (decoded.hash.length !== 20) return undefined;
  for (const legacy of net.legacy) {
    if (decoded.version === legacy.pubKeyHash) return { kind: 'p2pkh', hash: decoded.hash };
    if (decoded.version === legacy.scriptHash) return { kind: 'p2sh', hash: decoded.hash };
  }
  return undefined;
}

function fromHash(net: CashAddrNetwork, kind: Kind, hash: Uint8Array): DecodedAddress {
  const h = Buffer.from(hash);
  const script =
    kind === 'p2pkh'
      ? Buffer.concat([Buffer.from([0x76, 0xa9, 0x14]), h, Buffer.from([0x88, 0xac])]) // DUP HASH160 <20> EQUALVERIFY CHECKSIG
      : Buffer.concat([Buffer.from([0xa9, 0x14]), h, Buffer.from([0x87])]); // HASH160 <20> EQUAL
  return { script, canonical: encodeCashAddress({ prefix: net.prefix, type: kind, payload: hash }).address };
}

/** libauth's reason without its "CashAddress decoding error: " lead. */
function reason(libauthError: string): string {
  return libauthError.replace(/^CashAddress decoding error: /, '');
}

function expected(net: CashAddrNetwork): string {
  return ` (expected CashAddr ${net.prefix}:q… or :p…, or a legacy 1… P2PKH)`;
}
