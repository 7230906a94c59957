import { runPayouts } from '../../app/payouts/payouts.js';
import { accountPayoutSettings, auxPayoutSettings, payoutSettings } from '../../app/payouts/policy.js';
import { ConfigError } from '../../core/errors.js';
import { jsonSafe } from '../../core/json.js';
import { emfRecord } from '../shared/emf.js';
import { type MoneyDeps, moneyDeps, moneyEnvSchema } from '../shared/money-deps.js';
import { poolHandler, poolLambda } from '../shared/pool-handler.js';

/**
 * EventBridge schedule → one payout pass (app/payouts/payouts.ts). Reserved concurrency 1 in the CDK app, and the pass
 * holds the coin's payouts lease and only sends after winning a conditional status change, so two invocations never
 * pay twice.
 */
export const payoutsLambda = poolLambda({
  name: 'payouts',
  env: moneyEnvSchema,
  build: moneyDeps,
  // Lambda answers JSON: amounts go out as decimal strings of base units.
  run: async (event: { dryRun?: boolean } | undefined, d: MoneyDeps, { log, emit }): Promise<unknown> => {
    if (!d.coin.payouts) throw new ConfigError(`${d.coin.symbol} has no payouts config`);
    const sender = d.sender();
    const report = await runPayouts(
      {
        coin: d.coin.symbol,
        ...payoutSettings(d.coin, d.shares.miners, Date.now),
        ...auxPayoutSettings(d.coin, d.auxAddresses),
        ...accountPayoutSettings(d.coin, d.accounts?.readers),
        money: d.money,
        sender,
        conversions: d.conversions,
        ...(d.foreign ? { foreign: d.foreign } : {}),
        log,
        now: Date.now,
      },
      { dryRun: event?.dryRun === true },
    );
    // The PayoutsSuspended alarm (infra/constructs/coin-alarms.ts): 1 while the coin's payouts are suspended.
    emit(emfRecord(d.coin.symbol, { PayoutsSuspended: report.status === 'suspended' ? 1 : 0 }, Date.now()));
    return jsonSafe(report);
  },
});

export const handler = poolHandler(payoutsLambda);
