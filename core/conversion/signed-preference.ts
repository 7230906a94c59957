import { verifyMessageSignature } from '../coins/message-signature.js';
import { getCoin, type NetworkName } from '../coins/registry.js';
import { PoolError } from '../errors.js';
import { checkPreference, type PreferenceTargets } from './preference.js';
import { preferenceMessage } from './preference-message.js';
import type { ConversionPreference } from './store.js';

/** A signed message older or newer than this (against the pool's clock) is refused: it may be a replay. */
export const SIGNED_PREFERENCE_WINDOW_MS = 10 * 60_000;

/** A payout-currency change that is not proven to come from the miner's key: refused (403). */
export class PreferenceNotAuthorizedError extends PoolError {
  constructor(message: string) {
    super(message, 'PREFERENCE_NOT_AUTHORIZED');
  }
}

/** What a miner submits: the choice, the time it was signed (ISO 8601), and the signature of preferenceMessage. */
export interface SignedPreferenceRequest {
  currency: string;
  address: string;
  time: string;
  signature: string;
}

/**
 * A miner's payout-currency change, accepted only with a valid signature of preferenceMessage by the key of the
 * mining address (`account`), signed within SIGNED_PREFERENCE_WINDOW_MS of `now`, and newer than the preference it
 * replaces (its `updatedAt` is the signed time): a captured request cannot be replayed later, nor an older signed
 * choice put back. The store's write is conditional on that order too (ConversionStore.replacePreference).
 */
export function checkSignedPreference(
  coin: { symbol: string; network: NetworkName; conversion?: PreferenceTargets },
  account: string,
  request: SignedPreferenceRequest,
  current: ConversionPreference | undefined,
  now: number,
): ConversionPreference {
  const signedAt = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(request.time) ? Date.parse(request.time) : NaN;
  if (!Number.isFinite(signedAt)) throw new PreferenceNotAuthorizedError('time must be an ISO 8601 UTC timestamp');
  if (Math.abs(now - signedAt) > SIGNED_PREFERENCE_WINDOW_MS) {
    throw new PreferenceNotAuthorizedError('the signed time is more than 10 minutes from now: sign a fresh message');
  }
  if (current && signedAt <= current.updatedAt) {
    throw new PreferenceNotAuthorizedError('this signed message is not newer than the current preference (replay?)');
  }
  const message = preferenceMessage({ coin: coin.symbol, account, ...request });
  if (!verifyMessageSignature(getCoin(coin.symbol), coin.network, account, message, request.signature)) {
    throw new PreferenceNotAuthorizedError(`the signature is not by the key of ${account} over the expected message`);
  }
  return checkPreference(coin, { account, currency: request.currency, address: request.address }, signedAt);
}
