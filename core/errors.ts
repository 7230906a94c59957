/**
 * The pool's error taxonomy. Every error that crosses a boundary is one of these, with a stable code.
 * Stratum codes follow the de-facto V1 convention (20–25) that miners display.
 */
export class PoolError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Stratum V1 error codes, as cgminer/cpuminer/ASIC firmware display them. */
export const StratumCode = {
  Other: 20,
  JobNotFound: 21,
  Duplicate: 22,
  LowDifficulty: 23,
  Unauthorized: 24,
  NotSubscribed: 25,
} as const;
export type StratumCode = (typeof StratumCode)[keyof typeof StratumCode];

/** A request a miner sent that the server refuses; `stratumCode` goes on the wire. */
export class StratumError extends PoolError {
  constructor(
    readonly stratumCode: StratumCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, `STRATUM_${stratumCode}`, options);
  }

  /**
   * The same without a stack trace, for refusals that are routine and come in floods (stale, duplicate and
   * low-difficulty shares; every share while the queue is full): capturing the stack costs ~9 µs each, several times
   * what checking a share costs, so an overloaded or attacked server would spend itself on its refusals.
   */
  static quiet(stratumCode: StratumCode, message: string): StratumError {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new StratumError(stratumCode, message);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

/** The config file is invalid; `issues` lists every problem with its key path. */
export class ConfigError extends PoolError {
  constructor(
    message: string,
    readonly issues: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, 'CONFIG_INVALID', options);
  }
}

/** A coin daemon answered with an error or could not be reached. */
export class DaemonError extends PoolError {
  constructor(
    message: string,
    readonly rpcCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, 'DAEMON_ERROR', options);
  }
}

/** A payout address that is not valid for the coin and network. */
export class InvalidAddressError extends PoolError {
  constructor(message: string) {
    super(message, 'INVALID_ADDRESS');
  }
}

/** Storage or queue infrastructure failed (after retries). */
export class StorageError extends PoolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'STORAGE_ERROR', options);
  }
}

/** No extranonce1 prefix could be leased: all tried were held by live tasks of the coin. */
export class PrefixLeaseError extends PoolError {
  constructor(message: string) {
    super(message, 'PREFIX_LEASE');
  }
}

/** A ledger entry id exists with different content: someone changed history, or the code is not deterministic. */
export class LedgerConflictError extends PoolError {
  constructor(message: string) {
    super(message, 'LEDGER_CONFLICT');
  }
}

/** A request the pool refuses as malformed: a bad parameter, a path or a body that is not what the route takes. */
export class BadRequestError extends PoolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'BAD_REQUEST', options);
  }
}

/** What a request names does not exist: no route for the path, nothing of that name. */
export class NotFoundError extends PoolError {
  constructor(message: string) {
    super(message, 'NOT_FOUND');
  }
}

/** A queue message, a share batch or a stored item that is not what it claims to be: refused, never half-read. */
export class InvalidMessageError extends PoolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'INVALID_MESSAGE', options);
  }
}

/** A service the pool calls does not answer: the running pool's admin API, asked by the CLI. */
export class UnavailableError extends PoolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'UNAVAILABLE', options);
  }
}
