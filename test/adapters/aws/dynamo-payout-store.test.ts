import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoPayoutStore } from '../../../adapters/aws/dynamo-payout-store.js';
import { IllegalPayoutTransitionError, type PayoutRecord } from '../../../core/ledger/payouts.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';

describe('DynamoPayoutStore payout transitions (dynalite)', () => {
  let dynamo: Dynamo;
  let money: DynamoPayoutStore;
  beforeAll(async () => {
    dynamo = await startDynamo();
    await dynamo.freshStore();
    const names = dynamo.lastTables!;
    money = new DynamoPayoutStore(createDocumentClient(dynamo.client), () => names);
  });
  afterAll(async () => {
    await dynamo.close();
  });

  const payout = (id: string): PayoutRecord => ({
    id,
    coin: 'LTC',
    status: 'pending',
    recipients: [{ account: 'a', amount: 5n }],
    total: 5n,
    createdAt: 1,
    updatedAt: 1,
  });
  const status = async (id: string) => (await money.listPayouts('LTC')).find((p) => p.id === id);

  it('refuses a transition the payout state machine does not allow, before writing anything', async () => {
    expect(await money.createPayout('LTC', payout('p1'))).toBe(true);
    await expect(money.transitionPayout('LTC', 'p1', 'pending', 'confirmed')).rejects.toThrow(
      IllegalPayoutTransitionError,
    );
    expect((await status('p1'))?.status).toBe('pending');
  });

  it('moves only from the expected status: two racing runs cannot both send', async () => {
    await money.createPayout('LTC', payout('p2'));
    const [a, b] = await Promise.all([
      money.transitionPayout('LTC', 'p2', 'pending', 'sending'),
      money.transitionPayout('LTC', 'p2', 'pending', 'sending'),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
  });

  it('never replaces a recorded txid, and a payout with a txid never goes back to be sent again', async () => {
    await money.createPayout('LTC', payout('p3'));
    expect(await money.transitionPayout('LTC', 'p3', 'pending', 'sending')).toBe(true);
    expect(await money.transitionPayout('LTC', 'p3', 'sending', 'suspended', { txid: 'aa' })).toBe(true);
    // the operator's verdict "it never went out" is refused: the record holds a transaction
    expect(await money.transitionPayout('LTC', 'p3', 'suspended', 'pending')).toBe(false);
    expect(await money.transitionPayout('LTC', 'p3', 'suspended', 'sent', { txid: 'bb' })).toBe(false);
    expect(await money.transitionPayout('LTC', 'p3', 'suspended', 'sent', { txid: 'aa' })).toBe(true);
    expect(await status('p3')).toMatchObject({ status: 'sent', txid: 'aa' });
  });

  it('keeps the history mark of the first attempt to send: a later attempt does not move it', async () => {
    await money.createPayout('LTC', payout('p4'));
    expect(await money.transitionPayout('LTC', 'p4', 'pending', 'sending', { historyMark: 'tip-1' })).toBe(true);
    expect(await status('p4')).toMatchObject({ status: 'sending', historyMark: 'tip-1' });
    expect(await money.transitionPayout('LTC', 'p4', 'sending', 'pending')).toBe(true); // found not sent
    expect(await money.transitionPayout('LTC', 'p4', 'pending', 'sending', { historyMark: 'tip-2' })).toBe(true);
    expect(await status('p4')).toMatchObject({ status: 'sending', historyMark: 'tip-1' });
  });

  it('records one signed transaction, only while sending; with it the payout never goes back to be sent again', async () => {
    await money.createPayout('LTC', payout('p5'));
    const tx = { txid: 'aa', raw: '0200aa' };
    expect(await money.recordSignedPayout('LTC', 'p5', tx)).toBe(false); // pending: nothing is being sent
    expect(await money.transitionPayout('LTC', 'p5', 'pending', 'sending')).toBe(true);
    const other = { txid: 'bb', raw: '0200bb' };
    const won = await Promise.all([
      money.recordSignedPayout('LTC', 'p5', tx),
      money.recordSignedPayout('LTC', 'p5', other),
    ]);
    expect(won.filter(Boolean)).toHaveLength(1);
    const recorded = won[0] ? tx : other;
    expect(await money.recordSignedPayout('LTC', 'p5', recorded)).toBe(false); // recorded once, even the same one
    expect(await status('p5')).toMatchObject({ status: 'sending', txid: recorded.txid, signedTx: recorded.raw });
    expect(await money.transitionPayout('LTC', 'p5', 'sending', 'pending')).toBe(false);
    expect(await money.transitionPayout('LTC', 'p5', 'sending', 'failed')).toBe(false);
    expect(await money.transitionPayout('LTC', 'p5', 'sending', 'sent', { txid: recorded.txid })).toBe(true);
    expect(await status('p5')).toMatchObject({ status: 'sent', txid: recorded.txid, signedTx: recorded.raw });
  });
});

describe('DynamoPayoutStore open payouts (dynalite)', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  /** A store on fresh tables whose document client counts the items DynamoDB returns to it. */
  async function freshPayouts() {
    await dynamo.freshStore();
    const names = dynamo.lastTables!;
    const doc = createDocumentClient(dynamo.client);
    const read = { items: 0, commands: [] as string[] };
    const send = doc.send.bind(doc) as (c: unknown) => Promise<Record<string, unknown>>;
    (doc as { send: unknown }).send = async (command: { constructor: { name: string }; input: unknown }) => {
      const out = await send(command);
      read.commands.push(command.constructor.name);
      const responses = out.Responses as Record<string, unknown[]> | undefined;
      read.items += ((out.Items as unknown[]) ?? Object.values(responses ?? {}).flat()).length;
      return out;
    };
    return { money: new DynamoPayoutStore(doc, () => names), doc, table: names.ledger, read };
  }
  const payout = (id: string, createdAt: number): PayoutRecord => ({
    id,
    coin: 'LTC',
    status: 'pending',
    recipients: [{ account: 'a', amount: 5n }],
    total: 5n,
    createdAt,
    updatedAt: createdAt,
  });
  /** Through the whole life of a payout that went out: pending → sending → sent → confirmed. */
  async function settle(money: DynamoPayoutStore, id: string) {
    await money.transitionPayout('LTC', id, 'pending', 'sending');
    await money.transitionPayout('LTC', id, 'sending', 'sent', { txid: `tx-${id}` });
    await money.transitionPayout('LTC', id, 'sent', 'confirmed');
  }

  it('lists the open payouts oldest first, as they are now, and reads none of the settled history', async () => {
    const { money, read } = await freshPayouts();
    for (let i = 0; i < 30; i++) {
      await money.createPayout('LTC', payout(`old-${i}`, 100 + i));
      await settle(money, `old-${i}`);
    }
    await money.createPayout('LTC', payout('failed', 200));
    await money.transitionPayout('LTC', 'failed', 'pending', 'failed');
    await money.createPayout('LTC', payout('newer', 400));
    await money.createPayout('LTC', payout('stuck', 300));
    await money.transitionPayout('LTC', 'stuck', 'pending', 'sending');
    await money.transitionPayout('LTC', 'stuck', 'sending', 'suspended');
    await money.listOpenPayouts('LTC'); // the first call indexes what was written before the index (nothing here)

    read.items = 0;
    read.commands = [];
    const open = await money.listOpenPayouts('LTC');
    expect(open.map((p) => [p.id, p.status])).toEqual([
      ['stuck', 'suspended'],
      ['newer', 'pending'],
    ]);
    // the index's two items and their consistent re-read, plus the marker: no payout of the 31 closed ones
    expect(read.items).toBe(4);
    expect(read.commands).toEqual(['GetCommand', 'QueryCommand', 'BatchGetCommand']);
    expect((await money.listPayouts('LTC')).length).toBe(33);
  });

  it('leaves a payout out once it is confirmed or failed, and keeps one an operator sends back to pending', async () => {
    const { money } = await freshPayouts();
    await money.createPayout('LTC', payout('p', 1));
    await money.createPayout('LTC', payout('q', 2));
    await money.transitionPayout('LTC', 'q', 'pending', 'sending');
    await money.transitionPayout('LTC', 'q', 'sending', 'suspended');
    expect((await money.listOpenPayouts('LTC')).map((p) => p.id)).toEqual(['p', 'q']);
    await money.transitionPayout('LTC', 'q', 'suspended', 'pending'); // the operator: it never went out
    await settle(money, 'p');
    expect((await money.listOpenPayouts('LTC')).map((p) => [p.id, p.status])).toEqual([['q', 'pending']]);
    await money.transitionPayout('LTC', 'q', 'pending', 'failed');
    expect(await money.listOpenPayouts('LTC')).toEqual([]);
  });

  it('finds the open payouts written before the index on its first read, and never the closed ones', async () => {
    const { money, doc, table } = await freshPayouts();
    // Items as createPayout wrote them before open payouts had a view.
    const legacy = (doc: DynamoDBDocumentClient, id: string, status: string, createdAt: number) =>
      doc.send(
        new PutCommand({
          TableName: table,
          Item: {
            pk: 'PAYOUT',
            sk: id,
            coin: 'LTC',
            status,
            recipients: [{ account: 'a', amount: '5' }],
            total: '5',
            createdAt,
            updatedAt: createdAt,
            ...(status === 'sent' || status === 'confirmed' ? { txid: `tx-${id}` } : {}),
          },
        }),
      );
    await legacy(doc, 'done', 'confirmed', 1);
    await legacy(doc, 'gone', 'failed', 2);
    await legacy(doc, 'out', 'sent', 3);
    await legacy(doc, 'planned', 'pending', 4);
    expect((await money.listOpenPayouts('LTC')).map((p) => [p.id, p.status])).toEqual([
      ['out', 'sent'],
      ['planned', 'pending'],
    ]);
    // indexed once: closing one takes it out like any other
    await money.transitionPayout('LTC', 'out', 'sent', 'confirmed');
    expect((await money.listOpenPayouts('LTC')).map((p) => p.id)).toEqual(['planned']);
  });
});
