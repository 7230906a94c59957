import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { z } from 'zod';
import { DynamoAccountStore } from '../../adapters/aws/dynamo-account-store.js';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../adapters/aws/dynamo-money-store.js';
import { DynamoNotificationStore } from '../../adapters/aws/dynamo-notification-store.js';
import { createDynamoShareStores } from '../../adapters/aws/dynamo-share-store.js';
import { SesMailer } from '../../adapters/aws/ses-mailer.js';
import { TelegramBot, type TelegramCommands } from '../../adapters/notify/telegram.js';
import { WebhookSender } from '../../adapters/notify/webhook.js';
import { type NotifyPassDeps, runNotifyPass } from '../../app/notify/pass.js';
import { parseJsonVar } from '../../core/config/env.js';
import { StorageError } from '../../core/errors.js';
import { telegramWebhookSecret } from '../../core/notify/signature.js';
import { telegramToken } from '../alarm-relay/handler.js';
import { poolHandler, poolLambda } from '../shared/pool-handler.js';
import { tablesSchema } from '../stats/handler.js';

/** Set by the CDK app (infra/stacks/accounts-stack.ts, part F19) on the scheduled notification Lambda. */
export const notifyEnvSchema = z.object({
  POOL_ACCOUNTS_TABLE: z.string().min(1),
  /**
   * {"LTC": {"shares"?, "stats"?, "blocks", "ledger"}, …}: every coin's tables (a merge-mined coin has no shares). It
   * holds deploy-time references (the coin stacks' table names): synth checks it is set, the function parses it.
   */
  POOL_TABLES_JSON: z.string().min(2),
  POOL_NAME: z.string().min(1),
  /** config accounts.mailFrom (an SES identity). */
  MAIL_FROM: z.email(),
  /** config accounts.notifications.digestAfter / webhookMaxAttempts. */
  NOTIFY_DIGEST_AFTER: z.coerce.number().int().min(1).default(3),
  NOTIFY_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  /** Secrets Manager ARN of the Telegram bot token; absent: no Telegram channel. */
  TELEGRAM_BOT_TOKEN_SECRET_ARN: z.string().min(1).optional(),
  /** The Bot API root (tests); absent: https://api.telegram.org. */
  TELEGRAM_API_ROOT: z.url().optional(),
});

type NotifyEnv = z.output<typeof notifyEnvSchema>;

/** The Telegram variables, shared with the accounts Lambda (which serves the bot's webhook). */
export const telegramEnvSchema = notifyEnvSchema.pick({ TELEGRAM_BOT_TOKEN_SECRET_ARN: true, TELEGRAM_API_ROOT: true });

/**
 * The pool's bot when TELEGRAM_BOT_TOKEN_SECRET_ARN is set (the token read from Secrets Manager), with the secret
 * Telegram sends on each webhook update (derived from the token); undefined: the pool has no Telegram channel.
 */
export async function telegramBotOf(
  env: z.output<typeof telegramEnvSchema>,
  commands?: TelegramCommands,
): Promise<{ bot: TelegramBot; webhookSecret: string } | undefined> {
  if (!env.TELEGRAM_BOT_TOKEN_SECRET_ARN) return undefined;
  const token = await telegramToken(env.TELEGRAM_BOT_TOKEN_SECRET_ARN);
  const bot = new TelegramBot({
    token,
    ...(env.TELEGRAM_API_ROOT ? { apiRoot: env.TELEGRAM_API_ROOT } : {}),
    ...(commands ? { commands } : {}),
    log: { warn() {} },
  });
  return { bot, webhookSecret: telegramWebhookSecret(token) };
}

async function notifyDeps(env: NotifyEnv): Promise<Omit<NotifyPassDeps, 'log'>> {
  const doc = createDocumentClient(new DynamoDBClient({}));
  const tables = parseJsonVar(tablesSchema, 'POOL_TABLES_JSON', env.POOL_TABLES_JSON);
  const of = (coin: string) => {
    const t = tables[coin];
    if (!t) throw new StorageError(`no tables for coin ${coin}`);
    return { ...t, shares: t.shares ?? '', stats: t.stats ?? '' };
  };
  const store = new DynamoNotificationStore(doc, env.POOL_ACCOUNTS_TABLE);
  const shares = createDynamoShareStores({ doc, tables: of });
  const telegram = await telegramBotOf(env);
  return {
    targets: store,
    deliveries: store,
    accounts: new DynamoAccountStore(doc, env.POOL_ACCOUNTS_TABLE),
    miners: shares.miners,
    pool: shares.poolStats,
    money: new DynamoMoneyStore(doc, of),
    coins: Object.keys(tables),
    // A merge-mined coin has no shares of its own: its miners' workers are watched on the parent's identity.
    sharesCoinOf: (coin) => (tables[coin]?.stats ? coin : undefined),
    mailer: new SesMailer(new SESv2Client({}), env.MAIL_FROM),
    ...(telegram ? { telegram: telegram.bot } : {}),
    webhooks: new WebhookSender({ mode: 'aws' }),
    poolName: env.POOL_NAME,
    digestAfter: env.NOTIFY_DIGEST_AFTER,
    webhookMaxAttempts: env.NOTIFY_WEBHOOK_MAX_ATTEMPTS,
  };
}

/**
 * The notification pass on an EventBridge schedule (accounts.notifications.evaluateSeconds, rounded up to a minute)
 * with reserved concurrency 1; two passes at once would still send each message once (the delivery records).
 */
export const notifyLambda = poolLambda({
  name: 'notify',
  env: notifyEnvSchema,
  build: notifyDeps,
  run: async (_event: unknown, deps, { log }) => {
    const report = await runNotifyPass({ ...deps, log }, Date.now());
    log.info({ ...report }, 'notification pass');
    return report;
  },
});

export const handler = poolHandler(notifyLambda);
