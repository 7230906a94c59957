import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accountPk,
  identitySk,
  kindOf,
  PROFILE_SK,
  refCodePk,
  settingsSk,
} from '../../../adapters/aws/account-items.js';
import { DynamoAccountReaders } from '../../../adapters/aws/dynamo-account-readers.js';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { ensureAccountsTable } from '../../../adapters/aws/tables.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';

let dynamo: Dynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

let prefixes = 0;
/** A fresh accounts table, the readers on it, and a writer of items laid out as account-items.ts says. */
async function fresh() {
  const table = await ensureAccountsTable(dynamo.client, `acc${prefixes++}`);
  const doc = createDocumentClient(dynamo.client);
  return { readers: new DynamoAccountReaders({ doc, table }), items: itemWriter(doc, table) };
}

function itemWriter(doc: DynamoDBDocumentClient, table: string) {
  const put = (Item: Record<string, unknown>) => doc.send(new PutCommand({ TableName: table, Item }));
  return {
    profile: (id: string, referredBy?: string) =>
      put({ pk: accountPk(id), sk: PROFILE_SK, email: `${id}@x`, createdAt: 1, referralCode: `C${id}`, referredBy }),
    identity: (id: string, coin: string, address: string, addedAt: number) =>
      put({ pk: accountPk(id), sk: identitySk(coin, address), kind: kindOf.identity(coin), label: 'rigs', addedAt }),
    settings: (id: string, coin: string, s: Record<string, unknown>) =>
      put({ pk: accountPk(id), sk: settingsSk(coin), kind: kindOf.settings(coin), ...s }),
    other: (Item: Record<string, unknown>) => put(Item),
  };
}

describe('the accounts readers on dynalite', () => {
  it("maps each of an account's identities on the coin to the account's settings for the coin", async () => {
    const { readers, items } = await fresh();
    await items.profile('a');
    await items.identity('a', 'LTC', 'rltc1qa1', 10);
    await items.identity('a', 'LTC', 'rltc1qa2', 11);
    await items.identity('a', 'DOGE', 'nDogeA', 12);
    await items.settings('a', 'LTC', {
      threshold: '50000000',
      payoutAddress: 'rltc1qpay',
      holdUntil: 1_000,
      updatedAt: 5,
    });
    await items.settings('a', 'DOGE', { threshold: '7' });
    await items.profile('b');
    await items.identity('b', 'LTC', 'rltc1qb', 10); // no settings: absent (the pool's defaults)

    const ltc = await readers.payoutSettingsByAddress('LTC');
    expect([...ltc.keys()].sort()).toEqual(['rltc1qa1', 'rltc1qa2']);
    expect(ltc.get('rltc1qa1')).toEqual({
      threshold: 50_000_000n,
      payoutAddress: 'rltc1qpay',
      holdUntil: 1_000,
      updatedAt: 5,
    });
    // DOGE settings keyed by the DOGE identity, or (merged mining) by the account's LTC identities.
    expect([...(await readers.payoutSettingsByAddress('DOGE')).entries()]).toEqual([['nDogeA', { threshold: 7n }]]);
    const aux = await readers.payoutSettingsByAddress('DOGE', 'LTC');
    expect([...aux.keys()].sort()).toEqual(['rltc1qa1', 'rltc1qa2']);
    expect(aux.get('rltc1qa2')).toEqual({ threshold: 7n });
  });

  it("maps a referred account's identities to its referrer's oldest identity on the coin", async () => {
    const { readers, items } = await fresh();
    await items.profile('ref');
    await items.identity('ref', 'LTC', 'rltc1qnewer', 20);
    await items.identity('ref', 'LTC', 'rltc1qolder', 10);
    await items.profile('m', 'ref');
    await items.identity('m', 'LTC', 'rltc1qm1', 30);
    await items.identity('m', 'LTC', 'rltc1qm2', 31);
    await items.profile('solo'); // not referred
    await items.identity('solo', 'LTC', 'rltc1qsolo', 30);
    await items.profile('self', 'self'); // refers itself: never credited
    await items.identity('self', 'LTC', 'rltc1qself', 30);
    await items.profile('orphan', 'nobody-on-ltc'); // its referrer holds no LTC identity: not credited on LTC
    await items.identity('orphan', 'LTC', 'rltc1qorphan', 30);
    await items.other({ pk: refCodePk('Cref'), sk: 'ACCOUNT', account: 'ref' }); // other kinds are not read

    const referrers = await readers.referrersByAddress('LTC');
    expect(Object.fromEntries(referrers)).toEqual({ rltc1qm1: 'rltc1qolder', rltc1qm2: 'rltc1qolder' });
    expect((await readers.referrersByAddress('DOGE')).size).toBe(0);
  });

  it('reads more referred accounts than one BatchGetItem takes (130)', async () => {
    const { readers, items } = await fresh();
    await items.profile('ref');
    await items.identity('ref', 'LTC', 'rltc1qref', 1);
    const n = 130; // > 100 profiles: more than one BatchGetItem
    for (let i = 0; i < n; i++) {
      await items.profile(`m${i}`, 'ref');
      await items.identity(`m${i}`, 'LTC', `rltc1qm${i}`, 2);
      await items.settings(`m${i}`, 'LTC', { threshold: String(1000 + i) });
    }
    expect((await readers.referrersByAddress('LTC')).size).toBe(n);
    const settings = await readers.payoutSettingsByAddress('LTC');
    expect(settings.size).toBe(n);
    expect(settings.get('rltc1qm129')?.threshold).toBe(1129n);
  });
});
