import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Logger } from 'pino';
import { getCoin } from '../../core/coins/index.js';
import { paysPerShare } from '../../core/rewards/config.js';
import { lazyDeps } from '../shared/lazy-deps.js';
import { createLambdaLogger, invocationLogger, poolMiddleware } from '../shared/middleware.js';
import { type MoneyDeps, moneyDepsFromEnv } from '../shared/money-deps.js';
import { type ConfirmReport, confirmBlocks } from './confirm.js';
import { creditPps } from './pps.js';

/** EventBridge schedule → one confirmation pass (lambdas/confirm/confirm.ts); the same function local mode runs. */
export function createHandler(
  makeDeps: () => Promise<MoneyDeps> = () => moneyDepsFromEnv(),
  log: Logger = createLambdaLogger('confirm'),
) {
  const deps = lazyDeps(makeDeps);
  const base = async (_event: unknown, context: Context): Promise<ConfirmReport> => {
    const d = await deps();
    if (!d.coin.rewards) throw new Error(`${d.coin.symbol} has no rewards config: nothing to confirm`);
    const report = await confirmBlocks({
      coin: getCoin(d.coin.symbol),
      poolAddress: d.coin.poolAddress,
      rewards: d.coin.rewards,
      shares: d.shares,
      money: d.money,
      chain: d.daemon,
      log: invocationLogger(log, context),
      now: Date.now,
    });
    if (paysPerShare(d.coin.rewards.scheme)) {
      await creditPps({
        coin: getCoin(d.coin.symbol),
        rewards: d.coin.rewards,
        shares: d.shares,
        money: d.money,
        chain: d.daemon,
        now: Date.now,
      });
    }
    return report;
  };
  return middy<unknown, ConfirmReport, Error, Context>(base).use(poolMiddleware(log));
}

export const handler = createHandler();
