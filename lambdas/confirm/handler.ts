import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Logger } from 'pino';
import { type ConfirmPassReport, confirmCoin } from '../../app/confirm/pass.js';
import { lazyDeps } from '../shared/lazy-deps.js';
import { createLambdaLogger, invocationLogger, poolMiddleware } from '../shared/middleware.js';
import { type MoneyDeps, moneyDepsFromEnv } from '../shared/money-deps.js';

type ConfirmResult = Omit<ConfirmPassReport, 'pps'> & {
  pps?: Omit<NonNullable<ConfirmPassReport['pps']>, 'credited'> & { credited: string };
};

/** EventBridge schedule → one confirmation pass (app/confirm/pass.ts); the same function local mode runs. */
export function createHandler(
  makeDeps: () => Promise<MoneyDeps> = () => moneyDepsFromEnv(),
  log: Logger = createLambdaLogger('confirm'),
) {
  const deps = lazyDeps(makeDeps);
  const base = async (_event: unknown, context: Context): Promise<ConfirmResult> => {
    const d = await deps();
    const { pps, ...report } = await confirmCoin({
      coin: d.coin,
      shares: d.shares,
      money: d.money,
      chain: d.daemon,
      log: invocationLogger(log, context),
      now: Date.now,
    });
    // The Lambda's result is JSON: amounts as decimal strings.
    return pps ? { ...report, pps: { ...pps, credited: pps.credited.toString() } } : report;
  };
  return middy<unknown, ConfirmResult, Error, Context>(base).use(poolMiddleware(log));
}

export const handler = createHandler();
