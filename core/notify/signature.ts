import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures (issue 19): `X-Edgepool-Signature: sha256=<hex HMAC-SHA256 of the raw body under the webhook's
 * secret>`. The body carries `timestamp` (= the X-Edgepool-Timestamp header), so a receiver that checks the
 * signature and refuses a timestamp more than a few minutes old also refuses a replayed request.
 */
export const SIGNATURE_HEADER = 'x-edgepool-signature';
export const TIMESTAMP_HEADER = 'x-edgepool-timestamp';
export const DELIVERY_HEADER = 'x-edgepool-delivery';

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** What a receiver does: recompute and compare in constant time. */
export function verifySignature(secret: string, body: string, header: string | undefined): boolean {
  return sameSecret(header, signBody(secret, body));
}

/**
 * The secret_token the pool registers with Telegram's setWebhook, which Telegram then sends in the
 * `X-Telegram-Bot-Api-Secret-Token` header of every update: derived from the bot token (one secret to keep, not
 * two), 64 hex characters (Telegram allows 1–256 of A–Z, a–z, 0–9, _ and -). Knowing it does not reveal the token.
 */
export const TELEGRAM_SECRET_HEADER = 'x-telegram-bot-api-secret-token';

export function telegramWebhookSecret(botToken: string): string {
  return createHmac('sha256', botToken).update('edgepool telegram webhook', 'utf8').digest('hex');
}

/** Constant-time string equality (secrets from headers). */
export function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
