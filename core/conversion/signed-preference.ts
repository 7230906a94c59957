import type { NetworkName } from '../coins/registry.js';
import { checkSignedRequest } from '../coins/signed-request.js';
import type { ConversionPreference } from '../ports/conversion-store.js';
import { checkPreference, type PreferenceTargets } from './preference.js';
import { preferenceMessage } from './preference-message.js';

/** What a miner submits: the choice, the time it was signed (ISO 8601), and the signature of preferenceMessage. */
export interface SignedPreferenceRequest {
  currency: string;
  address: string;
  time: string;
  signature: string;
}

/**
 * A miner's payout-currency change, accepted only with a valid signature of preferenceMessage naming this `pool` by
 * the key of the mining address (`account`), signed within the window of core/coins/signed-request.ts and newer
 * than the preference it replaces (its `updatedAt` is the signed time): a captured request cannot be replayed later or on another pool, nor an older signed choice put back. The
 * store's write is conditional on that order too (ConversionStore.replacePreference).
 */
export function checkSignedPreference(
  pool: string,
  coin: { symbol: string; network: NetworkName; conversion?: PreferenceTargets },
  account: string,
  request: SignedPreferenceRequest,
  current: ConversionPreference | undefined,
  now: number,
): ConversionPreference {
  const signedAt = checkSignedRequest({
    coin,
    account,
    request,
    message: (time) => preferenceMessage({ pool, coin: coin.symbol, account, ...request, time }),
    notBefore: current?.updatedAt,
    replaces: 'the current preference',
    now,
  });
  return checkPreference(coin, { account, currency: request.currency, address: request.address }, signedAt);
}
