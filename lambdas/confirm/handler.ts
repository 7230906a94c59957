import { type ConfirmPassReport, confirmCoin } from '../../app/confirm/pass.js';
import { type MoneyDeps, moneyDeps, moneyEnvSchema } from '../shared/money-deps.js';
import { poolHandler, poolLambda } from '../shared/pool-handler.js';

type ConfirmResult = Omit<ConfirmPassReport, 'pps' | 'upstream'> & {
  pps?: Omit<NonNullable<ConfirmPassReport['pps']>, 'credited'> & { credited: string };
  upstream?: Omit<NonNullable<ConfirmPassReport['upstream']>, 'creditedAmount'> & { creditedAmount: string };
};

/** EventBridge schedule → one confirmation pass (app/confirm/pass.ts); the same function local mode runs. */
export const confirmLambda = poolLambda({
  name: 'confirm',
  env: moneyEnvSchema,
  build: moneyDeps,
  run: async (_event: unknown, d: MoneyDeps, { log }): Promise<ConfirmResult> => {
    const { pps, upstream, ...report } = await confirmCoin({
      coin: d.coin,
      shares: d.shares.rounds,
      money: d.money,
      rules: d.rules,
      // A proxied coin: the upstream's payouts to the pool wallet, recorded on the coin's ledger table.
      ...d.upstream?.(),
      ...(d.accounts && { referrals: { reader: d.accounts.readers, feeSharePercent: d.accounts.feeSharePercent } }),
      log,
      now: Date.now,
    });
    // The Lambda's result is JSON: amounts as decimal strings.
    return {
      ...report,
      ...(pps ? { pps: { ...pps, credited: pps.credited.toString() } } : {}),
      ...(upstream ? { upstream: { ...upstream, creditedAmount: upstream.creditedAmount.toString() } } : {}),
    };
  },
});

export const handler = poolHandler(confirmLambda);
