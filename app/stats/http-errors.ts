import { PoolError } from '../../core/errors.js';

/**
 * The one mapping from the pool's error codes (core/errors.ts and the domain's own PoolErrors) to HTTP statuses, at
 * the API's edge. An error not in it is the server's fault: it is rethrown, logged and answered 500 by the runtime.
 */
const HTTP_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  BAD_REQUEST: 400,
  INVALID_ADDRESS: 400,
  /** A miner's signed change (payout currency, aux payout address) not signed by the mining address's key. */
  SIGNATURE_NOT_AUTHORIZED: 403,
  NOT_FOUND: 404,
  /** The coin does not convert: there is no payout-currency preference to change. */
  CONVERSION_OFF: 404,
  PREFERENCE_CONFLICT: 409,
  /** A newer signed aux payout address was stored between the check and the write. */
  AUX_ADDRESS_CONFLICT: 409,
  /** The account API (app/accounts/errors.ts): no valid access token, not allowed yet, conflict, too many attempts. */
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CONFLICT: 409,
  RATE_LIMITED: 429,
};

/** The HTTP status of an error a request may cause, or undefined for every other error. */
export function httpStatusOf(err: unknown): number | undefined {
  return err instanceof PoolError ? HTTP_STATUS_BY_CODE[err.code] : undefined;
}
