import { verifyMessageSignature } from '../coins/message-signature.js';
import { getCoin, type NetworkName } from '../coins/registry.js';
import { PoolError } from '../errors.js';
import type { ConversionPreference } from '../ports/conversion-store.js';
import { checkPreference, type PreferenceTargets } from './preference.js';
import { preferenceMessage } from './preference-message.js';

/** A signed message older than this (against the pool's clock) is refused: it may be a replay. */
export const SIGNED_PREFERENCE_WINDOW_MS = 10 * 60_000;
/**
 * A signed time ahead of the pool's clock by more than this is refused: a message dated in the future would stay
 * usable until that time plus the window, and would outrank every change the miner signs before then. Two minutes
 * cover a wallet machine's clock drift.
 */
export const SIGNED_PREFERENCE_FUTURE_SKEW_MS = 2 * 60_000;

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
 * A miner's payout-currency change, accepted only with a valid signature of preferenceMessage naming this `pool` by
 * the key of the mining address (`account`), signed at most SIGNED_PREFERENCE_WINDOW_MS before `now` and at most
 * SIGNED_PREFERENCE_FUTURE_SKEW_MS after it, and newer than the preference it replaces (its `updatedAt` is the signed
 * time): a captured request cannot be replayed later or on another pool, nor an older signed choice put back. The
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
  const signedAt = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(request.time) ? Date.parse(request.time) : NaN;
  if (!Number.isFinite(signedAt)) throw new PreferenceNotAuthorizedError('time must be an ISO 8601 UTC timestamp');
  if (now - signedAt > SIGNED_PREFERENCE_WINDOW_MS) {
    throw new PreferenceNotAuthorizedError('the signed time is more than 10 minutes ago: sign a fresh message');
  }
  if (signedAt - now > SIGNED_PREFERENCE_FUTURE_SKEW_MS) {
    throw new PreferenceNotAuthorizedError('the signed time is in the future: check the clock and sign again');
  }
  if (current && signedAt <= current.updatedAt) {
    throw new PreferenceNotAuthorizedError('this signed message is not newer than the current preference (replay?)');
  }
  const message = preferenceMessage({ pool, coin: coin.symbol, account, ...request });
  if (!verifyMessageSignature(getCoin(coin.symbol), coin.network, account, message, request.signature)) {
    throw new PreferenceNotAuthorizedError(`the signature is not by the key of ${account} over the expected message`);
  }
  return checkPreference(coin, { account, currency: request.currency, address: request.address }, signedAt);
}
