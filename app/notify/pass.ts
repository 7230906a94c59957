import { randomUUID } from 'node:crypto';
import type { NotificationChannel, NotificationSettings } from '../../core/accounts/types.js';
import type { BlockRecord } from '../../core/blocks/block.js';
import {
  afterFailure,
  CLAIM_LEASE_MS,
  type DeliveryRecord,
  deliveryAction,
  type SendOutcome,
} from '../../core/notify/delivery.js';
import {
  type AccountSnapshot,
  amountPaidTo,
  detectEvents,
  EVENT_LOOKBACK_MS,
  MINUTE_MS,
  type NotifyEvent,
} from '../../core/notify/events.js';
import { composeMessages, digest, type NotifyMessage, renderText, webhookPayload } from '../../core/notify/messages.js';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../../core/notify/signature.js';
import type { AccountStore, NotificationTargetsReader } from '../../core/ports/account-store.js';
import type { Logger } from '../../core/ports/logger.js';
import type { Mailer } from '../../core/ports/mailer.js';
import type { LedgerStore, PayoutStore } from '../../core/ports/money-store.js';
import type { DeliveryStore, TelegramSender, WebhookPoster } from '../../core/ports/notify.js';
import type { MinerActivityReader, PoolStatsReader } from '../../core/ports/share-store.js';

/** The channels' senders; a channel without one is skipped (e.g. no Telegram bot token configured). */
export interface NotifyChannels {
  mailer?: Mailer;
  telegram?: TelegramSender;
  webhooks?: WebhookPoster;
}

export interface NotifyPassDeps extends NotifyChannels {
  targets: Pick<NotificationTargetsReader, 'listNotificationTargets'>;
  accounts: Pick<AccountStore, 'listLog'>;
  miners: Pick<MinerActivityReader, 'getMinerStats'>;
  pool: Pick<PoolStatsReader, 'listBlocks'>;
  /** Ledger and payouts, per coin table (the adapter routes by coin). */
  money: Pick<LedgerStore, 'listRecentEntries'> & Pick<PayoutStore, 'getPayouts'>;
  deliveries: DeliveryStore;
  /** The pool's coins: identities of other coins are ignored. */
  coins: readonly string[];
  /**
   * Where a coin's shares are counted (a merge-mined coin's are its parent's: core/config/merged.ts roundsCoinOf);
   * undefined: the coin has no shares of its own to watch. Default: the coin itself.
   */
  sharesCoinOf?: (coin: string) => string | undefined;
  poolName: string;
  /** accounts.notifications */
  digestAfter: number;
  webhookMaxAttempts: number;
  log: Logger;
  /** A claim id per message (tests make them predictable). */
  newClaim?: () => string;
  /** Tests: die at this step, as a killed process would. */
  crashAt?: (step: 'after-claim' | 'after-send') => void;
}

export interface NotifyPassReport {
  accounts: number;
  events: number;
  /** Messages sent per channel (a digest counts once). */
  sent: Record<NotificationChannel, number>;
  failed: number;
  held: number;
  /** Accounts whose reads failed: retried whole by the next pass. */
  errors: number;
}

/**
 * One notification pass (issue 19; a scheduled Lambda in AWS, a timer locally): for every account with notification
 * settings, the events in a fresh snapshot, then per channel the events not yet delivered there, composed into
 * messages (digests, quiet hours), each claimed before it is sent (core/notify/delivery.ts), so any number of passes,
 * concurrent or crashed, send at most one message per event and channel.
 */
export async function runNotifyPass(deps: NotifyPassDeps, now: number): Promise<NotifyPassReport> {
  const report: NotifyPassReport = {
    accounts: 0,
    events: 0,
    sent: { email: 0, telegram: 0, webhook: 0 },
    failed: 0,
    held: 0,
    errors: 0,
  };
  const blocks = blockCache(deps);
  for (const target of await deps.targets.listNotificationTargets()) {
    report.accounts++;
    try {
      const snapshot = await readSnapshot(deps, target, now, blocks);
      const events = detectEvents(snapshot, now);
      report.events += events.length;
      for (const channel of channelsOf(deps, target.settings))
        await deliverOnChannel(deps, target, channel, events, now, report);
    } catch (err) {
      report.errors++;
      deps.log.error({ err, account: target.account }, 'notification pass: account skipped');
      if (isCrash(err)) throw err;
    }
  }
  return report;
}

/** Thrown by tests' crashAt: must end the pass as a killed process would, never be swallowed. */
function isCrash(err: unknown): boolean {
  return err instanceof Error && err.name === 'SimulatedCrash';
}

type Target = Awaited<ReturnType<NotificationTargetsReader['listNotificationTargets']>>[number];

function channelsOf(deps: NotifyChannels, s: NotificationSettings): NotificationChannel[] {
  const out: NotificationChannel[] = [];
  if (deps.mailer) out.push('email');
  if (deps.telegram && s.telegramChatId) out.push('telegram');
  if (deps.webhooks && s.webhook) out.push('webhook');
  return out;
}

/** Blocks are pool-wide: read once per coin per pass, not once per account. */
function blockCache(deps: NotifyPassDeps): (coin: string) => Promise<BlockRecord[]> {
  const cache = new Map<string, Promise<BlockRecord[]>>();
  return (coin) => {
    let p = cache.get(coin);
    if (!p) {
      p = deps.pool.listBlocks(coin, 50);
      cache.set(coin, p);
    }
    return p;
  };
}

const wants = (s: NotificationSettings, ...types: Array<keyof NotificationSettings['events']>) =>
  types.some((t) => (s.events[t]?.length ?? 0) > 0);

async function readSnapshot(
  deps: NotifyPassDeps,
  target: Target,
  now: number,
  blocks: (coin: string) => Promise<BlockRecord[]>,
): Promise<AccountSnapshot> {
  const { settings } = target;
  const identities = target.identities.filter((i) => deps.coins.includes(i.coin));
  const coins = [...new Set(identities.map((i) => i.coin))];
  const snapshot: AccountSnapshot = {
    account: target.account,
    settings,
    identities,
    miners: [],
    blocks: [],
    payouts: [],
    log: [],
  };
  if (wants(settings, 'worker-offline', 'hashrate-drop')) {
    const since = Math.floor((now - EVENT_LOOKBACK_MS) / MINUTE_MS);
    snapshot.miners = await Promise.all(
      identities.flatMap((i) => {
        const sharesCoin = deps.sharesCoinOf ? deps.sharesCoinOf(i.coin) : i.coin;
        if (sharesCoin === undefined) return [];
        return [
          deps.miners
            .getMinerStats(sharesCoin, i.address, since)
            .then((stats) => ({ coin: i.coin, address: i.address, stats })),
        ];
      }),
    );
  }
  if (wants(settings, 'block-found-pool', 'block-found-mine'))
    snapshot.blocks = (await Promise.all(coins.map(blocks))).flat();
  if (wants(settings, 'payout-sent')) snapshot.payouts = (await Promise.all(identities.map(payoutsOf))).flat();
  if (wants(settings, 'payout-address-changed')) snapshot.log = await deps.accounts.listLog(target.account, 50);
  return snapshot;

  /** The identity's payouts, named by its own `reserve` entries (not the coin's whole payout history). */
  async function payoutsOf(i: { coin: string; address: string }) {
    const entries = await deps.money.listRecentEntries(i.coin, i.address, ['reserve', 'release'], 20);
    const released = new Set(entries.filter((e) => e.kind === 'release').map((e) => e.ref));
    const ids = [...new Set(entries.filter((e) => e.kind === 'reserve' && !released.has(e.ref)).map((e) => e.ref))];
    if (ids.length === 0) return [];
    const payouts = await deps.money.getPayouts(i.coin, ids);
    return payouts.map((payout) => ({
      coin: i.coin,
      address: i.address,
      amount: amountPaidTo(payout, i.address),
      payout,
    }));
  }
}

async function deliverOnChannel(
  deps: NotifyPassDeps,
  target: Target,
  channel: NotificationChannel,
  all: readonly NotifyEvent[],
  now: number,
  report: NotifyPassReport,
): Promise<void> {
  const events = all.filter((e) => target.settings.events[e.type]?.includes(channel));
  if (events.length === 0) return;
  const records = new Map(
    (await deps.deliveries.getDeliveries(events.map((e) => ({ eventId: e.id, channel })))).map((r) => [r.eventId, r]),
  );
  const sendable: NotifyEvent[] = [];
  for (const e of events) {
    const r = records.get(e.id);
    const action = deliveryAction(r, now);
    if (action === 'new' || action === 'retry') sendable.push(e);
    else if (action === 'abandon' && r) {
      // The pass that started this send died before recording its outcome: email and Telegram cannot be asked
      // whether it arrived, and a second send could be a second message. Settled, never resent.
      await deps.deliveries.updateDelivery({ eventId: e.id, channel }, r.claim, { state: 'unknown', updatedAt: now });
      deps.log.warn({ channel, event: e.type }, 'notification outcome unknown after a crash: not resent');
    }
  }
  const { messages, held } = composeMessages(sendable, target.settings, now, deps.digestAfter);
  report.held += held.length;
  for (const m of messages) await deliverMessage(deps, target, channel, m, records, now, report);
}

async function deliverMessage(
  deps: NotifyPassDeps,
  target: Target,
  channel: NotificationChannel,
  planned: NotifyMessage,
  records: ReadonlyMap<string, DeliveryRecord>,
  now: number,
  report: NotifyPassReport,
): Promise<void> {
  const claim = deps.newClaim?.() ?? randomUUID();
  const won: NotifyEvent[] = [];
  for (const e of planned.events) {
    const previous = records.get(e.id);
    const record: DeliveryRecord = {
      eventId: e.id,
      channel,
      state: 'claimed',
      messageId: planned.id,
      claim,
      leaseUntil: now + CLAIM_LEASE_MS,
      attempts: previous?.attempts ?? 0,
      updatedAt: now,
    };
    if (await deps.deliveries.claimDelivery(record, previous)) won.push(e);
  }
  if (won.length === 0) return;
  // Events another pass claimed meanwhile are its to send: this message carries only the ones claimed here.
  const m =
    won.length === planned.events.length
      ? planned
      : won.length === 1
        ? { id: won[0]!.id, events: won }
        : digest(won, planned.digest ?? 'workers');
  deps.crashAt?.('after-claim');
  const mark = (set: Parameters<DeliveryStore['updateDelivery']>[2], e: NotifyEvent) =>
    deps.deliveries.updateDelivery({ eventId: e.id, channel }, claim, { ...set, updatedAt: now });
  for (const e of m.events) await mark({ state: 'sending' }, e);
  const outcome = await send(deps, target, channel, m, now);
  deps.crashAt?.('after-send');
  if (outcome.ok) {
    for (const e of m.events) await mark({ state: 'sent' }, e);
    report.sent[channel]++;
    deps.log.info({ channel, message: m.digest ?? m.events[0]!.type, events: m.events.length }, 'notification sent');
    return;
  }
  report.failed++;
  for (const e of m.events) {
    const attempts = records.get(e.id)?.attempts ?? 0;
    await mark(afterFailure({ attempts }, outcome, now, deps.webhookMaxAttempts), e);
  }
  deps.log.warn({ channel, error: outcome.error, permanent: outcome.permanent }, 'notification not delivered');
}

/** Sends one message on one channel; what a channel throws becomes a retryable failure naming only its kind. */
export async function send(
  deps: NotifyChannels & { poolName: string },
  target: { email: string; settings: NotificationSettings },
  channel: NotificationChannel,
  m: NotifyMessage,
  now: number,
): Promise<SendOutcome> {
  try {
    switch (channel) {
      case 'email': {
        const { subject, text } = renderText(m, deps.poolName);
        await deps.mailer!.send({ to: target.email, subject, text });
        return { ok: true };
      }
      case 'telegram': {
        const { subject, text } = renderText(m, deps.poolName);
        return await deps.telegram!.sendMessage(target.settings.telegramChatId!, `${subject}\n\n${text}`);
      }
      case 'webhook': {
        const hook = target.settings.webhook!;
        return await postSigned(deps.webhooks!, hook, webhookPayload(m, now), m.id, now);
      }
    }
  } catch (err) {
    return { ok: false, permanent: false, error: `${channel} send failed (${(err as Error)?.name ?? 'error'})` };
  }
}

/** A webhook POST: JSON body, its HMAC in X-Edgepool-Signature, the timestamp and the message id in headers. */
export function postSigned(
  poster: WebhookPoster,
  hook: { url: string; secret: string },
  payload: Record<string, unknown>,
  deliveryId: string,
  now: number,
): Promise<SendOutcome> {
  const body = JSON.stringify(payload);
  return poster.post(hook.url, body, {
    'content-type': 'application/json',
    [SIGNATURE_HEADER]: signBody(hook.secret, body),
    [TIMESTAMP_HEADER]: String(Math.floor(now / 1000)),
    [DELIVERY_HEADER]: deliveryId,
  });
}

/** A test can throw this from crashAt: the pass stops at once, as a killed process would. */
export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}
