import { tokenHash } from '../../core/accounts/tokens.js';
import { DEFAULT_NOTIFICATION_SETTINGS } from '../../core/accounts/types.js';
import { getCoin, isKnownCoin } from '../../core/coins/registry.js';
import { formatUnits } from '../../core/conversion/decimal.js';
import { EVENT_LOOKBACK_MS, MINUTE_MS, RECENT_WINDOW_MINUTES } from '../../core/notify/events.js';
import { hashrateText } from '../../core/notify/messages.js';
import type { AccountStore, NotificationTargetsReader } from '../../core/ports/account-store.js';
import type { LedgerStore } from '../../core/ports/money-store.js';
import type { MinerActivityReader } from '../../core/ports/share-store.js';
import { isOffline } from '../../core/stats/hashrate.js';

/**
 * What the Telegram bot answers (issue 19): `/start <code>` links the chat to the account whose one-time code it is
 * (POST /api/account/telegram/link made it); `/stats` answers the linked account's figures per coin. The bot adapter
 * (adapters/notify/telegram.ts) calls these and sends the answers back to the chat.
 */
export interface TelegramCommandDeps {
  accounts: Pick<
    AccountStore,
    'consumeToken' | 'getNotificationSettings' | 'putNotificationSettings' | 'listIdentities'
  >;
  /** The chat → account link (TELEGRAM#<chatId>), which putNotificationSettings keeps with the settings. */
  links: Pick<NotificationTargetsReader, 'accountOfTelegramChat'>;
  miners: Pick<MinerActivityReader, 'getMinerStats'>;
  /** Balances per coin (the ledger tables); absent: /stats shows no balances. */
  balances?: Pick<LedgerStore, 'getBalance'>;
  coins: readonly string[];
  /** Where a coin's shares are counted (see NotifyPassDeps.sharesCoinOf). */
  sharesCoinOf?: (coin: string) => string | undefined;
  poolName: string;
  now: () => number;
}

export const NOT_LINKED =
  'This chat is not linked to an account. On the account page, under Notifications, choose "Link Telegram".';

export async function startCommand(deps: TelegramCommandDeps, chatId: string, code: string): Promise<string> {
  const trimmed = code.trim();
  if (trimmed === '') return `Welcome to ${deps.poolName}. ${NOT_LINKED}`;
  const account = await deps.accounts.consumeToken('telegram-link', tokenHash(trimmed), deps.now());
  if (!account) return 'This link code is unknown, used or expired. Make a new one on your account page.';
  // A chat serves one account: the account it served before stops sending to it.
  const previous = await deps.links.accountOfTelegramChat(chatId);
  if (previous && previous !== account) await setChat(deps, previous, undefined);
  await setChat(deps, account, chatId);
  return `Linked to your ${deps.poolName} account. You will get the notifications you chose here; /stats shows your figures.`;
}

/** The bot's commands over these deps, in the shape the bot adapter takes (adapters/notify/telegram.ts commands). */
export function botCommands(deps: TelegramCommandDeps): {
  start(chatId: string, code: string): Promise<string>;
  stats(chatId: string): Promise<string>;
} {
  return {
    start: (chatId, code) => startCommand(deps, chatId, code),
    stats: (chatId) => statsCommand(deps, chatId),
  };
}

/** Sets (or clears) the account's Telegram chat (the store moves the chat's link with it). */
async function setChat(deps: TelegramCommandDeps, account: string, chatId: string | undefined): Promise<void> {
  const settings = (await deps.accounts.getNotificationSettings(account)) ?? DEFAULT_NOTIFICATION_SETTINGS;
  const { telegramChatId: _old, ...rest } = settings;
  await deps.accounts.putNotificationSettings(account, chatId ? { ...rest, telegramChatId: chatId } : rest);
}

/** Per coin of the account's identities: hashrate (last 10 minutes), workers online of the day's, payable balance. */
export async function statsCommand(deps: TelegramCommandDeps, chatId: string): Promise<string> {
  const account = await deps.links.accountOfTelegramChat(chatId);
  if (!account) return NOT_LINKED;
  const identities = (await deps.accounts.listIdentities(account)).filter((i) => deps.coins.includes(i.coin));
  if (identities.length === 0) return 'Your account has no mining addresses yet: add one on the account page.';
  const now = deps.now();
  const lastMinute = Math.floor(now / MINUTE_MS) - 1;
  const from = lastMinute - RECENT_WINDOW_MINUTES + 1;
  // Workers seen in the last day count as the account's; the hashrate is the last 10 complete minutes'.
  const since = Math.floor((now - EVENT_LOOKBACK_MS) / MINUTE_MS);
  const lines: string[] = [`${deps.poolName}, your figures:`];
  for (const coin of [...new Set(identities.map((i) => i.coin))].sort()) {
    const addresses = identities.filter((i) => i.coin === coin).map((i) => i.address);
    const sharesCoin = deps.sharesCoinOf ? deps.sharesCoinOf(coin) : coin;
    let difficulty = 0;
    let online = 0;
    let workers = 0;
    if (sharesCoin !== undefined)
      for (const address of addresses) {
        const stats = await deps.miners.getMinerStats(sharesCoin, address, since);
        difficulty += stats.minutes
          .filter((b) => b.minute >= from && b.minute <= lastMinute)
          .reduce((s, b) => s + b.difficulty, 0);
        workers += stats.workers.length;
        online += stats.workers.filter((w) => w.lastShareAt > 0 && !isOffline(w.lastShareAt, now)).length;
      }
    let line = `${coin}: ${hashrateText(sharesCoin ?? coin, difficulty / RECENT_WINDOW_MINUTES)}, workers online ${online}/${workers}`;
    if (deps.balances) {
      let confirmed = 0n;
      let immature = 0n;
      for (const address of addresses) {
        const b = await deps.balances.getBalance(coin, address);
        confirmed += b.confirmed;
        immature += b.immature;
      }
      const decimals = isKnownCoin(coin) ? getCoin(coin).decimals : 0;
      line += `, balance ${formatUnits(confirmed, decimals)} (immature ${formatUnits(immature, decimals)})`;
    }
    lines.push(line);
  }
  return lines.join('\n');
}
