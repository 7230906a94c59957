import { z } from 'zod';

/**
 * The environment the accounts and alerts stacks give the notification and alarm-relay Lambdas, checked at synth
 * until those handlers export their own env schemas (the accounts Lambda's is lambdas/accounts/handler.ts's).
 */
const shared = {
  /** The accounts table (adapters/aws/account-items.ts), read and written. */
  POOL_ACCOUNTS_TABLE: z.string().min(1),
  /** The pool config's `accounts` section (core/config/schema.ts accountsSchema) as JSON: publicUrl, mailFrom, … */
  POOL_ACCOUNTS_JSON: z.string().min(2),
  /** Every coin's table names, as the stats Lambda gets them: `{"LTC": {"shares": "...", ...}}`, read only. */
  POOL_TABLES_JSON: z.string().min(2),
  /** What the API may show of the pool config (app/stats/public.ts publicPool). */
  POOL_PUBLIC_JSON: z.string().min(2),
  /** The Telegram bot token's secret: its ARN, read at run time (the webhook secret is derived from the token). */
  TELEGRAM_BOT_SECRET_ARN: z.string().min(1),
};

export const notifyEnvSchema = z.object(shared);

export const alarmRelayEnvSchema = z.object({
  /** The operators' Telegram chat (deploy settings alerts.telegramChatId). */
  TELEGRAM_CHAT_ID: z.string().regex(/^-?\d+$/),
  /** The relay bot token's secret: its ARN, read at run time. */
  TELEGRAM_BOT_SECRET_ARN: z.string().min(1),
});
