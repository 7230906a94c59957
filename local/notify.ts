import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoAccountStore } from '../adapters/aws/dynamo-account-store.js';
import { DynamoNotificationStore } from '../adapters/aws/dynamo-notification-store.js';
import { TelegramBot } from '../adapters/notify/telegram.js';
import type { NotifyChannels, NotifyPassDeps, NotifyPassReport } from '../app/notify/pass.js';
import { runNotifyPass } from '../app/notify/pass.js';
import { botCommands, type TelegramCommandDeps } from '../app/notify/telegram.js';
import { isMergedCoin } from '../core/config/merged.js';
import type { PoolConfig } from '../core/config/schema.js';
import type { Logger } from '../core/ports/logger.js';
import type { LedgerStore, PayoutStore } from '../core/ports/money-store.js';
import type { MinerActivityReader, PoolStatsReader } from '../core/ports/share-store.js';
import { everyOnePass } from './timers.js';

/** Local mode's Telegram bot token (a secret: never in the config file); absent, the pool has no Telegram channel. */
export const TELEGRAM_TOKEN_ENV = 'POOL_TELEGRAM_BOT_TOKEN';
/** The Bot API root the bot talks to (tests point it at a fake); absent, https://api.telegram.org. */
export const TELEGRAM_API_ROOT_ENV = 'POOL_TELEGRAM_API_ROOT';

/** Knobs of local mode's notification pass (tests); by default the config and the process environment decide. */
export interface LocalNotifyOptions {
  /** How often the pass runs; default accounts.notifications.evaluateSeconds. */
  everyMs?: number;
  /** The pass's clock (default Date.now): a test moves it on instead of waiting minutes for a worker to count as offline. */
  now?: () => number;
  /** false: no timer (the pass runs when `run` is called); the Telegram bot still polls. */
  timers?: boolean;
  /** Where the Telegram bot token is read (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** What the pass watches of the coins' share tables: workers' last shares and the pool's blocks. */
export interface LocalNotifyReaders {
  miners: Pick<MinerActivityReader, 'getMinerStats'>;
  poolStats: Pick<PoolStatsReader, 'listBlocks'>;
}

export interface LocalNotify {
  /** The channels the pool sends on, for the notification routes too (the test button, Telegram link codes). */
  channels: NotifyChannels;
  /** One pass now (or at `now`), as the timer runs it. */
  run(now?: number): Promise<NotifyPassReport>;
  /** Stops the timer and the bot's polling and waits for a running pass. */
  stop(): Promise<void>;
}

/**
 * Notifications in local mode (config `accounts`): the same pass as the notify Lambda (app/notify/pass.ts) on a timer
 * instead of an EventBridge schedule, one pass at a time, over the accounts table and the coins' tables in dynalite.
 * Email goes to the SMTP sink and webhooks with local rules (plain http to 127.0.0.1 allowed), both given in
 * `channels`; Telegram only when POOL_TELEGRAM_BOT_TOKEN is set, and then by long polling (no public URL for a
 * webhook): the bot answers /start <code> and /stats like the Lambda's.
 */
export function startLocalNotify(opts: {
  config: Readonly<PoolConfig>;
  doc: DynamoDBDocumentClient;
  table: string;
  accounts: DynamoAccountStore;
  shares: LocalNotifyReaders;
  money: Pick<LedgerStore, 'listRecentEntries' | 'getBalance'> & Pick<PayoutStore, 'getPayouts'>;
  channels: Omit<NotifyChannels, 'telegram'>;
  log: Logger;
  options?: LocalNotifyOptions;
}): LocalNotify {
  const { config, log } = opts;
  const settings = config.accounts!.notifications;
  const now = opts.options?.now ?? Date.now;
  const store = new DynamoNotificationStore(opts.doc, opts.table);
  const coins = config.coins.map((c) => c.symbol);
  // A merge-mined coin has no shares of its own: its miners' workers are watched on the parent's identity (as in AWS).
  const merged = new Set(config.coins.filter(isMergedCoin).map((c) => c.symbol));
  const sharesCoinOf = (coin: string) => (merged.has(coin) ? undefined : coin);
  const commands: TelegramCommandDeps = {
    accounts: opts.accounts,
    links: store,
    miners: opts.shares.miners,
    balances: opts.money,
    coins,
    sharesCoinOf,
    poolName: config.pool.name,
    now,
  };
  const telegram = localTelegramBot(opts.options?.env ?? process.env, commands, log);
  const channels: NotifyChannels = { ...opts.channels, ...(telegram ? { telegram } : {}) };
  const deps: NotifyPassDeps = {
    ...channels,
    targets: store,
    deliveries: store,
    accounts: opts.accounts,
    miners: opts.shares.miners,
    pool: opts.shares.poolStats,
    money: opts.money,
    coins,
    sharesCoinOf,
    poolName: config.pool.name,
    digestAfter: settings.digestAfter,
    webhookMaxAttempts: settings.webhookMaxAttempts,
    log,
  };
  let running: Promise<unknown> = Promise.resolve();
  const run = (at = now()) => {
    const pass = runNotifyPass(deps, at);
    running = pass.catch(() => {});
    return pass;
  };
  let timer: ReturnType<typeof setInterval> | undefined;
  if (opts.options?.timers !== false) {
    timer = everyOnePass(
      opts.options?.everyMs ?? settings.evaluateSeconds * 1000,
      async () => {
        const report = await run();
        // Only passes that did something: an outage stays an event on every pass until the worker is back.
        const sent = report.sent.email + report.sent.telegram + report.sent.webhook;
        if (sent + report.failed + report.errors > 0) log.info({ ...report }, 'notification pass');
      },
      (err) => log.error({ err }, 'notification pass failed'),
    );
  }
  telegram?.startPolling();
  return {
    channels,
    run,
    async stop() {
      if (timer) clearInterval(timer);
      await telegram?.stop();
      await running;
    },
  };
}

/** The bot when the environment has a token: sends the pass's messages and answers /start and /stats. */
function localTelegramBot(
  env: Readonly<Record<string, string | undefined>>,
  commands: TelegramCommandDeps,
  log: Pick<Logger, 'warn'>,
): TelegramBot | undefined {
  const token = env[TELEGRAM_TOKEN_ENV]?.trim();
  if (!token) return undefined;
  const apiRoot = env[TELEGRAM_API_ROOT_ENV]?.trim();
  return new TelegramBot({
    token,
    ...(apiRoot ? { apiRoot } : {}),
    commands: botCommands(commands),
    log,
  });
}
