import { z } from 'zod';

/**
 * The environment the accounts stack gives the notification Lambda (lambdas/notify/handler.ts), checked at synth until
 * that handler exports its own env schema; the accounts Lambda's and the alarm relay's are their handlers'.
 */
export const notifyEnvSchema = z.object({
  /** The accounts table (adapters/aws/account-items.ts), read and written (delivery records). */
  POOL_ACCOUNTS_TABLE: z.string().min(1),
  /** Every coin's table names, as the stats Lambda gets them: `{"LTC": {"shares": "...", ...}}`, read only. */
  POOL_TABLES_JSON: z.string().min(2),
  /** The pool config's pool.name. */
  POOL_NAME: z.string().min(1),
  /** accounts.mailFrom, the SES identity. */
  MAIL_FROM: z.email(),
  NOTIFY_DIGEST_AFTER: z.coerce.number().int().min(1),
  NOTIFY_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20),
  /** The Telegram bot token's secret (its ARN, read at run time); absent: no Telegram channel. */
  TELEGRAM_BOT_TOKEN_SECRET_ARN: z.string().min(1).optional(),
});
