import { z } from 'zod';

/**
 * The environment the accounts stack gives its Lambdas (infra/stacks/accounts-stack.ts). Checked at synth against the
 * handlers' own env schemas where they export one (pool-app.ts passes them); these are the stack's side of it, so a
 * missing variable fails the synth even before then.
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

export const accountsEnvSchema = z.object({
  ...shared,
  COGNITO_USER_POOL_ID: z.string().min(1),
  COGNITO_CLIENT_ID: z.string().min(1),
});

export const notifyEnvSchema = z.object(shared);

export const alarmRelayEnvSchema = z.object({
  /** The operators' Telegram chat (deploy settings alerts.telegramChatId). */
  TELEGRAM_CHAT_ID: z.string().regex(/^-?\d+$/),
  /** The relay bot token's secret: its ARN, read at run time. */
  TELEGRAM_BOT_SECRET_ARN: z.string().min(1),
});
