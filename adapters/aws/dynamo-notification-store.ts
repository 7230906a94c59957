import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  AccountId,
  MiningIdentity,
  NotificationChannel,
  NotificationSettings,
} from '../../core/accounts/types.js';
import { DEFAULT_NOTIFICATION_SETTINGS } from '../../core/accounts/types.js';
import type { DeliveryRecord } from '../../core/notify/delivery.js';
import type { NotificationTargetsReader } from '../../core/ports/account-store.js';
import type { DeliveryStore } from '../../core/ports/notify.js';
import { deliveryPk, kindOf, PROFILE_SK, telegramPk } from './account-items.js';
import { batchGetAll, conditionalWrite, dynamoCall, num, queryAll } from './dynamo-calls.js';

/** Delivery records outlive any retry (hours) and any event's lookback (a day) by far. */
const DELIVERY_TTL_SECONDS = 30 * 24 * 3600;

/**
 * The notification pass's side of the accounts table (adapters/aws/account-items.ts): the delivery records
 * (DELIVERY#<eventId> / <channel>, written only by conditional writes), the targets (NOTIFY items through the byKind
 * index, with each account's profile email and identities) and the chat of a Telegram link (TELEGRAM#<chatId>, which
 * DynamoAccountStore.putNotificationSettings writes with the settings).
 */
export class DynamoNotificationStore implements DeliveryStore, NotificationTargetsReader {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async getDeliveries(
    keys: ReadonlyArray<{ eventId: string; channel: NotificationChannel }>,
  ): Promise<DeliveryRecord[]> {
    const items = await batchGetAll(
      this.doc,
      'get delivery records',
      this.table,
      keys.map((k) => ({ pk: deliveryPk(k.eventId), sk: k.channel })),
      true,
    );
    return items.map(deliveryOf);
  }

  claimDelivery(next: DeliveryRecord, previous?: Pick<DeliveryRecord, 'claim' | 'state'>): Promise<boolean> {
    return conditionalWrite('claim delivery', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: deliveryPk(next.eventId),
            sk: next.channel,
            ...next,
            ttl: Math.floor(next.updatedAt / 1000) + DELIVERY_TTL_SECONDS,
          },
          ...(previous
            ? {
                ConditionExpression: '#claim = :claim AND #state = :state',
                ExpressionAttributeNames: { '#claim': 'claim', '#state': 'state' },
                ExpressionAttributeValues: { ':claim': previous.claim, ':state': previous.state },
              }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      ),
    );
  }

  updateDelivery(
    key: { eventId: string; channel: NotificationChannel },
    claim: string,
    set: Partial<Pick<DeliveryRecord, 'state' | 'attempts' | 'nextAttemptAt' | 'error' | 'leaseUntil' | 'updatedAt'>>,
  ): Promise<boolean> {
    const fields = Object.entries(set).filter(([, v]) => v !== undefined);
    const names = Object.fromEntries(fields.map(([k], i) => [`#f${i}`, k]));
    const values = Object.fromEntries(fields.map(([, v], i) => [`:v${i}`, v]));
    const remove = set.state === 'sent' ? ' REMOVE nextAttemptAt, #err' : '';
    return conditionalWrite('update delivery', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: deliveryPk(key.eventId), sk: key.channel },
          UpdateExpression: `SET ${fields.map((_, i) => `#f${i} = :v${i}`).join(', ')}${remove}`,
          ConditionExpression: '#claim = :claim',
          ExpressionAttributeNames: { ...names, '#claim': 'claim', ...(remove ? { '#err': 'error' } : {}) },
          ExpressionAttributeValues: { ...values, ':claim': claim },
        }),
      ),
    );
  }

  async listNotificationTargets(): Promise<
    Array<{ account: AccountId; email: string; identities: MiningIdentity[]; settings: NotificationSettings }>
  > {
    const notify = await queryAll(this.doc, 'list notification settings', {
      TableName: this.table,
      IndexName: 'byKind',
      KeyConditionExpression: '#kind = :kind',
      ExpressionAttributeNames: { '#kind': 'kind' },
      ExpressionAttributeValues: { ':kind': kindOf.notify },
    });
    const accounts = notify.map((i) => ({ pk: String(i.pk), settings: settingsOf(i.settings) }));
    const profiles = new Map(
      (
        await batchGetAll(
          this.doc,
          'get profiles',
          this.table,
          accounts.map((a) => ({ pk: a.pk, sk: PROFILE_SK })),
        )
      ).map((p) => [String(p.pk), p]),
    );
    const out = [];
    for (const a of accounts) {
      const profile = profiles.get(a.pk);
      if (!profile || typeof profile.email !== 'string') continue; // settings without a profile: nobody to tell
      out.push({
        account: a.pk.slice('ACCOUNT#'.length),
        email: profile.email,
        identities: await this.identities(a.pk),
        settings: a.settings,
      });
    }
    return out;
  }

  async accountOfTelegramChat(chatId: string): Promise<AccountId | undefined> {
    const { Item } = await dynamoCall('get telegram link', () =>
      this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: telegramPk(chatId), sk: 'ACCOUNT' } })),
    );
    return typeof Item?.account === 'string' ? Item.account : undefined;
  }

  private async identities(pk: string): Promise<MiningIdentity[]> {
    const items = await queryAll(this.doc, 'list identities', {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :identity)',
      ExpressionAttributeValues: { ':pk': pk, ':identity': 'IDENTITY#' },
    });
    return items.map((i) => {
      const [, coin = '', ...rest] = String(i.sk).split('#');
      return {
        coin,
        address: rest.join('#'),
        label: typeof i.label === 'string' ? i.label : '',
        addedAt: num(i.addedAt),
      };
    });
  }
}

/** The NOTIFY item's settings: a JSON string (account-items.ts), or a map; defaults for what is missing. */
function settingsOf(v: unknown): NotificationSettings {
  const parsed = typeof v === 'string' ? (JSON.parse(v) as Partial<NotificationSettings>) : (v ?? {});
  return { ...DEFAULT_NOTIFICATION_SETTINGS, ...(parsed as Partial<NotificationSettings>) };
}

function deliveryOf(i: Record<string, unknown>): DeliveryRecord {
  return {
    eventId: String(i.eventId),
    channel: i.channel as NotificationChannel,
    state: i.state as DeliveryRecord['state'],
    messageId: String(i.messageId),
    claim: String(i.claim),
    leaseUntil: num(i.leaseUntil),
    attempts: num(i.attempts),
    ...(i.nextAttemptAt !== undefined ? { nextAttemptAt: num(i.nextAttemptAt) } : {}),
    ...(typeof i.error === 'string' ? { error: i.error } : {}),
    updatedAt: num(i.updatedAt),
  };
}
