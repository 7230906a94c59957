import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Logger as Pino } from 'pino';
import type { z } from 'zod';
import { type Environment, parseEnv } from '../../core/config/env.js';
import type { Logger } from '../../core/ports/logger.js';
import { createLambdaLogger, invocationLogger, poolMiddleware } from './middleware.js';

/** What one invocation gets besides its event and the function's dependencies. */
export interface Invocation {
  /** A child logger carrying the request id. */
  log: Logger;
  requestId: string;
  /** Where CloudWatch metrics go: one EMF line (lambdas/shared/emf.ts) on stdout. */
  emit: (line: string) => void;
}

/**
 * A pool Lambda: its environment's schema (also checked at synth: infra/constructs/pool-function.ts), how it builds
 * its dependencies from that environment, and what one invocation does with them.
 */
export interface PoolLambda<S extends z.ZodType, D, E, R> {
  /** The function's logger name; also names it in an invalid-environment error. */
  name: string;
  env: S;
  build: (env: z.output<S>) => D | Promise<D>;
  run: (event: E, deps: D, invocation: Invocation) => Promise<R>;
}

/** Infers a PoolLambda's types from its parts. */
export function poolLambda<S extends z.ZodType, D, E, R>(lambda: PoolLambda<S, D, E, R>): PoolLambda<S, D, E, R> {
  return lambda;
}

/** What a test (or bench) replaces: the dependencies instead of building them from the environment, the logger… */
export interface HandlerOverrides<D> {
  deps?: () => D | Promise<D>;
  env?: Environment;
  log?: Pino;
  emit?: (line: string) => void;
}

/**
 * The one handler factory: `export const handler = poolHandler(lambda)`. Nothing is built at import; the
 * dependencies are built on the first invocation, kept for the warm container, and built again after a failed build
 * (lazyDeps). Every invocation runs in the common middleware (one place that logs a failed invocation).
 */
export function poolHandler<S extends z.ZodType, D, E, R>(
  lambda: PoolLambda<S, D, E, R>,
  overrides: HandlerOverrides<D> = {},
): MiddyfiedHandler<E, R, Error, Context> {
  const log = overrides.log ?? createLambdaLogger(lambda.name);
  const emit = overrides.emit ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const deps = lazyDeps(overrides.deps ?? (() => lambdaDeps(lambda, overrides.env)));
  const base = async (event: E, context: Context): Promise<R> =>
    lambda.run(event, await deps(), {
      log: invocationLogger(log, context),
      requestId: context.awsRequestId,
      emit,
    });
  return middy<E, R, Error, Context>(base).use(poolMiddleware(log));
}

/** A Lambda's dependencies from an environment: parsed by its schema (ConfigError naming each bad variable), built. */
export async function lambdaDeps<S extends z.ZodType, D>(
  lambda: Pick<PoolLambda<S, D, never, unknown>, 'name' | 'env' | 'build'>,
  env: Environment = process.env,
): Promise<D> {
  return lambda.build(parseEnv(lambda.env, env, `${lambda.name} Lambda`));
}

/**
 * The one caching rule: built on first use (never at import), shared by concurrent and later invocations of the
 * warm container. A failed build (a secret or a config the function could not read) is not kept: the next
 * invocation tries again instead of failing until the container is recycled.
 */
export function lazyDeps<T>(make: () => T | Promise<T>): () => Promise<T> {
  let deps: Promise<T> | undefined;
  return () => {
    deps ??= Promise.resolve()
      .then(make)
      .catch((err: unknown) => {
        deps = undefined;
        throw err;
      });
    return deps;
  };
}
