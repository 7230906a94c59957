import type { ConversionConfig } from '../../core/conversion/config.js';
import type { ForeignAccounts } from '../../core/conversion/exclusion.js';
import type { ConversionStore } from '../../core/ports/conversion-store.js';
import type { Exchange } from '../../core/ports/exchange.js';
import type { Logger } from '../../core/ports/logger.js';
import type { MoneyStore } from '../../core/ports/money-store.js';
import type { PayoutSender } from '../../core/ports/payout-sender.js';
import type { LeaseDeps } from '../shared/debit-lease.js';

/** What a conversion pass takes (runConversions) and the parts of it each step uses. */
export interface ConvertDeps {
  /** The source coin and its base-unit decimals. */
  coin: string;
  decimals: number;
  config: ConversionConfig;
  /** Ledgers of the source coin and of the target currencies (one ledger per currency). */
  money: MoneyStore;
  store: ConversionStore;
  /**
   * The coin is mined on a switching port paying in another currency (issue 17): accounts that are addresses of that
   * currency are converted into it without a signed preference (core/conversion/exclusion.ts).
   */
  foreign?: ForeignAccounts;
  /** The enabled exchanges' clients, by exchange id. */
  exchanges: ReadonlyMap<string, Exchange>;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  now: () => number;
  /** Waiting for the debit lease held by a payouts pass (tests shorten it). */
  lease?: Pick<LeaseDeps, 'waitMs' | 'pollMs' | 'sleep' | 'clock'>;
  /**
   * The pool's coin wallet (coins[].payouts.wallet over wallet RPC): legs on exchanges with `deposit` are sent from
   * it before they sell (app/convert/deposit.ts).
   */
  wallet?: PayoutSender;
  /** Test hook: throws at a named step to simulate a crash there. */
  crashAt?: (
    step:
      | 'after-convert-out'
      | 'after-deposit-claim'
      | 'after-deposit-send'
      | 'after-ordered'
      | 'after-leg'
      | 'after-filled'
      | 'after-withdraw'
      | 'after-credit',
  ) => void;
}

/** The price bounds of a conversion's sales, from its config. */
export function boundsOf(c: ConversionConfig) {
  return {
    maxSpreadBps: c.maxSpreadBps,
    maxSlippageBps: c.maxSlippageBps,
    maxPriceAgeMs: c.maxPriceAgeSeconds * 1000,
  };
}
