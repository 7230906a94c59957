import { InvalidAddressError } from '../errors.js';
import { type DecodedAddress, truncateAddress } from './address-codec.js';
import type { CoinDefinition, NetworkName } from './registry.js';

/**
 * The output script an address pays to, and its canonical spelling, for the coin and network: the coin's own
 * codec reads it (`CoinDefinition.addresses`: base58/bech32 for BTC and LTC, CashAddr for BCH). Throws
 * InvalidAddressError with the reason when the address cannot receive the coin's payouts there.
 */
export function decodeAddress(coin: CoinDefinition, network: NetworkName, address: string): DecodedAddress {
  if (typeof address !== 'string' || address.length === 0) {
    throw new InvalidAddressError(`empty ${coin.symbol} address`);
  }
  // Letters and digits, and the colon of a CashAddr prefix; nothing longer than any address format.
  if (address.length > 100 || !/^[0-9A-Za-z]+(?::[0-9A-Za-z]+)?$/.test(address)) {
    throw new InvalidAddressError(
      `"${truncateAddress(address)}" is not a ${coin.symbol} address: unexpected characters`,
    );
  }
  return coin.addresses.decode(network, address, coin.symbol);
}

/** The output script an address pays to (P2PKH, P2SH, P2WPKH, P2WSH and aliases, as the coin's codec reads them). */
export function addressToOutputScript(coin: CoinDefinition, network: NetworkName, address: string): Buffer {
  return decodeAddress(coin, network, address).script;
}

/**
 * Throws InvalidAddressError unless the address can receive payouts of the coin on the network; returns the address
 * as the pool keeps it (DecodedAddress.canonical: the spelling the coin's wallet reports).
 */
export function validateAddress(coin: CoinDefinition, network: NetworkName, address: string): string {
  return decodeAddress(coin, network, address).canonical;
}
