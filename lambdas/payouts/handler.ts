import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Logger } from 'pino';
import { WalletPayoutSender } from '../../adapters/rpc/wallet-payout-sender.js';
import { type PayoutReport, runPayouts } from '../../app/payouts/payouts.js';
import { payoutSettings } from '../../app/payouts/policy.js';
import { getCoin } from '../../core/coins/index.js';
import { jsonSafe } from '../../core/json.js';
import { emfRecord } from '../shared/emf.js';
import { lazyDeps } from '../shared/lazy-deps.js';
import { createLambdaLogger, invocationLogger, poolMiddleware } from '../shared/middleware.js';
import { type MoneyDeps, moneyDepsFromEnv } from '../shared/money-deps.js';

/**
 * EventBridge schedule → one payout pass (app/payouts/payouts.ts). Reserved concurrency 1 in the CDK app, and
 * the pass itself only sends after winning a conditional status change, so two invocations never pay twice.
 */
export function createHandler(
  makeDeps: () => Promise<MoneyDeps> = () => moneyDepsFromEnv(),
  log: Logger = createLambdaLogger('payouts'),
  emit: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
) {
  const deps = lazyDeps(makeDeps);
  // Lambda answers JSON: amounts go out as decimal strings of base units.
  const base = async (event: { dryRun?: boolean } | undefined, context: Context): Promise<unknown> => {
    const d = await deps();
    if (!d.coin.payouts) throw new Error(`${d.coin.symbol} has no payouts config`);
    const sender = new WalletPayoutSender(d.daemon.withWallet(d.coin.payouts.wallet), getCoin(d.coin.symbol).decimals);
    const report: PayoutReport = await runPayouts(
      {
        coin: d.coin.symbol,
        ...payoutSettings(d.coin, d.shares, Date.now),
        money: d.money,
        sender,
        conversions: d.conversions,
        log: invocationLogger(log, context),
        now: Date.now,
      },
      { dryRun: event?.dryRun === true },
    );
    // The PayoutsSuspended alarm (infra/constructs/coin-alarms.ts): 1 while the coin's payouts are suspended.
    emit(emfRecord(d.coin.symbol, { PayoutsSuspended: report.status === 'suspended' ? 1 : 0 }, Date.now()));
    return jsonSafe(report);
  };
  return middy<{ dryRun?: boolean } | undefined, unknown, Error, Context>(base).use(poolMiddleware(log));
}

export const handler = createHandler();
