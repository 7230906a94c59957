import { z } from 'zod';
import { newToken, tokenHash } from '../../core/accounts/tokens.js';
import {
  DEFAULT_NOTIFICATION_SETTINGS,
  NOTIFICATION_CHANNELS,
  NOTIFICATION_EVENTS,
  type NotificationChannel,
  type NotificationSettings,
} from '../../core/accounts/types.js';
import { BadRequestError, NotFoundError } from '../../core/errors.js';
import type { SendOutcome } from '../../core/notify/delivery.js';
import { sameSecret, TELEGRAM_SECRET_HEADER } from '../../core/notify/signature.js';
import type { AccountStore } from '../../core/ports/account-store.js';
import type { Logger } from '../../core/ports/logger.js';
import { RateLimitedError } from '../accounts/errors.js';
import { jsonAnswer, parseBody } from '../accounts/http.js';
import type { AccountResponse, AccountRoute, AccountRouteRequest } from '../accounts/route.js';
import { type NotifyChannels, postSigned } from './pass.js';

/**
 * The notification routes (issue 19), served by the account API's router (app/accounts/api.ts, through
 * AccountApiDeps.extraRoutes and bindRoutes): the account's notification settings, a test message on each
 * configured channel, a one-time Telegram link code, and the Telegram bot's webhook (checked by Telegram's secret
 * header, served by the accounts Lambda in AWS and the local API locally).
 */
export interface NotifyRouteDeps extends NotifyChannels {
  accounts: Pick<
    AccountStore,
    'getNotificationSettings' | 'putNotificationSettings' | 'getProfile' | 'putToken' | 'countAttempt' | 'appendLog'
  >;
  poolName: string;
  /** The bot's username (config accounts.notifications.telegramBot): the t.me link of a link code. */
  telegramBot?: string;
  /** The bot's updates (adapters/notify/telegram.ts) and the secret Telegram sends with each; absent: no bot. */
  telegramUpdates?: { secret: string; handle(update: unknown): Promise<void> };
  now: () => number;
  log: Pick<Logger, 'info' | 'warn'>;
}

/** A Telegram link code works once, this long. */
export const TELEGRAM_LINK_MINUTES = 15;
/** Test messages per account per hour (each one sends on every channel). */
export const TESTS_PER_HOUR = 10;

const channels = z.array(z.enum(NOTIFICATION_CHANNELS)).max(NOTIFICATION_CHANNELS.length);
const hour = z.number().int().min(0).max(23);
const settingsBody = z.strictObject({
  events: z.partialRecord(z.enum(NOTIFICATION_EVENTS), channels),
  workerOfflineMinutes: z
    .number()
    .int()
    .min(5)
    .max(24 * 60),
  hashrateDropPercent: z.number().int().min(1).max(99),
  quietHours: z.strictObject({ from: hour, to: hour }).nullable().optional(),
  /** A new URL gets a new secret (shown once in the answer); null removes the webhook. */
  webhook: z
    .strictObject({ url: z.string().max(2048), rotateSecret: z.boolean().optional() })
    .nullable()
    .optional(),
  /** true: forget the linked Telegram chat. */
  unlinkTelegram: z.boolean().optional(),
});

const accountOf = (r: AccountRouteRequest) => r.subject!.sub;

/** The settings as the account page shows them: never the webhook secret, never the chat id. */
function view(s: NotificationSettings, deps: NotifyRouteDeps) {
  return {
    events: s.events,
    workerOfflineMinutes: s.workerOfflineMinutes,
    hashrateDropPercent: s.hashrateDropPercent,
    quietHours: s.quietHours ?? null,
    telegram: { linked: s.telegramChatId !== undefined, bot: deps.telegramBot ?? null },
    webhook: s.webhook ? { url: s.webhook.url } : null,
    available: {
      events: NOTIFICATION_EVENTS,
      channels: NOTIFICATION_CHANNELS.filter((c) => channelReady(deps, c)),
    },
  };
}

/** A channel the pool can send on at all (a Telegram bot configured, a webhook sender). */
function channelReady(deps: NotifyRouteDeps, c: NotificationChannel): boolean {
  return c === 'email' ? deps.mailer !== undefined : c === 'telegram' ? deps.telegram !== undefined : !!deps.webhooks;
}

async function getSettings(deps: NotifyRouteDeps, account: string): Promise<NotificationSettings> {
  return (await deps.accounts.getNotificationSettings(account)) ?? DEFAULT_NOTIFICATION_SETTINGS;
}

async function putSettings(req: AccountRouteRequest, deps: NotifyRouteDeps): Promise<AccountResponse> {
  const account = accountOf(req);
  const body = parseBody(settingsBody, req.body);
  const old = await getSettings(deps, account);
  const next: NotificationSettings = {
    events: body.events,
    workerOfflineMinutes: body.workerOfflineMinutes,
    hashrateDropPercent: body.hashrateDropPercent,
    ...(body.quietHours ? { quietHours: body.quietHours } : {}),
    ...(old.telegramChatId !== undefined && !body.unlinkTelegram ? { telegramChatId: old.telegramChatId } : {}),
  };
  let newSecret: string | undefined;
  if (body.webhook === undefined && old.webhook) next.webhook = old.webhook;
  if (body.webhook) {
    if (!deps.webhooks) throw new BadRequestError('webhooks are not available on this pool');
    const refused = await deps.webhooks.checkUrl(body.webhook.url);
    if (refused) throw new BadRequestError(`webhook.url: ${refused}`);
    const keep = old.webhook && old.webhook.url === body.webhook.url && !body.webhook.rotateSecret;
    if (keep) next.webhook = old.webhook;
    else {
      newSecret = newToken();
      next.webhook = { url: body.webhook.url, secret: newSecret };
    }
  }
  await deps.accounts.putNotificationSettings(account, next);
  await deps.accounts.appendLog(account, {
    at: deps.now(),
    ip: req.sourceIp,
    kind: 'notification-settings',
    detail: `notifications: ${Object.keys(next.events).length} events${newSecret ? ', new webhook secret' : ''}${body.unlinkTelegram ? ', Telegram unlinked' : ''}`,
    source: 'account',
  });
  // The webhook secret is shown this once, to be put in the receiver; only its use (signatures) shows it again.
  return jsonAnswer(200, { ...view(next, deps), ...(newSecret ? { webhookSecret: newSecret } : {}) });
}

/** Sends a test message on every channel the account has set up; says which worked. */
async function sendTest(req: AccountRouteRequest, deps: NotifyRouteDeps): Promise<AccountResponse> {
  const account = accountOf(req);
  const now = deps.now();
  const window = Math.floor(now / 3_600_000) * 3_600_000;
  const count = await deps.accounts.countAttempt(`notify-test#${account}`, window, 3_600_000);
  if (count > TESTS_PER_HOUR) throw new RateLimitedError(Math.ceil((window + 3_600_000 - now) / 1000));
  const settings = await getSettings(deps, account);
  const profile = await deps.accounts.getProfile(account);
  if (!profile) throw new NotFoundError('no such account');
  const subject = `${deps.poolName}: test notification`;
  const text = 'This is a test message: notifications from the pool reach you here.';
  const results: Array<{ channel: NotificationChannel; ok: boolean; error?: string }> = [];
  const attempt = async (channel: NotificationChannel, run: () => Promise<SendOutcome>) => {
    let outcome: SendOutcome;
    try {
      outcome = await run();
    } catch (err) {
      outcome = { ok: false, permanent: false, error: `${channel} send failed (${(err as Error)?.name ?? 'error'})` };
    }
    results.push({ channel, ok: outcome.ok, ...(outcome.ok ? {} : { error: outcome.error }) });
  };
  const { mailer, telegram, webhooks } = deps;
  if (mailer)
    await attempt('email', async () => {
      await mailer.send({ to: profile.email, subject, text });
      return { ok: true };
    });
  if (telegram && settings.telegramChatId)
    await attempt('telegram', () => telegram.sendMessage(settings.telegramChatId!, `${subject}\n\n${text}`));
  const hook = settings.webhook;
  if (webhooks && hook) {
    const id = `test:${now}`;
    await attempt('webhook', () =>
      postSigned(webhooks, hook, { id, timestamp: Math.floor(now / 1000), test: true, events: [] }, id, now),
    );
  }
  return jsonAnswer(200, { results });
}

async function telegramLink(req: AccountRouteRequest, deps: NotifyRouteDeps): Promise<AccountResponse> {
  if (!deps.telegram) throw new NotFoundError('this pool has no Telegram bot');
  const code = newToken(); // 43 base64url characters: within Telegram's 64 for a /start parameter
  const expiresAt = deps.now() + TELEGRAM_LINK_MINUTES * 60_000;
  await deps.accounts.putToken({ kind: 'telegram-link', hash: tokenHash(code), account: accountOf(req), expiresAt });
  return jsonAnswer(200, {
    code,
    expiresAt,
    link: deps.telegramBot ? `https://t.me/${deps.telegramBot}?start=${code}` : null,
  });
}

/** Telegram's POSTs of the bot's updates: only with the secret set by setWebhook (else anybody could send /start). */
async function telegramWebhook(req: AccountRouteRequest, deps: NotifyRouteDeps): Promise<AccountResponse> {
  const bot = deps.telegramUpdates;
  if (!bot) throw new NotFoundError('this pool has no Telegram bot');
  if (!sameSecret(req.headers[TELEGRAM_SECRET_HEADER], bot.secret)) {
    deps.log.warn({ ip: req.sourceIp }, 'telegram webhook: wrong or missing secret token');
    return jsonAnswer(401, { error: 'unauthorized' });
  }
  let update: unknown;
  try {
    update = JSON.parse(req.body ?? '');
  } catch {
    throw new BadRequestError('the body is not JSON');
  }
  if (
    typeof update !== 'object' ||
    update === null ||
    typeof (update as { update_id?: unknown }).update_id !== 'number'
  )
    throw new BadRequestError('not a Telegram update');
  await bot.handle(update);
  return jsonAnswer(200, {});
}

type Route = AccountRoute<NotifyRouteDeps>;

export const notificationRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/account/notifications',
    auth: true,
    handler: async (req, deps) => jsonAnswer(200, view(await getSettings(deps, accountOf(req)), deps)),
  },
  { method: 'PUT', pattern: '/account/notifications', auth: true, handler: putSettings },
  { method: 'POST', pattern: '/account/notifications/test', auth: true, handler: sendTest },
  { method: 'POST', pattern: '/account/telegram/link', auth: true, handler: telegramLink },
  { method: 'POST', pattern: '/telegram/webhook', auth: false, handler: telegramWebhook },
];
