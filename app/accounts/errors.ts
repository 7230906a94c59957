import { PoolError } from '../../core/errors.js';

/** No valid access token on a signed-in route (401, one text whatever the reason). */
export class NotSignedInError extends PoolError {
  constructor() {
    super('sign in first', 'UNAUTHORIZED');
  }
}

/** Signed in, but the account may not do this now (two-factor not enabled for a money change): 403. */
export class AccountForbiddenError extends PoolError {
  constructor(message: string) {
    super(message, 'FORBIDDEN');
  }
}

/** The request conflicts with what is stored (an address another account holds, too many links): 409. */
export class AccountConflictError extends PoolError {
  constructor(message: string) {
    super(message, 'CONFLICT');
  }
}

/** Too many sign-in or sign-up attempts from one address this hour: 429 with Retry-After. */
export class RateLimitedError extends PoolError {
  constructor(readonly retryAfterSeconds: number) {
    super('too many attempts from this address: try again later', 'RATE_LIMITED');
  }
}
