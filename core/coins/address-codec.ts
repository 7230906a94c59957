import { InvalidAddressError } from '../errors.js';

/** An address read by a coin's codec. */
export interface DecodedAddress {
  /** The output script (scriptPubKey) that pays the address. */
  script: Buffer;
  /**
   * The one spelling of the address the pool keeps as the miner's account: the form the coin's wallet reports in
   * its transaction history, so that a payout found after a crash compares equal to the planned one (a Litecoin
   * legacy 3… P2SH is kept as its M… form, a Bitcoin Cash legacy 1… as its bitcoincash:q… form, bech32 lowercase).
   */
  canonical: string;
}

/**
 * How a coin's addresses are read; each coin definition carries one (core/coins/registry.ts). Base58 and bech32
 * coins use `bitcoinjsAddresses` (bitcoinjs-addresses.ts), Bitcoin Cash `cashAddresses` (cash-addresses.ts).
 */
export interface AddressCodec<Network extends string = string> {
  /** Throws InvalidAddressError saying why the address cannot receive the coin's payouts on the network. */
  decode(network: Network, address: string, symbol: string): DecodedAddress;
}

/** An address as an error message may show it: at most 64 characters. */
export function truncateAddress(s: string): string {
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}

/** The network's entry of a codec's table, or an InvalidAddressError when the coin has no such network. */
export function networkEntry<N extends string, T>(
  table: Partial<Record<N, T>>,
  network: N,
  symbol: string,
): NonNullable<T> {
  const entry = table[network];
  if (entry === undefined || entry === null) throw new InvalidAddressError(`${symbol} has no ${network} network`);
  return entry;
}
