import type { ChangeLogEntry, MiningIdentity, NotificationEvent, NotificationSettings } from '../accounts/types.js';
import type { BlockRecord } from '../blocks/block.js';
import { type PayoutRecord, payoutAddress } from '../ledger/payouts.js';
import type { MinerStats, MinuteBucket } from '../ports/share-store.js';

/**
 * Notification events (issue 19), found in snapshots of what the pool already stores: a miner's per-minute buckets
 * and workers, the blocks ingest recorded, the payouts that paid an identity, the account's change log. Pure: the
 * pass (app/notify/pass.ts) reads the snapshot and passes `now`.
 *
 * Every event has a stable id made of what it is about and when it started, so a pass run again over the same data
 * (or the next pass, while the worker is still down) finds the same id, and the delivery records keyed by it
 * (DELIVERY#<id>/<channel>) make sure it is sent once per channel.
 */
export type NotifyEvent =
  | (EventBase<'worker-offline'> & { coin: string; address: string; worker: string; lastShareAt: number })
  | (EventBase<'hashrate-drop'> & {
      coin: string;
      address: string;
      /** Accepted difficulty per minute, recent window and 24 h average (hashes = × hashes per difficulty). */
      recentPerMinute: number;
      averagePerMinute: number;
    })
  | (EventBase<'block-found-pool' | 'block-found-mine'> & {
      coin: string;
      height: number;
      hash: string;
      /** Base units, decimal string (the block's coinbase value). */
      reward: string;
      /** The identity that found it (block-found-mine only). */
      address?: string;
    })
  | (EventBase<'payout-sent'> & { coin: string; address: string; payoutId: string; amount: bigint; txid: string })
  | (EventBase<'payout-address-changed'> & { detail: string; ip: string });

interface EventBase<T extends NotificationEvent> {
  type: T;
  id: string;
  /** When it happened (ms): what quiet hours compare against. */
  at: number;
}

/** What the pass reads for one account. Each list may be partial (a failed read leaves its part out). */
export interface AccountSnapshot {
  account: string;
  settings: NotificationSettings;
  identities: readonly MiningIdentity[];
  /** Each identity's activity from 24 h before `now` on. */
  miners: ReadonlyArray<{ coin: string; address: string; stats: MinerStats }>;
  /** Recent blocks of the identities' coins (any finder). */
  blocks: readonly BlockRecord[];
  /** The payouts that paid an identity, with its amount in each. */
  payouts: ReadonlyArray<{ coin: string; address: string; amount: bigint; payout: PayoutRecord }>;
  log: readonly ChangeLogEntry[];
}

export const MINUTE_MS = 60_000;
/** Blocks, payouts and address changes older than this are not reported (a pool that was down a day stays quiet). */
export const EVENT_LOOKBACK_MS = 24 * 60 * MINUTE_MS;
/** The hashrate compared against the 24 h average: the last 10 complete minutes (one minute is too noisy). */
export const RECENT_WINDOW_MINUTES = 10;
/** Below an hour of history there is no meaningful average to fall below. */
export const MIN_AVERAGE_MINUTES = 60;

/** Every event in the snapshot that the account asked to hear about on at least one channel. */
export function detectEvents(s: AccountSnapshot, now: number): NotifyEvent[] {
  const wanted = (t: NotificationEvent) => (s.settings.events[t]?.length ?? 0) > 0;
  const events: NotifyEvent[] = [];
  if (wanted('worker-offline')) events.push(...s.miners.flatMap((m) => offlineWorkers(m, s.settings, now)));
  if (wanted('hashrate-drop'))
    for (const m of s.miners) {
      const e = hashrateDrop(m, s.settings.hashrateDropPercent, now);
      if (e) events.push(e);
    }
  events.push(...foundBlocks(s, now).filter((e) => wanted(e.type)));
  if (wanted('payout-sent')) events.push(...sentPayouts(s, now));
  if (wanted('payout-address-changed')) events.push(...addressChanges(s, now));
  return events;
}

/**
 * A worker whose last accepted share is at least `workerOfflineMinutes` old. The id carries that share's time: the
 * same outage is one event however many passes see it, and the next outage (after it came back) is a new one.
 */
export function offlineWorkers(
  m: AccountSnapshot['miners'][number],
  settings: Pick<NotificationSettings, 'workerOfflineMinutes'>,
  now: number,
): NotifyEvent[] {
  const after = settings.workerOfflineMinutes * MINUTE_MS;
  return m.stats.workers
    .filter((w) => w.lastShareAt > 0 && now - w.lastShareAt >= after)
    .map((w) => ({
      type: 'worker-offline' as const,
      id: `worker-offline:${m.coin}:${m.address}:${w.worker}:${w.lastShareAt}`,
      at: w.lastShareAt + after,
      coin: m.coin,
      address: m.address,
      worker: w.worker,
      lastShareAt: w.lastShareAt,
    }));
}

/**
 * The identity's last 10 complete minutes below `percent` % of its average over the day (from its first minute in
 * the last 24 h). The drop is dated from the last minute whose 10-minute window still reached the full average: a
 * hashrate wobbling a little around the threshold stays one event, a recovery to the average and a new drop is a
 * second one.
 */
export function hashrateDrop(
  m: AccountSnapshot['miners'][number],
  percent: number,
  now: number,
): NotifyEvent | undefined {
  const lastMinute = Math.floor(now / MINUTE_MS) - 1; // the current minute is still filling
  const byMinute = new Map<number, number>();
  for (const b of m.stats.minutes as readonly MinuteBucket[])
    if (b.minute <= lastMinute) byMinute.set(b.minute, (byMinute.get(b.minute) ?? 0) + b.difficulty);
  if (byMinute.size === 0) return undefined;
  const first = Math.min(...byMinute.keys());
  const span = lastMinute - first + 1;
  if (span < MIN_AVERAGE_MINUTES) return undefined;
  let total = 0;
  for (const d of byMinute.values()) total += d;
  const average = total / span;
  const windowAt = (end: number) => {
    let sum = 0;
    for (let k = end - RECENT_WINDOW_MINUTES + 1; k <= end; k++) sum += byMinute.get(k) ?? 0;
    return sum / RECENT_WINDOW_MINUTES;
  };
  const recent = windowAt(lastMinute);
  if (average <= 0 || recent >= (average * percent) / 100) return undefined;
  let healthy = first; // never at the full average within the day: dated from its first minute
  for (let end = lastMinute - 1; end >= first; end--)
    if (windowAt(end) >= average) {
      healthy = end;
      break;
    }
  return {
    type: 'hashrate-drop',
    id: `hashrate-drop:${m.coin}:${m.address}:${healthy}`,
    at: (healthy + 1) * MINUTE_MS,
    coin: m.coin,
    address: m.address,
    recentPerMinute: recent,
    averagePerMinute: average,
  };
}

/** Blocks of the last day: found by one of the account's identities (block-found-mine) or by the pool. */
export function foundBlocks(s: Pick<AccountSnapshot, 'blocks' | 'identities'>, now: number): NotifyEvent[] {
  const mine = new Set(s.identities.map((i) => `${i.coin}:${i.address}`));
  const coins = new Set(s.identities.map((i) => i.coin));
  return s.blocks
    .filter((b) => coins.has(b.coin) && now - b.time <= EVENT_LOOKBACK_MS && b.status !== 'orphaned')
    .map((b) => {
      const own = mine.has(`${b.coin}:${b.miner}`);
      const type = own ? ('block-found-mine' as const) : ('block-found-pool' as const);
      return {
        type,
        id: `${type}:${b.coin}:${b.height}:${b.hash}`,
        at: b.time,
        coin: b.coin,
        height: b.height,
        hash: b.hash,
        reward: b.reward,
        ...(own ? { address: b.miner } : {}),
      };
    });
}

/** Payouts of the last day that went out (a txid, sent or confirmed) and paid an identity. */
export function sentPayouts(s: Pick<AccountSnapshot, 'payouts'>, now: number): NotifyEvent[] {
  return s.payouts
    .filter(
      ({ payout: p }) =>
        (p.status === 'sent' || p.status === 'confirmed') &&
        p.txid !== undefined &&
        now - p.updatedAt <= EVENT_LOOKBACK_MS,
    )
    .map(({ coin, address, amount, payout: p }) => ({
      type: 'payout-sent' as const,
      id: `payout-sent:${coin}:${p.id}:${address}`,
      at: p.updatedAt,
      coin,
      address,
      payoutId: p.id,
      amount,
      txid: p.txid!,
    }));
}

/** What an identity received in a payout (its recipients paid at it or credited to it), 0 when none. */
export function amountPaidTo(p: PayoutRecord, address: string): bigint {
  return p.recipients
    .filter((r) => r.account === address || payoutAddress(r) === address)
    .reduce((s, r) => s + r.amount, 0n);
}

/**
 * The change log's payout-address changes of the last day. The account use cases log a money change as kind
 * `payout-settings` with a human-readable detail; one that names the payout address moved money's destination.
 */
export function isPayoutAddressChange(e: Pick<ChangeLogEntry, 'kind' | 'detail'>): boolean {
  return e.kind === 'payout-address' || (e.kind === 'payout-settings' && /payout address/i.test(e.detail));
}

export function addressChanges(s: Pick<AccountSnapshot, 'account' | 'log'>, now: number): NotifyEvent[] {
  return s.log
    .filter((e) => isPayoutAddressChange(e) && now - e.at <= EVENT_LOOKBACK_MS)
    .map((e) => ({
      type: 'payout-address-changed' as const,
      id: `payout-address-changed:${s.account}:${e.at}`,
      at: e.at,
      detail: e.detail,
      ip: e.ip,
    }));
}

/** Events that go out even in quiet hours: a payout address change may be an account takeover. */
export function isUrgent(e: NotifyEvent): boolean {
  return e.type === 'payout-address-changed';
}
