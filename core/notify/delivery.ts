import type { NotificationChannel } from '../accounts/types.js';
import { MINUTE_MS } from './events.js';

/**
 * One event's delivery on one channel (DELIVERY#<eventId> / <channel>): claimed by a pass before anything is sent,
 * so at most one message per event and channel ever goes out, whatever passes run at once or crash.
 *
 *   (none) ──claim──▶ claimed ──▶ sending ──▶ sent
 *                        │           │  └──▶ failed ──(backoff, next pass)──▶ claimed … │ gave-up
 *                        │           └─(lease ran out: the pass died mid-send)─▶ webhook: claimed again (the receiver
 *                        │                                                        dedupes on the event id)
 *                        │                                                      email, Telegram: unknown (never resent)
 *                        └─(lease ran out: the pass died before sending: nothing went out)─▶ claimed again
 *
 * Email (SMTP, SES) and Telegram's sendMessage take no idempotency key: once a send was started, a second one could
 * be a second message, so those channels are at most once past `sending`. A webhook is at least once with the event
 * ids to dedupe on.
 */
export type DeliveryState = 'claimed' | 'sending' | 'sent' | 'failed' | 'gave-up' | 'unknown';

export interface DeliveryRecord {
  eventId: string;
  channel: NotificationChannel;
  state: DeliveryState;
  /** The message that carried it (its own id, or a digest's). */
  messageId: string;
  /** Random per claim: every later write is conditional on it, so a pass that lost its claim writes nothing. */
  claim: string;
  /** Until then the claim's owner is presumed alive (claimed, sending). */
  leaseUntil: number;
  /** Failed sends so far. */
  attempts: number;
  /** failed: not retried before this. */
  nextAttemptAt?: number;
  /** The last failure, short, no URL or address in it. */
  error?: string;
  updatedAt: number;
}

/** A pass's claim outlives any one send (the webhook timeout is 10 s): a live pass never loses its claim. */
export const CLAIM_LEASE_MS = 5 * MINUTE_MS;
/** Backoff of failed sends: 1, 2, 4, … minutes, at most 6 h apart. */
export const RETRY_BASE_MS = MINUTE_MS;
export const RETRY_CAP_MS = 6 * 60 * MINUTE_MS;

export function retryDelay(attempts: number): number {
  return Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
}

/**
 * What a pass may do with an event on a channel given its record: send it (`new`, or `retry` taking over the
 * record), leave it (`wait`: a live claim or a backoff not yet over; `done`), or settle it as `unknown` (a send whose
 * outcome a crash hid, on a channel that cannot be retried safely).
 */
export type DeliveryAction = 'new' | 'retry' | 'wait' | 'done' | 'abandon';

export function deliveryAction(r: DeliveryRecord | undefined, now: number): DeliveryAction {
  if (!r) return 'new';
  switch (r.state) {
    case 'sent':
    case 'gave-up':
    case 'unknown':
      return 'done';
    case 'claimed':
      return r.leaseUntil <= now ? 'retry' : 'wait';
    case 'failed':
      return (r.nextAttemptAt ?? 0) <= now ? 'retry' : 'wait';
    case 'sending':
      if (r.leaseUntil > now) return 'wait';
      return r.channel === 'webhook' ? 'retry' : 'abandon';
  }
}

/** What one send attempt came to. `permanent`: retrying cannot help (a 4xx other than 408/429, a refused target). */
export type SendOutcome = { ok: true } | { ok: false; permanent: boolean; error: string };

/** The record after a failed attempt: retried with backoff, or given up after `maxAttempts` or a permanent failure. */
export function afterFailure(
  r: Pick<DeliveryRecord, 'attempts'>,
  outcome: Extract<SendOutcome, { ok: false }>,
  now: number,
  maxAttempts: number,
): Pick<DeliveryRecord, 'state' | 'attempts' | 'nextAttemptAt' | 'error'> {
  const attempts = r.attempts + 1;
  if (outcome.permanent || attempts >= maxAttempts) return { state: 'gave-up', attempts, error: outcome.error };
  return { state: 'failed', attempts, nextAttemptAt: now + retryDelay(attempts), error: outcome.error };
}
