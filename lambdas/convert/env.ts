import { z } from 'zod';
import { foreignPayoutCurrenciesVar } from '../shared/money-deps.js';

/** The environment of the conversion Lambda (one per converting coin). */
export const convertEnvSchema = z.object({
  POOL_COIN: z.string().min(1),
  POOL_CONFIG_JSON: z.string().min(1),
  BLOCKS_TABLE: z.string().min(1),
  LEDGER_TABLE: z.string().min(1),
  /** {"BTC": "<ledger table of BTC>", …}: the ledgers converted proceeds are credited to. */
  TARGET_LEDGER_TABLES: z.string().min(1),
  /** Exchanges with `deposit`: Secrets Manager ARN of {"user","password"} of the coin daemons (the pool wallet). */
  DAEMON_SECRET_ARN: z.string().min(1).optional(),
  /** Switching ports paying the coin's miners in another currency: their accounts are converted into it. */
  FOREIGN_PAYOUT_CURRENCIES: foreignPayoutCurrenciesVar,
});
