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
});
