import { type PayingTarget, targetPayoutSender } from '../adapters/evm/target-payout-sender.js';
import { type PayoutDeps, type PayoutReport, runPayouts } from '../app/payouts/payouts.js';
import { targetPayoutSettings } from '../app/payouts/policy.js';
import type { CoinConfig } from '../core/config/schema.js';
import type { ConversionLedgerView } from '../core/ledger/audit.js';
import type { AuditResult, Balance } from '../core/ledger/ledger.js';
import type { ConversionStore } from '../core/ports/conversion-store.js';
import type { Logger } from '../core/ports/logger.js';
import type { MoneyStore } from '../core/ports/money-store.js';
import { auditCoin, conversionViews } from './audit.js';

/** A conversion target's ledger in local mode: its payouts pass and what the operator commands read of it. */
export interface TargetMoneyRunner {
  currency: string;
  payouts(opts?: { dryRun?: boolean; crashAt?: PayoutDeps['crashAt'] }): Promise<PayoutReport>;
  balances(): Promise<Map<string, Balance>>;
  /** The ledger against its payouts and the conversions of every coin that converts into it. */
  audit(): Promise<AuditResult>;
  resume(): Promise<void>;
  stop(): void;
}

/**
 * The payouts of a target currency's ledger (conversion.targets[].payouts): the same `runPayouts` as a mined coin's,
 * with the sender of the target's chain built once (one process, one sender: it remembers what it broadcast).
 */
export function startTargetMoney(opts: {
  target: PayingTarget;
  money: MoneyStore;
  conversions: Pick<ConversionStore, 'listConversions'>;
  /** The pool's coins: those converting into this currency are audited against the ledger. */
  sources: ReadonlyArray<Readonly<CoinConfig>>;
  log: Logger;
}): TargetMoneyRunner {
  const { target, money, log } = opts;
  const currency = target.currency;
  const privateKey = target.payouts.kind === 'evm' ? target.payouts.privateKey : undefined;
  const { sender, ready, close } = targetPayoutSender(target, privateKey);
  // Said at start: every payouts pass refuses the same way (the sender checks before paying anything).
  ready().catch((err: unknown) => log.error({ err, currency }, `${currency} payouts refused`));
  const views = async () => {
    const all = new Map<string, ConversionLedgerView>();
    for (const coin of opts.sources) {
      if (!coin.conversion?.targets.some((t) => t.currency === currency)) continue;
      const records = (await opts.conversions.listConversions(coin.symbol)).filter((r) => r.target === currency);
      for (const [id, view] of conversionViews(records, 'target', coin.conversion)) all.set(id, view);
    }
    return all;
  };
  return {
    currency,
    payouts: (o = {}) =>
      runPayouts(
        {
          coin: currency,
          ...targetPayoutSettings(target.payouts),
          money,
          sender,
          log,
          now: Date.now,
          crashAt: o.crashAt,
        },
        { dryRun: o.dryRun },
      ),
    balances: () => money.listBalances(currency),
    audit: () => auditCoin(money, currency, views),
    resume: () => money.setSuspension(currency, undefined),
    stop: close,
  };
}
