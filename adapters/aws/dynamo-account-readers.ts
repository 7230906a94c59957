import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PayoutSettings } from '../../core/accounts/types.js';
import type { MinerPayoutSettingsReader, ReferralReader } from '../../core/ports/account-store.js';
import { accountPk, identitySk, kindOf, PROFILE_SK, payoutSettingsOf } from './account-items.js';
import { batchGetAll, num, queryAll } from './dynamo-calls.js';

/**
 * The money passes' read-only view of the accounts table (account-items.ts): the payout settings of the accounts
 * holding a coin's mining addresses, and who referred them. Lists go through the `byKind` index (one query per kind,
 * paged), profiles are read by key; nothing is written here (the account API's store writes).
 */
export interface DynamoAccountReadersOptions {
  /** Build it with `createDocumentClient`. */
  doc: DynamoDBDocumentClient;
  /** The accounts table (tables.ts accountsTableName). */
  table: string;
}

interface Identity {
  account: string;
  address: string;
  addedAt: number;
}

export class DynamoAccountReaders implements MinerPayoutSettingsReader, ReferralReader {
  constructor(private readonly opts: DynamoAccountReadersOptions) {}

  async payoutSettingsByAddress(coin: string, identityCoin = coin): Promise<Map<string, PayoutSettings>> {
    const byAccount = new Map<string, PayoutSettings>();
    for (const item of await this.byKind('list payout settings', kindOf.settings(coin))) {
      byAccount.set(accountOf(item), payoutSettingsOf(item));
    }
    const out = new Map<string, PayoutSettings>();
    if (byAccount.size === 0) return out;
    for (const id of await this.identities(identityCoin)) {
      const s = byAccount.get(id.account);
      if (s) out.set(id.address, s);
    }
    return out;
  }

  async referrersByAddress(coin: string): Promise<Map<string, string>> {
    const identities = await this.identities(coin);
    const byAccount = new Map<string, Identity[]>();
    for (const id of identities) byAccount.set(id.account, [...(byAccount.get(id.account) ?? []), id]);
    const profiles = await batchGetAll(
      this.opts.doc,
      'read profiles',
      this.opts.table,
      [...byAccount.keys()].map((account) => ({ pk: accountPk(account), sk: PROFILE_SK })),
    );
    const out = new Map<string, string>();
    for (const profile of profiles) {
      const referred = accountOf(profile);
      const referrer = typeof profile.referredBy === 'string' ? profile.referredBy : undefined;
      if (referrer === undefined || referrer === referred) continue;
      // The referrer's first identity on the coin (the oldest; ties by address); none: not credited on this coin.
      const at = (byAccount.get(referrer) ?? []).sort((a, b) => a.addedAt - b.addedAt || cmp(a.address, b.address))[0];
      if (!at) continue;
      for (const id of byAccount.get(referred) ?? []) if (id.address !== at.address) out.set(id.address, at.address);
    }
    return out;
  }

  private async identities(coin: string): Promise<Identity[]> {
    const prefix = identitySk(coin, '');
    return (await this.byKind('list identities', kindOf.identity(coin)))
      .filter((item) => String(item.sk).startsWith(prefix))
      .map((item) => ({
        account: accountOf(item),
        address: String(item.sk).slice(prefix.length),
        addedAt: num(item.addedAt),
      }));
  }

  private byKind(op: string, kind: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.opts.doc, op, {
      TableName: this.opts.table,
      IndexName: 'byKind',
      KeyConditionExpression: '#kind = :kind',
      ExpressionAttributeNames: { '#kind': 'kind' },
      ExpressionAttributeValues: { ':kind': kind },
    });
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const ACCOUNT_PREFIX = accountPk('');

function accountOf(item: Record<string, unknown>): string {
  return String(item.pk).slice(ACCOUNT_PREFIX.length);
}
