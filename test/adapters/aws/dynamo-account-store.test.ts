import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountPk, PROFILE_SK, RECOVERY_SK } from '../../../adapters/aws/account-items.js';
import { DynamoAccountStore, ReferralCodeTakenError } from '../../../adapters/aws/dynamo-account-store.js';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { ensureAccountsTable } from '../../../adapters/aws/tables.js';
import type { AccountProfile } from '../../../core/accounts/types.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';

const T0 = 1_700_000_000_000;

let dynamo: Dynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

let prefixes = 0;
async function freshStore() {
  const doc = createDocumentClient(dynamo.client);
  const table = await ensureAccountsTable(dynamo.client, `acc${prefixes++}`);
  return { store: new DynamoAccountStore(doc, table), doc, table };
}

const profile = (id: string, email: string, referralCode: string): AccountProfile => ({
  id,
  email,
  createdAt: T0,
  referralCode,
});

describe('the account store on dynalite', () => {
  it('creates a profile once per id and per email, and finds it by email and referral code', async () => {
    const { store } = await freshStore();
    expect(await store.createProfile(profile('a', 'a@x.io', 'AAAAAAAA'))).toBe(true);
    expect(await store.getProfile('a')).toEqual(profile('a', 'a@x.io', 'AAAAAAAA'));
    // Another id with the same email: refused, nothing of it stored.
    expect(await store.createProfile(profile('b', 'a@x.io', 'BBBBBBBB'))).toBe(false);
    expect(await store.getProfile('b')).toBeUndefined();
    expect(await store.accountByReferralCode('BBBBBBBB')).toBeUndefined();
    // The same id again: refused (the profile exists).
    expect(await store.createProfile(profile('a', 'a@x.io', 'AAAAAAAA'))).toBe(false);
    expect(await store.accountByEmail('a@x.io')).toBe('a');
    expect(await store.accountByEmail('b@x.io')).toBeUndefined();
    expect(await store.accountByReferralCode('AAAAAAAA')).toBe('a');
  });

  it('raises tokensValidAfter and never lowers it, and makes no profile of an unknown id', async () => {
    const { store, doc, table } = await freshStore();
    await store.createProfile(profile('a', 'a@x.io', 'AAAAAAAA'));
    await store.setTokensValidAfter('a', T0 + 5000);
    expect(await store.getProfile('a')).toEqual({ ...profile('a', 'a@x.io', 'AAAAAAAA'), tokensValidAfter: T0 + 5000 });
    await store.setTokensValidAfter('a', T0 + 1000); // an earlier sign-out answering late
    expect((await store.getProfile('a'))?.tokensValidAfter).toBe(T0 + 5000);
    await store.setTokensValidAfter('a', T0 + 9000);
    expect((await store.getProfile('a'))?.tokensValidAfter).toBe(T0 + 9000);
    await store.setTokensValidAfter('nobody', T0);
    const { Item } = await doc.send(
      new GetCommand({ TableName: table, Key: { pk: accountPk('nobody'), sk: PROFILE_SK } }),
    );
    expect(Item).toBeUndefined();
  });

  it('refuses a referral code another account holds', async () => {
    const { store } = await freshStore();
    await store.createProfile(profile('a', 'a@x.io', 'SAMECODE'));
    await expect(store.createProfile(profile('b', 'b@x.io', 'SAMECODE'))).rejects.toBeInstanceOf(
      ReferralCodeTakenError,
    );
    // The retry with a new code completes b (its email claim is b's already).
    expect(await store.createProfile(profile('b', 'b@x.io', 'NEWCODE1'))).toBe(true);
    expect(await store.accountByReferralCode('SAMECODE')).toBe('a');
  });

  it('consumes a one-time token once, only of its kind and before it expires', async () => {
    const { store } = await freshStore();
    await store.putToken({ kind: 'confirm-email', hash: 'h1', account: 'a', expiresAt: T0 + 1000 });
    expect(await store.consumeToken('telegram-link', 'h1', T0)).toBeUndefined();
    expect(await store.consumeToken('confirm-email', 'h1', T0)).toBe('a');
    expect(await store.consumeToken('confirm-email', 'h1', T0)).toBeUndefined();
    await store.putToken({ kind: 'confirm-email', hash: 'h2', account: 'a', expiresAt: T0 + 1000 });
    expect(await store.consumeToken('confirm-email', 'h2', T0 + 1000)).toBeUndefined(); // expired
    // Two at once: exactly one gets it.
    await store.putToken({ kind: 'telegram-link', hash: 'h3', account: 'a', expiresAt: T0 + 1000 });
    const both = await Promise.all([
      store.consumeToken('telegram-link', 'h3', T0),
      store.consumeToken('telegram-link', 'h3', T0),
    ]);
    expect(both.filter((x) => x === 'a')).toHaveLength(1);
  });

  it('gives a (coin, address) to one account only, and frees it when removed', async () => {
    const { store } = await freshStore();
    const id = { coin: 'LTC', address: 'rltc1qa', label: 'rigs', addedAt: T0 };
    expect(await store.addIdentity('a', id)).toBe(true);
    expect(await store.addIdentity('a', id)).toBe(false);
    expect(await store.addIdentity('b', { ...id, label: 'mine' })).toBe(false);
    expect(await store.accountOfAddress('LTC', 'rltc1qa')).toBe('a');
    expect(await store.listIdentities('a')).toEqual([id]);
    expect(await store.listIdentities('b')).toEqual([]);
    // b removing a's address changes nothing.
    await store.removeIdentity('b', 'LTC', 'rltc1qa');
    expect(await store.accountOfAddress('LTC', 'rltc1qa')).toBe('a');
    await store.removeIdentity('a', 'LTC', 'rltc1qa');
    expect(await store.accountOfAddress('LTC', 'rltc1qa')).toBeUndefined();
    expect(await store.addIdentity('b', id)).toBe(true);
  });

  it('keeps payout settings with a bigint threshold', async () => {
    const { store } = await freshStore();
    expect(await store.getPayoutSettings('a', 'LTC')).toBeUndefined();
    const s = { threshold: 123_456_789_012_345_678_901n, payoutAddress: 'rltc1qp', holdUntil: T0 + 5, updatedAt: T0 };
    await store.putPayoutSettings('a', 'LTC', s);
    expect(await store.getPayoutSettings('a', 'LTC')).toEqual(s);
    await store.putPayoutSettings('a', 'LTC', { currency: 'BTC', updatedAt: T0 + 1 });
    expect(await store.getPayoutSettings('a', 'LTC')).toEqual({ currency: 'BTC', updatedAt: T0 + 1 });
  });

  it('consumes a pending money change once, before it expires, with its amounts intact', async () => {
    const { store } = await freshStore();
    const change = {
      tokenHash: 't1',
      account: 'a',
      change: { coin: 'LTC', threshold: 10n ** 20n, payoutAddress: 'rltc1qx' },
      requestedAt: T0,
      requestedIp: '10.0.0.1',
      expiresAt: T0 + 60_000,
    };
    await store.putPendingChange(change);
    expect(await store.consumePendingChange('t1', T0 + 60_000)).toBeUndefined(); // expired
    await store.putPendingChange({ ...change, tokenHash: 't2' });
    expect(await store.consumePendingChange('t2', T0 + 1)).toEqual({ ...change, tokenHash: 't2' });
    expect(await store.consumePendingChange('t2', T0 + 1)).toBeUndefined();
  });

  it('lists the change log newest first, up to the limit', async () => {
    const { store } = await freshStore();
    for (let i = 0; i < 5; i++) {
      await store.appendLog('a', { at: T0 + i, ip: '1.2.3.4', kind: 'k', detail: `d${i}`, source: 'account' });
    }
    const log = await store.listLog('a', 3);
    expect(log.map((e) => e.detail)).toEqual(['d4', 'd3', 'd2']);
    expect(log[0]).toEqual({ at: T0 + 4, ip: '1.2.3.4', kind: 'k', detail: 'd4', source: 'account' });
  });

  it('uses a recovery code once, and replaces the set as a whole', async () => {
    const { store, doc, table } = await freshStore();
    await store.setRecoveryCodes('a', ['r1', 'r2']);
    expect(await store.recoveryCodesLeft('a')).toBe(2);
    expect(await store.useRecoveryCode('a', 'r3')).toBe(false);
    const both = await Promise.all([store.useRecoveryCode('a', 'r1'), store.useRecoveryCode('a', 'r1')]);
    expect(both.filter(Boolean)).toHaveLength(1);
    expect(await store.recoveryCodesLeft('a')).toBe(1);
    expect(await store.useRecoveryCode('b', 'r2')).toBe(false); // another account's
    await store.setRecoveryCodes('a', ['r9']);
    expect(await store.useRecoveryCode('a', 'r2')).toBe(false);
    expect(await store.useRecoveryCode('a', 'r9')).toBe(true);
    expect(await store.recoveryCodesLeft('a')).toBe(0);
    await store.setRecoveryCodes('a', []);
    const { Item } = await doc.send(new GetCommand({ TableName: table, Key: { pk: accountPk('a'), sk: RECOVERY_SK } }));
    expect(Item).toBeUndefined();
  });

  it('opens a watcher link until it is revoked', async () => {
    const { store } = await freshStore();
    const link = { id: 'w1', tokenHash: 'wt1', label: 'friend', createdAt: T0 };
    await store.putWatcher('a', link);
    expect(await store.accountOfWatcher('wt1')).toBe('a');
    expect(await store.accountOfWatcher('wt2')).toBeUndefined();
    await store.revokeWatcher('b', 'w1', T0 + 1); // not b's: nothing happens
    expect(await store.accountOfWatcher('wt1')).toBe('a');
    await store.revokeWatcher('a', 'w1', T0 + 1);
    expect(await store.accountOfWatcher('wt1')).toBeUndefined();
    expect(await store.listWatchers('a')).toEqual([{ ...link, revokedAt: T0 + 1 }]);
  });

  it('keeps notification settings and the Telegram chat they link', async () => {
    const { store, doc, table } = await freshStore();
    const s = { events: { 'payout-sent': ['email' as const] }, workerOfflineMinutes: 10, hashrateDropPercent: 40 };
    await store.putNotificationSettings('a', { ...s, telegramChatId: '42' });
    expect(await store.getNotificationSettings('a')).toEqual({ ...s, telegramChatId: '42' });
    const chat = async (id: string) =>
      (await doc.send(new GetCommand({ TableName: table, Key: { pk: `TELEGRAM#${id}`, sk: 'ACCOUNT' } }))).Item
        ?.account;
    expect(await chat('42')).toBe('a');
    await store.putNotificationSettings('a', { ...s, telegramChatId: '43' });
    expect(await chat('42')).toBeUndefined();
    expect(await chat('43')).toBe('a');
  });

  it('counts attempts per key and window', async () => {
    const { store } = await freshStore();
    expect(await store.attempts('ip:1', T0)).toBe(0);
    expect(await store.countAttempt('ip:1', T0, 3_600_000)).toBe(1);
    const counts = await Promise.all([1, 2, 3].map(() => store.countAttempt('ip:1', T0, 3_600_000)));
    expect(counts.sort()).toEqual([2, 3, 4]);
    expect(await store.attempts('ip:1', T0)).toBe(4);
    expect(await store.attempts('ip:1', T0 + 3_600_000)).toBe(0);
    expect(await store.attempts('ip:2', T0)).toBe(0);
  });
});
