import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { emailHash } from '../../core/accounts/tokens.js';
import type {
  AccountId,
  AccountProfile,
  ChangeLogEntry,
  ChangeSource,
  MiningIdentity,
  MoneyChange,
  NotificationSettings,
  PayoutSettings,
  PendingMoneyChange,
  WatcherLink,
} from '../../core/accounts/types.js';
import { PoolError } from '../../core/errors.js';
import type { AccountStore, OneTimeTokenKind } from '../../core/ports/account-store.js';
import {
  accountPk,
  addressPk,
  emailPk,
  identitySk,
  kindOf,
  logSk,
  NOTIFY_SK,
  PROFILE_SK,
  payoutSettingsOf,
  pendingPk,
  RECOVERY_SK,
  ratePk,
  refCodePk,
  settingsSk,
  telegramPk,
  tokenPk,
  watcherSk,
  watchTokenPk,
} from './account-items.js';
import { conditionalWrite, dynamoCall, isConditionFailed, num, queryAll, toStorageError } from './dynamo-calls.js';

/** A referral code another account holds already (40 random bits: the caller draws a new one). */
export class ReferralCodeTakenError extends PoolError {
  constructor() {
    super('the referral code is taken', 'REFERRAL_CODE_TAKEN');
  }
}

const CLAIM_SK = 'ACCOUNT';
const ttlOf = (ms: number) => Math.ceil(ms / 1000);

/**
 * AccountStore on the accounts table (adapters/aws/account-items.ts). Uniqueness (an email, a referral code, a
 * (coin, address)) is a claim item written with `attribute_not_exists`, taken before the item it guards and
 * re-takeable by the same account, so a write interrupted half-way is finished by its retry, never given to another
 * account. One-time items (tokens, pending changes) are consumed by a conditional delete that returns the old item:
 * of two requests with the same link, exactly one gets it. Expiry is checked on read (DynamoDB's TTL deletes late).
 */
export class DynamoAccountStore implements AccountStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async createProfile(p: AccountProfile): Promise<boolean> {
    // The email first: an email that has an account never gets a second one, whatever id the provider gave.
    if (!(await this.claim(emailPk(emailHash(p.email)), p.id))) return false;
    if (!(await this.claim(refCodePk(p.referralCode), p.id))) throw new ReferralCodeTakenError();
    return conditionalWrite('create profile', () =>
      this.put(
        {
          pk: accountPk(p.id),
          sk: PROFILE_SK,
          email: p.email,
          createdAt: p.createdAt,
          referralCode: p.referralCode,
          referredBy: p.referredBy,
          // Listed by the byKind index under the referrer: its page counts the accounts it referred.
          ...(p.referredBy === undefined ? {} : { kind: kindOf.referredBy(p.referredBy) }),
        },
        'attribute_not_exists(pk)',
      ),
    );
  }

  async getProfile(id: AccountId): Promise<AccountProfile | undefined> {
    const item = await this.get('get profile', accountPk(id), PROFILE_SK);
    if (!item) return undefined;
    return {
      id,
      email: String(item.email),
      createdAt: num(item.createdAt),
      referralCode: String(item.referralCode),
      ...(item.referredBy === undefined ? {} : { referredBy: String(item.referredBy) }),
      ...(item.tokensValidAfter === undefined ? {} : { tokensValidAfter: num(item.tokensValidAfter) }),
    };
  }

  async setTokensValidAfter(account: AccountId, at: number): Promise<void> {
    // A failed condition is an earlier time than the one held (kept), or no profile (nothing signs in to it).
    await conditionalWrite('set tokens valid after', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: accountPk(account), sk: PROFILE_SK },
          UpdateExpression: 'SET tokensValidAfter = :at',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(tokensValidAfter) OR tokensValidAfter < :at)',
          ExpressionAttributeValues: { ':at': at },
        }),
      ),
    );
  }

  accountByEmail(email: string): Promise<AccountId | undefined> {
    return this.claimed(emailPk(emailHash(email)));
  }

  accountByReferralCode(code: string): Promise<AccountId | undefined> {
    return this.claimed(refCodePk(code));
  }

  async countReferred(referrer: AccountId): Promise<number> {
    const items = await queryAll(this.doc, 'count referred accounts', {
      TableName: this.table,
      IndexName: 'byKind',
      KeyConditionExpression: '#kind = :kind',
      ExpressionAttributeNames: { '#kind': 'kind' },
      ExpressionAttributeValues: { ':kind': kindOf.referredBy(referrer) },
      // The keys alone: nothing else of the referred accounts (their emails) is read.
      ProjectionExpression: 'pk',
    });
    return items.length;
  }

  async putToken(t: { kind: OneTimeTokenKind; hash: string; account: AccountId; expiresAt: number }): Promise<void> {
    await dynamoCall('put token', () =>
      this.put({
        pk: tokenPk(t.kind, t.hash),
        sk: 'TOKEN',
        account: t.account,
        expiresAt: t.expiresAt,
        ttl: ttlOf(t.expiresAt),
      }),
    );
  }

  async consumeToken(kind: OneTimeTokenKind, hash: string, now: number): Promise<AccountId | undefined> {
    const old = await this.consume('consume token', tokenPk(kind, hash), 'TOKEN', now);
    return old ? String(old.account) : undefined;
  }

  async findToken(kind: OneTimeTokenKind, hash: string, now: number): Promise<AccountId | undefined> {
    const item = await this.get('find token', tokenPk(kind, hash), 'TOKEN');
    return item && num(item.expiresAt) > now ? String(item.account) : undefined;
  }

  async addIdentity(account: AccountId, identity: MiningIdentity): Promise<boolean> {
    if (!(await this.claim(addressPk(identity.coin, identity.address), account))) return false;
    // Already this account's (a second add): false, as the port says; a claim left by an interrupted add is finished.
    return conditionalWrite('add identity', () =>
      this.put(
        {
          pk: accountPk(account),
          sk: identitySk(identity.coin, identity.address),
          kind: kindOf.identity(identity.coin),
          coin: identity.coin,
          address: identity.address,
          label: identity.label,
          addedAt: identity.addedAt,
        },
        'attribute_not_exists(pk)',
      ),
    );
  }

  async removeIdentity(account: AccountId, coin: string, address: string): Promise<void> {
    await dynamoCall('remove identity', () =>
      this.doc.send(
        new DeleteCommand({ TableName: this.table, Key: { pk: accountPk(account), sk: identitySk(coin, address) } }),
      ),
    );
    // The claim goes last and only if it is this account's: the address is free for another account only once no
    // identity item of this one names it.
    await conditionalWrite('release address', () =>
      this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: addressPk(coin, address), sk: CLAIM_SK },
          ConditionExpression: 'account = :a',
          ExpressionAttributeValues: { ':a': account },
        }),
      ),
    );
  }

  async listIdentities(account: AccountId): Promise<MiningIdentity[]> {
    const items = await this.queryPrefix('list identities', account, 'IDENTITY#');
    return items.map((i) => ({
      coin: String(i.coin),
      address: String(i.address),
      label: String(i.label ?? ''),
      addedAt: num(i.addedAt),
    }));
  }

  accountOfAddress(coin: string, address: string): Promise<AccountId | undefined> {
    return this.claimed(addressPk(coin, address));
  }

  async getPayoutSettings(account: AccountId, coin: string): Promise<PayoutSettings | undefined> {
    const item = await this.get('get payout settings', accountPk(account), settingsSk(coin));
    return item ? payoutSettingsOf(item) : undefined;
  }

  async putPayoutSettings(account: AccountId, coin: string, s: PayoutSettings): Promise<void> {
    await dynamoCall('put payout settings', () =>
      this.put({
        pk: accountPk(account),
        sk: settingsSk(coin),
        kind: kindOf.settings(coin),
        coin,
        threshold: s.threshold?.toString(),
        payoutAddress: s.payoutAddress,
        currency: s.currency,
        holdUntil: s.holdUntil,
        updatedAt: s.updatedAt,
      }),
    );
  }

  async putPendingChange(c: PendingMoneyChange): Promise<void> {
    await dynamoCall('put pending change', () =>
      this.put({
        pk: pendingPk(c.tokenHash),
        sk: 'CHANGE',
        account: c.account,
        change: JSON.stringify({ ...c.change, threshold: c.change.threshold?.toString() }),
        requestedAt: c.requestedAt,
        requestedIp: c.requestedIp,
        expiresAt: c.expiresAt,
        ttl: ttlOf(c.expiresAt),
      }),
    );
  }

  async consumePendingChange(tokenHash: string, now: number): Promise<PendingMoneyChange | undefined> {
    const old = await this.consume('consume pending change', pendingPk(tokenHash), 'CHANGE', now);
    if (!old) return undefined;
    const raw = JSON.parse(String(old.change)) as Omit<MoneyChange, 'threshold'> & { threshold?: string };
    return {
      tokenHash,
      account: String(old.account),
      change: { ...raw, threshold: raw.threshold === undefined ? undefined : BigInt(raw.threshold) },
      requestedAt: num(old.requestedAt),
      requestedIp: String(old.requestedIp),
      expiresAt: num(old.expiresAt),
    };
  }

  async appendLog(account: AccountId, e: ChangeLogEntry): Promise<void> {
    const rand = Math.random().toString(36).slice(2, 10);
    await dynamoCall('append log', () => this.put({ pk: accountPk(account), sk: logSk(e.at, rand), ...e }));
  }

  async listLog(account: AccountId, limit: number): Promise<ChangeLogEntry[]> {
    const { Items } = await dynamoCall('list log', () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': accountPk(account), ':p': 'LOG#' },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return (Items ?? []).map((i) => ({
      at: num(i.at),
      ip: String(i.ip),
      kind: String(i.kind),
      detail: String(i.detail),
      source: String(i.source) as ChangeSource,
    }));
  }

  async setRecoveryCodes(account: AccountId, hashes: string[]): Promise<void> {
    const key = { pk: accountPk(account), sk: RECOVERY_SK };
    await dynamoCall('set recovery codes', () =>
      hashes.length === 0
        ? this.doc.send(new DeleteCommand({ TableName: this.table, Key: key }))
        : this.put({ ...key, hashes: new Set(hashes) }),
    );
  }

  useRecoveryCode(account: AccountId, hash: string): Promise<boolean> {
    // One conditional update: of two sign-ins with the same code, one removes it and the other finds it gone.
    return conditionalWrite('use recovery code', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: accountPk(account), sk: RECOVERY_SK },
          UpdateExpression: 'DELETE hashes :set',
          ConditionExpression: 'contains(hashes, :h)',
          ExpressionAttributeValues: { ':set': new Set([hash]), ':h': hash },
        }),
      ),
    );
  }

  async recoveryCodesLeft(account: AccountId): Promise<number> {
    const item = await this.get('count recovery codes', accountPk(account), RECOVERY_SK);
    return item?.hashes instanceof Set ? item.hashes.size : 0;
  }

  async putWatcher(account: AccountId, link: WatcherLink): Promise<void> {
    // The token's item first: a watcher listed on the account always opens (a crash leaves at most an unlisted one).
    await dynamoCall('put watcher token', () =>
      this.put({ pk: watchTokenPk(link.tokenHash), sk: CLAIM_SK, account, watcher: link.id }),
    );
    await dynamoCall('put watcher', () => this.put({ pk: accountPk(account), sk: watcherSk(link.id), ...link }));
  }

  async revokeWatcher(account: AccountId, id: string, now: number): Promise<void> {
    const item = await this.get('get watcher', accountPk(account), watcherSk(id));
    if (!item) return;
    // Marked revoked first (accountOfWatcher checks the mark), then the token's item goes.
    await conditionalWrite('revoke watcher', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: accountPk(account), sk: watcherSk(id) },
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :now)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': now },
        }),
      ),
    );
    await dynamoCall('delete watcher token', () =>
      this.doc.send(
        new DeleteCommand({ TableName: this.table, Key: { pk: watchTokenPk(String(item.tokenHash)), sk: CLAIM_SK } }),
      ),
    );
  }

  async listWatchers(account: AccountId): Promise<WatcherLink[]> {
    const items = await this.queryPrefix('list watchers', account, 'WATCHER#');
    return items.map(watcherOf);
  }

  async accountOfWatcher(tokenHash: string): Promise<AccountId | undefined> {
    const claim = await this.get('get watcher token', watchTokenPk(tokenHash), CLAIM_SK);
    if (!claim) return undefined;
    const account = String(claim.account);
    const link = await this.get('get watcher', accountPk(account), watcherSk(String(claim.watcher)));
    return link && link.revokedAt === undefined ? account : undefined;
  }

  async getNotificationSettings(account: AccountId): Promise<NotificationSettings | undefined> {
    const item = await this.get('get notification settings', accountPk(account), NOTIFY_SK);
    return item ? (JSON.parse(String(item.settings)) as NotificationSettings) : undefined;
  }

  async putNotificationSettings(account: AccountId, settings: NotificationSettings): Promise<void> {
    const before = await this.getNotificationSettings(account);
    // The Telegram chat's reverse item (the bot's /stats finds the account by it) follows the settings.
    if (settings.telegramChatId !== undefined && settings.telegramChatId !== before?.telegramChatId) {
      await dynamoCall('link telegram chat', () =>
        this.put({ pk: telegramPk(settings.telegramChatId!), sk: CLAIM_SK, account }),
      );
    }
    await dynamoCall('put notification settings', () =>
      this.put({ pk: accountPk(account), sk: NOTIFY_SK, kind: kindOf.notify, settings: JSON.stringify(settings) }),
    );
    const old = before?.telegramChatId;
    if (old !== undefined && old !== settings.telegramChatId) {
      await conditionalWrite('unlink telegram chat', () =>
        this.doc.send(
          new DeleteCommand({
            TableName: this.table,
            Key: { pk: telegramPk(old), sk: CLAIM_SK },
            ConditionExpression: 'account = :a',
            ExpressionAttributeValues: { ':a': account },
          }),
        ),
      );
    }
  }

  async countAttempt(key: string, windowStart: number, windowMs: number): Promise<number> {
    const { Attributes } = await dynamoCall('count attempt', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: ratePk(key, windowStart), sk: 'RATE' },
          UpdateExpression: 'ADD #count :one SET #ttl = :ttl',
          ExpressionAttributeNames: { '#count': 'count', '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':one': 1, ':ttl': ttlOf(windowStart + windowMs) },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    return num(Attributes?.count);
  }

  async attempts(key: string, windowStart: number): Promise<number> {
    const item = await this.get('get attempts', ratePk(key, windowStart), 'RATE');
    return num(item?.count);
  }

  // --- helpers -------------------------------------------------------------------------------------------------

  private put(item: Record<string, unknown>, condition?: string) {
    return this.doc.send(
      new PutCommand({ TableName: this.table, Item: item, ...(condition && { ConditionExpression: condition }) }),
    );
  }

  private async get(op: string, pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await dynamoCall(op, () =>
      this.doc.send(new GetCommand({ TableName: this.table, Key: { pk, sk }, ConsistentRead: true })),
    );
    return Item;
  }

  /** Takes a uniqueness claim for `account`; true also when it holds it already (a retried write). */
  private claim(pk: string, account: AccountId): Promise<boolean> {
    return conditionalWrite('claim', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk, sk: CLAIM_SK, account },
          ConditionExpression: 'attribute_not_exists(pk) OR account = :a',
          ExpressionAttributeValues: { ':a': account },
        }),
      ),
    );
  }

  private async claimed(pk: string): Promise<AccountId | undefined> {
    const item = await this.get('get claim', pk, CLAIM_SK);
    return item ? String(item.account) : undefined;
  }

  /** Deletes a one-time item and returns it, if it exists and `expiresAt` is after `now`. */
  private async consume(op: string, pk: string, sk: string, now: number): Promise<Record<string, unknown> | undefined> {
    try {
      const { Attributes } = await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk, sk },
          ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
          ExpressionAttributeValues: { ':now': now },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes;
    } catch (err) {
      if (isConditionFailed(err)) return undefined;
      throw toStorageError(op, err);
    }
  }

  private queryPrefix(op: string, account: AccountId, prefix: string) {
    return queryAll(this.doc, op, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': accountPk(account), ':p': prefix },
      ConsistentRead: true,
    });
  }
}

function watcherOf(i: Record<string, unknown>): WatcherLink {
  return {
    id: String(i.id),
    tokenHash: String(i.tokenHash),
    label: String(i.label ?? ''),
    createdAt: num(i.createdAt),
    ...(i.revokedAt === undefined ? {} : { revokedAt: num(i.revokedAt) }),
  };
}
