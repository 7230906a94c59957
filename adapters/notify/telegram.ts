import { Bot, GrammyError, HttpError } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import type { SendOutcome } from '../../core/notify/delivery.js';
import type { Logger } from '../../core/ports/logger.js';
import type { TelegramSender } from '../../core/ports/notify.js';

/** What the bot's commands answer (app/notify/telegram.ts startCommand / statsCommand). */
export interface TelegramCommands {
  start(chatId: string, code: string): Promise<string>;
  stats(chatId: string): Promise<string>;
}

export interface TelegramBotOptions {
  /** The bot token (a secret: from the environment locally, Secrets Manager in AWS; never logged). */
  token: string;
  /** The Bot API's root, https://api.telegram.org by default; tests point it at a fake (test/helpers/fake-telegram.ts). */
  apiRoot?: string;
  /** The bot's own user; absent: asked once with getMe before the first update is handled. */
  botInfo?: UserFromGetMe;
  commands?: TelegramCommands;
  log: Pick<Logger, 'warn'>;
}

/**
 * The pool's Telegram bot on grammy: sends notifications (TelegramSender) and answers `/start <code>` and `/stats`,
 * from the webhook (the accounts Lambda / local API hands it each update) or by long polling (local mode).
 * Messages are plain text (no parse_mode), so a worker name cannot inject markup.
 */
export class TelegramBot implements TelegramSender {
  readonly bot: Bot;
  private ready: Promise<void> | undefined;

  constructor(private readonly opts: TelegramBotOptions) {
    this.bot = new Bot(opts.token, {
      ...(opts.apiRoot ? { client: { apiRoot: opts.apiRoot } } : {}),
      ...(opts.botInfo ? { botInfo: opts.botInfo } : {}),
    });
    const commands = opts.commands;
    if (commands) {
      this.bot.command('start', async (ctx) => {
        await ctx.reply(await commands.start(String(ctx.chat.id), ctx.match));
      });
      this.bot.command('stats', async (ctx) => {
        await ctx.reply(await commands.stats(String(ctx.chat.id)));
      });
    }
    this.bot.catch((err) => {
      // The update's text may hold a link code: only the failure's kind is logged.
      opts.log.warn({ error: (err.error as Error)?.name ?? 'error' }, 'telegram update failed');
    });
  }

  async sendMessage(chatId: string, text: string): Promise<SendOutcome> {
    try {
      await this.bot.api.sendMessage(chatId, text, { link_preview_options: { is_disabled: true } });
      return { ok: true };
    } catch (err) {
      if (err instanceof GrammyError) {
        // 400 (chat not found), 403 (the user blocked the bot): the same next time. 429 and 5xx: later.
        const retry = err.error_code === 429 || err.error_code >= 500;
        return { ok: false, permanent: !retry, error: `telegram answered ${err.error_code}` };
      }
      if (err instanceof HttpError) return { ok: false, permanent: false, error: 'telegram unreachable' };
      throw err;
    }
  }

  /** One update from the webhook (its secret header already checked by the route). */
  async handleUpdate(update: Update): Promise<void> {
    this.ready ??= this.bot.init().catch((err) => {
      this.ready = undefined;
      throw err;
    });
    await this.ready;
    await this.bot.handleUpdate(update);
  }

  /** Long polling (local mode, where Telegram cannot reach a webhook): runs until stop(). */
  startPolling(): void {
    void this.bot.start({ drop_pending_updates: false }).catch((err) => {
      this.opts.log.warn({ error: (err as Error)?.name ?? 'error' }, 'telegram polling stopped');
    });
  }

  async stop(): Promise<void> {
    if (this.bot.isRunning()) await this.bot.stop();
  }

  /** Registers the webhook with Telegram (deploy step; the secret is checked on every update). */
  async setWebhook(url: string, secretToken: string): Promise<void> {
    await this.bot.api.setWebhook(url, { secret_token: secretToken, allowed_updates: ['message'] });
  }
}
