import { type ConfirmPassReport, confirmCoin } from '../../app/confirm/pass.js';
import { type MoneyDeps, moneyDeps, moneyEnvSchema } from '../shared/money-deps.js';
import { poolHandler, poolLambda } from '../shared/pool-handler.js';

type ConfirmResult = Omit<ConfirmPassReport, 'pps'> & {
  pps?: Omit<NonNullable<ConfirmPassReport['pps']>, 'credited'> & { credited: string };
};

/** EventBridge schedule → one confirmation pass (app/confirm/pass.ts); the same function local mode runs. */
export const confirmLambda = poolLambda({
  name: 'confirm',
  env: moneyEnvSchema,
  build: moneyDeps,
  run: async (_event: unknown, d: MoneyDeps, { log }): Promise<ConfirmResult> => {
    const { pps, ...report } = await confirmCoin({
      coin: d.coin,
      shares: d.shares.rounds,
      money: d.money,
      rules: d.rules,
      log,
      now: Date.now,
    });
    // The Lambda's result is JSON: amounts as decimal strings.
    return pps ? { ...report, pps: { ...pps, credited: pps.credited.toString() } } : report;
  },
});

export const handler = poolHandler(confirmLambda);
