import { describe, expect, it } from 'vitest';
import { afterFailure, type DeliveryRecord, deliveryAction, retryDelay } from '../../../core/notify/delivery.js';
import { signBody, telegramWebhookSecret, verifySignature } from '../../../core/notify/signature.js';

const rec = (over: Partial<DeliveryRecord>): DeliveryRecord => ({
  eventId: 'e',
  channel: 'email',
  state: 'claimed',
  messageId: 'e',
  claim: 'c',
  leaseUntil: 1000,
  attempts: 0,
  updatedAt: 0,
  ...over,
});

describe('delivery records', () => {
  it('sends an event without a record and never one that was sent or given up', () => {
    expect(deliveryAction(undefined, 0)).toBe('new');
    expect(deliveryAction(rec({ state: 'sent' }), 10_000)).toBe('done');
    expect(deliveryAction(rec({ state: 'gave-up' }), 10_000)).toBe('done');
    expect(deliveryAction(rec({ state: 'unknown' }), 10_000)).toBe('done');
  });

  it('takes over a claim whose pass died before sending, only once its lease ran out', () => {
    expect(deliveryAction(rec({ state: 'claimed' }), 999)).toBe('wait');
    expect(deliveryAction(rec({ state: 'claimed' }), 1000)).toBe('retry');
  });

  it('after a crash mid-send retries a webhook (receivers dedupe) but never an email or a Telegram message', () => {
    expect(deliveryAction(rec({ state: 'sending', channel: 'webhook' }), 1000)).toBe('retry');
    expect(deliveryAction(rec({ state: 'sending', channel: 'email' }), 1000)).toBe('abandon');
    expect(deliveryAction(rec({ state: 'sending', channel: 'telegram' }), 1000)).toBe('abandon');
    expect(deliveryAction(rec({ state: 'sending', channel: 'webhook' }), 999)).toBe('wait');
  });

  it('retries failures with exponential backoff and gives up after the last attempt or a permanent failure', () => {
    expect([1, 2, 3, 4].map(retryDelay)).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(retryDelay(30)).toBe(6 * 3_600_000);
    const soft = { ok: false as const, permanent: false, error: 'webhook answered 503' };
    expect(afterFailure({ attempts: 0 }, soft, 0, 3)).toEqual({
      ...{ state: 'failed', attempts: 1, nextAttemptAt: 60_000 },
      error: soft.error,
    });
    expect(afterFailure({ attempts: 2 }, soft, 0, 3)).toMatchObject({ state: 'gave-up', attempts: 3 });
    expect(afterFailure({ attempts: 0 }, { ...soft, permanent: true }, 0, 3)).toMatchObject({ state: 'gave-up' });
    expect(deliveryAction(rec({ state: 'failed', nextAttemptAt: 5000 }), 4999)).toBe('wait');
    expect(deliveryAction(rec({ state: 'failed', nextAttemptAt: 5000 }), 5000)).toBe('retry');
  });
});

describe('signatures', () => {
  it('signs the body with HMAC-SHA256 and verifies only the same body under the same secret', () => {
    const body = '{"id":"x"}';
    const sig = signBody('s3cret', body);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature('s3cret', body, sig)).toBe(true);
    expect(verifySignature('s3cret', `${body} `, sig)).toBe(false);
    expect(verifySignature('other', body, sig)).toBe(false);
    expect(verifySignature('s3cret', body, undefined)).toBe(false);
  });

  it('derives the Telegram webhook secret from the token without containing it', () => {
    const s = telegramWebhookSecret('123:abc');
    expect(s).toMatch(/^[0-9a-f]{64}$/);
    expect(s).not.toContain('abc');
    expect(telegramWebhookSecret('123:abd')).not.toBe(s);
  });
});
