import { address as btcAddress, type Network } from 'bitcoinjs-lib';
import { InvalidAddressError } from '../errors.js';
import { type AddressCodec, type DecodedAddress, networkEntry, truncateAddress } from './address-codec.js';

/** Address formats of one network: bitcoinjs-lib networks, the first is canonical, later ones are legacy aliases. */
export type AddressNetworks = readonly [Network, ...Network[]];

/**
 * Base58 (P2PKH, P2SH) and bech32 (P2WPKH, P2WSH) addresses through bitcoinjs-lib, for Bitcoin and the coins that
 * kept its formats with their own version bytes and bech32 prefix (Litecoin). `unsupportedPrefixes`: prefixes of
 * addresses that exist on the chain but cannot receive pool payouts, with why.
 */
export function bitcoinjsAddresses<N extends string>(
  networks: Partial<Record<N, AddressNetworks>>,
  unsupportedPrefixes: Readonly<Record<string, string>> = {},
): AddressCodec<N> {
  return {
    decode(network, address, symbol): DecodedAddress {
      const nets = networkEntry(networks, network, symbol);
      const lower = address.toLowerCase();
      for (const [prefix, why] of Object.entries(unsupportedPrefixes)) {
        if (lower.startsWith(prefix)) throw new InvalidAddressError(`${truncateAddress(address)}: ${why}`);
      }
      for (const net of nets) {
        let script: Buffer;
        try {
          script = Buffer.from(btcAddress.toOutputScript(address, net));
        } catch {
          const taproot = taprootScript(address, net);
          if (taproot) return { script: taproot, canonical: lower };
          continue; // try the next alias of this network
        }
        return { script, canonical: canonical(script, nets[0], address) };
      }
      throw new InvalidAddressError(
        `"${truncateAddress(address)}" is not a valid ${symbol} ${network} address${hint(networks, network, lower)}`,
      );
    },
  };
}

/**
 * A bech32m witness v1 address of 32 bytes (taproot, BIP341/BIP350): OP_1 <32 bytes>. bitcoinjs-lib reads it only
 * with an elliptic-curve library installed (it checks the key is on the curve); nodes pay any 32-byte program, so
 * the script is built from the decoded program. Undefined for anything else.
 */
function taprootScript(address: string, net: Network): Buffer | undefined {
  let decoded: ReturnType<typeof btcAddress.fromBech32>;
  try {
    decoded = btcAddress.fromBech32(address);
  } catch {
    return undefined;
  }
  if (decoded.version !== 1 || decoded.data.length !== 32 || decoded.prefix !== net.bech32) return undefined;
  return Buffer.concat([Buffer.from([0x51, 0x20]), decoded.data]);
}

/** The address in the network's first (current) format: what the coin's wallet reports. */
function canonical(script: Buffer, net: Network, address: string): string {
  try {
    return btcAddress.fromOutputScript(script, net);
  } catch {
    return address; // a script bitcoinjs reads but does not write back: kept as given
  }
}

function hint<N extends string>(networks: Partial<Record<N, AddressNetworks>>, network: N, lower: string): string {
  const looksLike = (nets: AddressNetworks | undefined) => nets?.some((n) => lower.startsWith(`${n.bech32}1`)) ?? false;
  for (const [other, nets] of Object.entries(networks) as [N, AddressNetworks | undefined][]) {
    if (other !== network && looksLike(nets) && !looksLike(networks[network])) {
      return ` (it looks like a ${other} address)`;
    }
  }
  return ' (expected legacy, P2SH, bech32 or bech32m)';
}
