import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUX_ADDRESS_PK, DynamoAuxAddressStore } from '../../../adapters/aws/dynamo-aux-address-store.js';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { ensureTables } from '../../../adapters/aws/tables.js';
import { StorageError } from '../../../core/errors.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';

const T0 = 1_700_000_000_000;
const MINER = 'rltc1qminera';

let dynamo: Dynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

let prefixes = 0;
/** A store on a fresh DOGE ledger table (the aux coin's). */
async function freshStore() {
  const { ledger } = await ensureTables(dynamo.client, `aux${prefixes++}`, 'DOGE');
  const doc = createDocumentClient(dynamo.client);
  const store = new DynamoAuxAddressStore({
    doc,
    ledgerTable: (coin) => {
      if (coin !== 'DOGE') throw new StorageError(`no ledger for ${coin}`);
      return ledger;
    },
  });
  return { store, doc, ledger };
}

describe('the aux payout address store on dynalite', () => {
  it('keeps the first password address: a later one, from anyone mining to the same account, changes nothing', async () => {
    const { store } = await freshStore();
    expect(await store.getAuxAddress('DOGE', MINER)).toBeUndefined();
    expect(await store.offerAuxAddress('DOGE', MINER, 'D-first', T0)).toBe(true);
    expect(await store.offerAuxAddress('DOGE', MINER, 'D-second', T0 + 1)).toBe(false);
    expect(await store.offerAuxAddress('DOGE', MINER, 'D-first', T0 + 2)).toBe(false); // offered again: no change
    expect(await store.getAuxAddress('DOGE', MINER)).toEqual({ address: 'D-first', source: 'password', setAt: T0 });
  });

  it('lets a signed message replace a password address and an older signed one, never a newer one', async () => {
    const { store } = await freshStore();
    await store.offerAuxAddress('DOGE', MINER, 'D-password', T0);
    expect(await store.setSignedAuxAddress('DOGE', MINER, 'D-signed-1', T0 + 100)).toBe(true);
    // a password never replaces a signed address
    expect(await store.offerAuxAddress('DOGE', MINER, 'D-password-2', T0 + 200)).toBe(false);
    expect(await store.setSignedAuxAddress('DOGE', MINER, 'D-signed-2', T0 + 300)).toBe(true);
    // an older signed message (replayed, or delivered late) and one of the same time do not win
    expect(await store.setSignedAuxAddress('DOGE', MINER, 'D-signed-1', T0 + 100)).toBe(false);
    expect(await store.setSignedAuxAddress('DOGE', MINER, 'D-same-time', T0 + 300)).toBe(false);
    expect(await store.getAuxAddress('DOGE', MINER)).toEqual({
      address: 'D-signed-2',
      source: 'signed',
      setAt: T0 + 300,
    });
  });

  it('sets a signed address for an account without one', async () => {
    const { store } = await freshStore();
    expect(await store.setSignedAuxAddress('DOGE', MINER, 'D-signed', T0)).toBe(true);
    expect(await store.getAuxAddress('DOGE', MINER)).toEqual({ address: 'D-signed', source: 'signed', setAt: T0 });
  });

  it("lists every account's address across pages, and nothing else on the ledger table", async () => {
    const { store, doc, ledger } = await freshStore();
    // Another ledger item (a balance) is not an address.
    await doc.send(new PutCommand({ TableName: ledger, Item: { pk: 'BALANCE', sk: MINER, amount: '5' } }));
    // ~1.2 MB of items: more than one Query page (1 MB).
    const pad = 'x'.repeat(100);
    const n = 3_000;
    for (let i = 0; i < n; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, n - i) }, (_, k) =>
          doc.send(
            new PutCommand({
              TableName: ledger,
              Item: {
                pk: AUX_ADDRESS_PK,
                sk: `m${i + k}`,
                address: `D${i + k}`,
                source: 'password',
                setAt: T0,
                pad: `${pad}${pad}${pad}`,
              },
            }),
          ),
        ),
      );
    }
    const firstPage = await doc.send(
      new QueryCommand({
        TableName: ledger,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': AUX_ADDRESS_PK },
      }),
    );
    expect(firstPage.LastEvaluatedKey).toBeDefined(); // the listing needs more than one page
    const all = await store.listAuxAddresses('DOGE');
    expect(all.size).toBe(n);
    expect(all.get('m2999')).toEqual({ address: 'D2999', source: 'password', setAt: T0 });
    expect(all.has(MINER)).toBe(false);
  });

  it('fails with StorageError for a coin without a ledger table here', async () => {
    const { store } = await freshStore();
    await expect(store.offerAuxAddress('PEP', MINER, 'P1', T0)).rejects.toBeInstanceOf(StorageError);
  });
});
