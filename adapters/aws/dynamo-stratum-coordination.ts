import { randomInt } from 'node:crypto';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PrefixLeaseError } from '../../core/errors.js';
import type { BanStore, PrefixClaimStore, PrefixLease, StoredBan } from '../../core/ports/stratum-coordination.js';
import { conditionalWrite, num, queryAll } from './dynamo-calls.js';

/**
 * Bans and extranonce1 prefix leases of a coin's stratum tasks, in the coin's stats table (where the tasks already
 * write their live snapshots; its sort key is a number):
 *   BAN / <issued ms × 1000 + random 0..999>   ip, reason, at, until; TTL at the ban's end
 *   PREFIX / <prefix as a number>               owner, until; TTL at the lease's end
 * Bans are one partition read by a range of the sort key: a task polls the bans issued since its last poll. The
 * task role may Query only the BAN partition (infra/constructs/stratum-service.ts).
 */
export const BAN_PARTITION = 'BAN';
export const PREFIX_PARTITION = 'PREFIX';
const BAN_PK = BAN_PARTITION;
const PREFIX_PK = PREFIX_PARTITION;

const ttl = (ms: number) => Math.ceil(ms / 1000);

export class DynamoBanStore implements BanStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(ban: StoredBan): Promise<void> {
    // Two bans issued in the same millisecond get different sort keys (odds 1/1000 of one try, then a retry).
    for (let attempt = 0; attempt < 5; attempt++) {
      const written = await conditionalWrite('put ban', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk: BAN_PK, sk: ban.at * 1000 + randomInt(1000), ...ban, expiresAt: ttl(ban.until) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      if (written) return;
    }
  }

  async issuedSince(since: number, now: number): Promise<StoredBan[]> {
    const items = await queryAll(this.doc, 'query bans', {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk >= :since',
      ExpressionAttributeValues: { ':pk': BAN_PK, ':since': Math.max(0, since) * 1000 },
    });
    return items
      .map((i) => ({ ip: String(i.ip), reason: String(i.reason), at: num(i.at), until: num(i.until) }))
      .filter((b) => b.until > now);
  }
}

export interface PrefixLeaseOptions {
  /** Prefix length in bytes: prefixes are 0 … 256^bytes − 1. */
  bytes: number;
  /** How many taken prefixes to try before giving up (each try is one conditional put). */
  tries?: number;
  /** Picks the prefix to try (tests inject a fixed one to make conflicts). */
  pick?: (count: number) => number;
}

/**
 * Extranonce1 prefixes leased by conditional writes: a put succeeds only on a prefix nobody holds or whose lease
 * ran out (`until` is checked, since TTL deletion lags by up to days); renew and release only by the owner.
 */
export class DynamoPrefixLeases implements PrefixClaimStore {
  private readonly count: number;
  readonly bytes: number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly o: PrefixLeaseOptions,
  ) {
    this.count = 256 ** o.bytes;
    this.bytes = o.bytes;
  }

  async acquire(owner: string, until: number, now: number): Promise<PrefixLease> {
    const tries = this.o.tries ?? 32;
    const pick = this.o.pick ?? ((n: number) => randomInt(n));
    for (let i = 0; i < tries; i++) {
      const prefix = pick(this.count)
        .toString(16)
        .padStart(this.o.bytes * 2, '0');
      if (await this.claim(prefix, owner, until, now)) return { prefix, owner, until };
    }
    throw new PrefixLeaseError(`no free extranonce1 prefix after ${tries} tries`);
  }

  async claim(prefix: string, owner: string, until: number, now: number): Promise<boolean> {
    return conditionalWrite('lease extranonce1 prefix', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: PREFIX_PK, sk: Number.parseInt(prefix, 16), owner, until, expiresAt: ttl(until) },
          ConditionExpression: 'attribute_not_exists(pk) OR #until <= :now',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':now': now },
        }),
      ),
    );
  }

  async renew(lease: PrefixLease, until: number): Promise<boolean> {
    return conditionalWrite('renew extranonce1 prefix', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: PREFIX_PK, sk: Number.parseInt(lease.prefix, 16) },
          UpdateExpression: 'SET #until = :until, expiresAt = :expires',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#until': 'until', '#owner': 'owner' },
          ExpressionAttributeValues: { ':until': until, ':expires': ttl(until), ':owner': lease.owner },
        }),
      ),
    );
  }

  async release(lease: PrefixLease): Promise<void> {
    await conditionalWrite('release extranonce1 prefix', () =>
      this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: PREFIX_PK, sk: Number.parseInt(lease.prefix, 16) },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': lease.owner },
        }),
      ),
    );
  }
}
