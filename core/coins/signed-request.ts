import { PoolError } from '../errors.js';
import { verifyMessageSignature } from './message-signature.js';
import { getCoin, type NetworkName } from './registry.js';

/** A signed message older than this (against the pool's clock) is refused: it may be a replay. */
export const SIGNED_REQUEST_WINDOW_MS = 10 * 60_000;
/**
 * A signed time ahead of the pool's clock by more than this is refused: a message dated in the future would stay
 * usable until that time plus the window, and would outrank every change the miner signs before then. Two minutes
 * cover a wallet machine's clock drift.
 */
export const SIGNED_REQUEST_FUTURE_SKEW_MS = 2 * 60_000;

/** A change that is not proven to come from the mining address's key (bad, stale or replayed signature): 403. */
export class SignatureNotAuthorizedError extends PoolError {
  constructor(message: string) {
    super(message, 'SIGNATURE_NOT_AUTHORIZED');
  }
}

/** A miner's signed change as submitted: the time it was signed (ISO 8601 UTC) and the signature (base64). */
export interface SignedRequest {
  time: string;
  signature: string;
}

/**
 * The one check of a miner's signed change (payout currency, aux payout address): the signature is by the key of the
 * mining address (`account`, an address of `coin`) over `message(time)`, which names the pool and the whole change;
 * the time is at most SIGNED_REQUEST_WINDOW_MS before `now`, at most SIGNED_REQUEST_FUTURE_SKEW_MS after it, and
 * later than `notBefore` (the signed time of the change it replaces), so a captured request cannot be replayed later
 * or on another pool, nor an older signed change put back. Returns the signed time (ms), the change's nonce.
 */
export function checkSignedRequest(p: {
  coin: { symbol: string; network: NetworkName };
  account: string;
  request: SignedRequest;
  message: (time: string) => string;
  /** The signed time of the change in force, if it was signed: a new one must be later. */
  notBefore?: number;
  /** What the change replaces, for the replay refusal's text ("the current preference"). */
  replaces: string;
  now: number;
}): number {
  const { time, signature } = p.request;
  const signedAt = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(time) ? Date.parse(time) : NaN;
  if (!Number.isFinite(signedAt)) throw new SignatureNotAuthorizedError('time must be an ISO 8601 UTC timestamp');
  if (p.now - signedAt > SIGNED_REQUEST_WINDOW_MS) {
    throw new SignatureNotAuthorizedError('the signed time is more than 10 minutes ago: sign a fresh message');
  }
  if (signedAt - p.now > SIGNED_REQUEST_FUTURE_SKEW_MS) {
    throw new SignatureNotAuthorizedError('the signed time is in the future: check the clock and sign again');
  }
  if (p.notBefore !== undefined && signedAt <= p.notBefore) {
    throw new SignatureNotAuthorizedError(`this signed message is not newer than ${p.replaces} (replay?)`);
  }
  if (!verifyMessageSignature(getCoin(p.coin.symbol), p.coin.network, p.account, p.message(time), signature)) {
    throw new SignatureNotAuthorizedError(`the signature is not by the key of ${p.account} over the expected message`);
  }
  return signedAt;
}
