import { createHash } from 'node:crypto';
import type { NotificationSettings } from '../accounts/types.js';
import { getCoin, isKnownCoin } from '../coins/registry.js';
import { formatUnits } from '../conversion/decimal.js';
import { hashesPerDifficulty } from '../stats/hashrate.js';
import { isUrgent, MINUTE_MS, type NotifyEvent } from './events.js';

/**
 * What goes out on one channel: one event, or a digest of several (many workers down in one pass, or what quiet
 * hours held back). A digest is still "one message per event": its events' delivery records are claimed together.
 */
export interface NotifyMessage {
  /** The event's id, or `digest:<hash of the sorted event ids>`. */
  id: string;
  events: NotifyEvent[];
  digest?: 'workers' | 'quiet-hours';
}

const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Is `now` within the quiet hours (UTC, `from` included, `to` excluded, wrapping midnight when from > to)? */
export function inQuietHours(quiet: NotificationSettings['quietHours'], now: number): boolean {
  if (!quiet || quiet.from === quiet.to) return false;
  const hour = new Date(now).getUTCHours();
  return quiet.from < quiet.to ? hour >= quiet.from && hour < quiet.to : hour >= quiet.from || hour < quiet.to;
}

/** When the latest quiet period ended, at or before `now` (ms); undefined without quiet hours. */
export function lastQuietEnd(quiet: NotificationSettings['quietHours'], now: number): number | undefined {
  if (!quiet || quiet.from === quiet.to) return undefined;
  const today = Math.floor(now / DAY_MS) * DAY_MS + quiet.to * HOUR_MS;
  return today <= now ? today : today - DAY_MS;
}

/**
 * The messages for one channel from the events not yet delivered on it. In quiet hours only urgent events go out
 * (the rest stay undelivered: `held`, picked up by a later pass). Outside them, the non-urgent events that happened
 * before the last quiet period ended make one digest; then more than `digestAfter` offline workers make one digest;
 * every other event is its own message.
 */
export function composeMessages(
  events: readonly NotifyEvent[],
  settings: Pick<NotificationSettings, 'quietHours'>,
  now: number,
  digestAfter: number,
): { messages: NotifyMessage[]; held: NotifyEvent[] } {
  const sorted = [...events].sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
  if (inQuietHours(settings.quietHours, now)) {
    return {
      messages: sorted.filter(isUrgent).map(single),
      held: sorted.filter((e) => !isUrgent(e)),
    };
  }
  const messages: NotifyMessage[] = [];
  let rest = sorted;
  const quietEnd = lastQuietEnd(settings.quietHours, now);
  if (quietEnd !== undefined) {
    const heldBack = rest.filter((e) => !isUrgent(e) && e.at < quietEnd);
    if (heldBack.length > 1) {
      messages.push(digest(heldBack, 'quiet-hours'));
      rest = rest.filter((e) => !heldBack.includes(e));
    }
  }
  const offline = rest.filter((e) => e.type === 'worker-offline');
  if (offline.length > digestAfter) {
    messages.push(digest(offline, 'workers'));
    rest = rest.filter((e) => e.type !== 'worker-offline');
  }
  messages.push(...rest.map(single));
  return { messages, held: [] };
}

function single(e: NotifyEvent): NotifyMessage {
  return { id: e.id, events: [e] };
}

export function digest(events: readonly NotifyEvent[], why: NonNullable<NotifyMessage['digest']>): NotifyMessage {
  const ids = events.map((e) => e.id).sort();
  const hash = createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 24);
  return { id: `digest:${hash}`, events: [...events], digest: why };
}

/** The subject and plain text of a message (email, Telegram). No secret, no email address, no webhook URL. */
export function renderText(m: NotifyMessage, poolName: string): { subject: string; text: string } {
  const lines = m.events.map(describe);
  if (m.digest === undefined) {
    const e = m.events[0]!;
    return { subject: `${poolName}: ${headline(e)}`, text: `${lines[0]}\n` };
  }
  const intro =
    m.digest === 'workers'
      ? `${m.events.length} workers went offline:`
      : `While your quiet hours lasted (${m.events.length} events):`;
  const subject =
    m.digest === 'workers'
      ? `${poolName}: ${m.events.length} workers offline`
      : `${poolName}: ${m.events.length} events during quiet hours`;
  return { subject, text: `${intro}\n${lines.map((l) => `- ${l}`).join('\n')}\n` };
}

function headline(e: NotifyEvent): string {
  switch (e.type) {
    case 'worker-offline':
      return `worker ${e.worker} offline (${e.coin})`;
    case 'hashrate-drop':
      return `hashrate dropped (${e.coin})`;
    case 'block-found-mine':
      return `you found ${e.coin} block ${e.height}`;
    case 'block-found-pool':
      return `the pool found ${e.coin} block ${e.height}`;
    case 'payout-sent':
      return `payout of ${amount(e.coin, e.amount)} ${e.coin} sent`;
    case 'payout-address-changed':
      return 'your payout address was changed';
  }
}

/** One line about an event. */
export function describe(e: NotifyEvent): string {
  const when = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
  switch (e.type) {
    case 'worker-offline':
      return `${e.coin} worker "${e.worker}" of ${e.address} sent no share since ${when(e.lastShareAt)}.`;
    case 'hashrate-drop': {
      const pct = Math.round((100 * e.recentPerMinute) / e.averagePerMinute);
      return `${e.coin} hashrate of ${e.address} is ${hashrateText(e.coin, e.recentPerMinute)}, ${pct}% of its 24 h average (${hashrateText(e.coin, e.averagePerMinute)}).`;
    }
    case 'block-found-mine':
      return `${e.coin} block ${e.height} (${e.hash}) was found by your ${e.address}, reward ${amount(e.coin, BigInt(e.reward))} ${e.coin}.`;
    case 'block-found-pool':
      return `The pool found ${e.coin} block ${e.height} (${e.hash}), reward ${amount(e.coin, BigInt(e.reward))} ${e.coin}.`;
    case 'payout-sent':
      return `${amount(e.coin, e.amount)} ${e.coin} was sent to ${e.address} (transaction ${e.txid}).`;
    case 'payout-address-changed':
      return `Payout address changed at ${when(e.at)} from ${e.ip}: ${e.detail}. Payouts to it are held for the cool-down; if this was not you, secure your account now.`;
  }
}

function amount(coin: string, units: bigint): string {
  return isKnownCoin(coin) ? formatUnits(units, getCoin(coin).decimals) : `${units} base units of`;
}

/** Difficulty per minute as hashes per second, with an SI prefix ("1.25 MH/s"). */
export function hashrateText(coin: string, difficultyPerMinute: number): string {
  const perDiff = isKnownCoin(coin) ? hashesPerDifficulty(getCoin(coin)) : 1;
  let h = (difficultyPerMinute * perDiff) / 60;
  const prefixes = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
  let i = 0;
  while (h >= 1000 && i < prefixes.length - 1) {
    h /= 1000;
    i++;
  }
  return `${h.toFixed(2)} ${prefixes[i]}H/s`;
}

/**
 * The JSON a webhook receives. `events[].id` is the delivery key: a receiver that keeps the ids it handled ignores a
 * repeat (a retry after a crash that left the outcome unknown sends the same ids again). `timestamp` (seconds) equals
 * the X-Edgepool-Timestamp header, both covered by the signature of the body.
 */
export function webhookPayload(m: NotifyMessage, now: number): Record<string, unknown> {
  return {
    id: m.id,
    timestamp: Math.floor(now / 1000),
    ...(m.digest ? { digest: m.digest } : {}),
    events: m.events.map((e) => ({
      ...e,
      ...('amount' in e ? { amount: e.amount.toString() } : {}),
      text: describe(e),
    })),
  };
}
