import { getAddress } from 'ethers';
import { validateAddress } from '../coins/address.js';
import { COINS, getCoin, type NetworkName } from '../coins/registry.js';
import { InvalidAddressError } from '../errors.js';
import type { ConversionPreference } from '../ports/conversion-store.js';

/** What a preference check needs of a coin's conversion config: the currencies offered (the stats API has no more). */
export interface PreferenceTargets {
  targets: ReadonlyArray<{ currency: string }>;
}

/** A payout-currency choice the pool cannot honour (currency not offered, or the address is not of it). */
export class InvalidPreferenceError extends InvalidAddressError {}

/**
 * Checks a miner's payout-currency choice for a coin: the coin itself (stop converting) or one of the configured
 * targets, with an address valid for that currency — a chain address for a coin the pool knows (BTC), an ERC-20
 * address for the stablecoins.
 */
export function checkPreference(
  coin: { symbol: string; network: NetworkName; conversion?: PreferenceTargets },
  choice: { account: string; currency: string; address: string },
  now: number,
): ConversionPreference {
  const { currency } = choice;
  let { address } = choice;
  if (currency !== coin.symbol) {
    if (!coin.conversion?.targets.some((t) => t.currency === currency)) {
      throw new InvalidPreferenceError(`${coin.symbol} cannot be converted to ${currency} on this pool`);
    }
    if (currency in COINS) {
      try {
        // Stored in the coin's canonical spelling, the one its wallet reports (core/coins/address-codec.ts).
        address = validateAddress(getCoin(currency), coin.network, address);
      } catch (err) {
        throw new InvalidPreferenceError(`not a ${currency} address: ${(err as Error).message}`);
      }
    } else {
      // Stored in its EIP-55 checksummed form, the one the EVM payout sender and on-chain logs use; a mixed-case
      // address with a wrong checksum (a typo) is refused.
      const bad = new InvalidPreferenceError(`not an ERC-20 address for ${currency}: ${address}`);
      if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw bad;
      try {
        address = getAddress(address);
      } catch {
        throw bad;
      }
    }
  }
  return {
    account: choice.account,
    currency,
    address: currency === coin.symbol ? choice.account : address,
    updatedAt: now,
  };
}
