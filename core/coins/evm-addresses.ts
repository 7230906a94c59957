import { getAddress } from 'ethers';
import { InvalidAddressError } from '../errors.js';
import { type AddressCodec, type DecodedAddress, networkEntry, truncateAddress } from './address-codec.js';

/**
 * Ethereum-family addresses (ETC): 0x and 20 bytes of hex, the same on every network of the chain (the chain id, not
 * the address, tells mainnet from Mordor). Written in one case they carry no checksum and are taken as they are; in
 * mixed case they are EIP-55 checksummed and a wrong checksum (a mistyped letter) is refused. The canonical
 * spelling is the EIP-55 one (ethers `getAddress`), so an address written in lower case and in checksum case is one
 * miner account. `script` is the 20 address bytes: what a payout transaction's `to` carries.
 */
export function evmAddresses<N extends string>(networks: Partial<Record<N, unknown>>): AddressCodec<N> {
  return {
    decode(network, address, symbol): DecodedAddress {
      networkEntry(networks, network, symbol);
      if (!/^0x[0-9a-fA-F]{40}$/.test(address)) {
        throw new InvalidAddressError(
          `"${truncateAddress(address)}" is not a ${symbol} address: expected 0x and 40 hex digits`,
        );
      }
      let canonical: string;
      try {
        canonical = getAddress(address);
      } catch {
        throw new InvalidAddressError(
          `"${truncateAddress(address)}" has a wrong EIP-55 checksum (mixed case that does not match): a mistyped ${symbol} address`,
        );
      }
      return { script: Buffer.from(canonical.slice(2), 'hex'), canonical };
    },
  };
}
