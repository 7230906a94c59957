import { address as btcAddress } from 'bitcoinjs-lib';
import { InvalidAddressError } from '../errors.js';
import type { CoinDefinition, NetworkName } from './registry.js';

/**
 * The output script an address pays to, for the coin and network.
 * Accepts P2PKH, P2SH, P2WPKH and P2WSH (and aliases such as Litecoin's legacy 3… P2SH); throws InvalidAddressError
 * with the reason otherwise.
 */
export function addressToOutputScript(coin: CoinDefinition, network: NetworkName, address: string): Buffer {
  if (typeof address !== 'string' || address.length === 0) {
    throw new InvalidAddressError(`empty ${coin.symbol} address`);
  }
  if (address.length > 100 || !/^[0-9A-Za-z]+$/.test(address)) {
    throw new InvalidAddressError(`"${truncate(address)}" is not a ${coin.symbol} address: unexpected characters`);
  }
  const lower = address.toLowerCase();
  for (const [prefix, why] of Object.entries(coin.unsupportedAddressPrefixes ?? {})) {
    if (lower.startsWith(prefix)) throw new InvalidAddressError(`${truncate(address)}: ${why}`);
  }
  for (const net of coin.networks[network]) {
    try {
      return Buffer.from(btcAddress.toOutputScript(address, net));
    } catch {
      // try the next alias of this network
    }
  }
  throw new InvalidAddressError(
    `"${truncate(address)}" is not a valid ${coin.symbol} ${network} address${hint(coin, network, address)}`,
  );
}

/** Throws InvalidAddressError unless the address can receive payouts of the coin on the network. */
export function validateAddress(coin: CoinDefinition, network: NetworkName, address: string): void {
  addressToOutputScript(coin, network, address);
}

function hint(coin: CoinDefinition, network: NetworkName, address: string): string {
  const lower = address.toLowerCase();
  for (const [other, nets] of Object.entries(coin.networks) as [
    NetworkName,
    CoinDefinition['networks'][NetworkName],
  ][]) {
    if (other === network) continue;
    if (
      nets.some((n) => lower.startsWith(`${n.bech32}1`)) &&
      !coin.networks[network].some((n) => lower.startsWith(`${n.bech32}1`))
    ) {
      return ` (it looks like a ${other} address)`;
    }
  }
  return ' (expected legacy, P2SH or bech32)';
}

function truncate(s: string): string {
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}
