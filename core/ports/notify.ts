import type { NotificationChannel } from '../accounts/types.js';
import type { DeliveryRecord, SendOutcome } from '../notify/delivery.js';

/**
 * What the notification pass and the notification routes need besides the account store (issue 19): the delivery
 * records (adapters/aws/dynamo-notification-store.ts, on the accounts table), the Telegram Bot API
 * (adapters/notify/telegram.ts) and the webhook sender (adapters/notify/webhook.ts). Email goes through the Mailer.
 */

export interface DeliveryStore {
  /** The records of these (event, channel) pairs that exist. */
  getDeliveries(keys: ReadonlyArray<{ eventId: string; channel: NotificationChannel }>): Promise<DeliveryRecord[]>;
  /**
   * Writes `next` (state `claimed`) if there is no record yet (`previous` undefined) or the stored one still carries
   * `previous.claim` and `previous.state` (taking over a record a crashed or failed pass left). false: another pass
   * got there first.
   */
  claimDelivery(next: DeliveryRecord, previous?: Pick<DeliveryRecord, 'claim' | 'state'>): Promise<boolean>;
  /** Updates the record while it still carries `claim`; false when the claim was lost. */
  updateDelivery(
    key: { eventId: string; channel: NotificationChannel },
    claim: string,
    set: Partial<Pick<DeliveryRecord, 'state' | 'attempts' | 'nextAttemptAt' | 'error' | 'leaseUntil' | 'updatedAt'>>,
  ): Promise<boolean>;
}

/** The Telegram Bot API, as far as the pool sends. */
export interface TelegramSender {
  sendMessage(chatId: string, text: string): Promise<SendOutcome>;
}

/** Where webhooks may go: the check (also at settings time) and the signed POST. */
export interface WebhookPoster {
  /** undefined when the URL may be used; else why not (shown to the miner, no internal detail). */
  checkUrl(url: string): Promise<string | undefined>;
  /** POSTs `body` (JSON) with the given headers, checking the target again; no redirect is followed. */
  post(url: string, body: string, headers: Record<string, string>): Promise<SendOutcome>;
}
