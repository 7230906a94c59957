import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { type Logger, pino } from 'pino';

/**
 * What every pool Lambda wraps its handler in: one JSON logger per function, a child per invocation carrying the
 * request id, and one place that logs a failed invocation before Lambda records it.
 */

export function createLambdaLogger(name: string): Logger {
  return pino({ name, level: process.env.LOG_LEVEL ?? 'info' });
}

/** The per-invocation logger: every line of an invocation can be found by its request id. */
export function invocationLogger(base: Logger, context: Pick<Context, 'awsRequestId'>): Logger {
  return base.child({ requestId: context.awsRequestId });
}

/** Logs an invocation's error with its request id; the error still fails the invocation (middy rethrows it). */
export function errorLogger(base: Logger): MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    name: 'pool-error-logger',
    onError: (request) => {
      base.error({ err: request.error, requestId: request.context.awsRequestId }, 'invocation failed');
    },
  };
}

/** The common middleware bundle, in order. */
export function poolMiddleware(base: Logger): Array<MiddlewareObj<unknown, unknown, Error, Context>> {
  return [errorLogger(base)];
}
