import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSEvent } from 'aws-lambda';
import { z } from 'zod';
import { TelegramBot } from '../../adapters/notify/telegram.js';
import { relayAlarms } from '../../app/notify/alarm-relay.js';
import { ConfigError } from '../../core/errors.js';
import type { TelegramSender } from '../../core/ports/notify.js';
import { poolHandler, poolLambda } from '../shared/pool-handler.js';

/** Set by the CDK app (infra, part F19) on the relay subscribed to the alerts topic. */
export const alarmRelayEnvSchema = z.object({
  /** Secrets Manager ARN of the Telegram bot token (a plain string); read at run time, never in the template. */
  TELEGRAM_BOT_TOKEN_SECRET_ARN: z.string().min(1),
  /** The operators' chat (config alerts.telegramChatId). */
  ALERTS_TELEGRAM_CHAT_ID: z.string().regex(/^-?\d{1,20}$/, 'a Telegram chat id'),
  /** The Bot API root (tests); absent: https://api.telegram.org. */
  TELEGRAM_API_ROOT: z.url().optional(),
});

export interface AlarmRelayDeps {
  telegram: TelegramSender;
  chatId: string;
}

/** The bot token from Secrets Manager (shared by the notify Lambda). */
export async function telegramToken(secretArn: string, secrets = new SecretsManagerClient({})): Promise<string> {
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
  const token = secret.SecretString?.trim() ?? '';
  if (!/^\d+:[A-Za-z0-9_-]{20,}$/.test(token))
    throw new ConfigError('the Telegram bot token secret is empty or not a bot token (put the token from @BotFather)');
  return token;
}

export const alarmRelayLambda = poolLambda({
  name: 'alarm-relay',
  env: alarmRelayEnvSchema,
  build: async (env): Promise<AlarmRelayDeps> => ({
    telegram: new TelegramBot({
      token: await telegramToken(env.TELEGRAM_BOT_TOKEN_SECRET_ARN),
      ...(env.TELEGRAM_API_ROOT ? { apiRoot: env.TELEGRAM_API_ROOT } : {}),
      log: { warn() {} },
    }),
    chatId: env.ALERTS_TELEGRAM_CHAT_ID,
  }),
  run: async (event: SNSEvent, deps: AlarmRelayDeps, { log }) => {
    const out = await relayAlarms(
      event.Records.map((r) => ({ subject: r.Sns.Subject, message: r.Sns.Message })),
      deps,
    );
    if (out.refused.length > 0) log.error({ refused: out.refused }, 'alarm not relayed to Telegram');
    return out;
  },
});

export const handler = poolHandler(alarmRelayLambda);
