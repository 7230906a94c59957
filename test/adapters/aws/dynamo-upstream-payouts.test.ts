import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoUpstreamPayoutStore } from '../../../adapters/aws/dynamo-upstream-payouts.js';
import type { UpstreamPayout } from '../../../core/proxy/upstream-payouts.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';

const payout = (id: string, seenAt: number): UpstreamPayout => ({
  id,
  txid: id.split(':')[0]!,
  vout: Number(id.split(':')[1]),
  amount: 150_000_000n,
  status: 'pending',
  seenAt,
});
const credits = [
  { account: 'alice', role: 'miner' as const, amount: 148_500_000n },
  { account: 'fee', role: 'fee' as const, amount: 1_500_000n },
];

describe('DynamoUpstreamPayoutStore on dynalite', () => {
  let dynamo: Dynamo;
  let store: DynamoUpstreamPayoutStore;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });
  beforeEach(async () => {
    await dynamo.freshStore();
    const names = dynamo.lastTables!;
    store = new DynamoUpstreamPayoutStore(createDocumentClient(dynamo.client), () => names);
  });

  it('records a payout once: seen again, the first record stands', async () => {
    expect(await store.recordUpstreamPayout('LTC', payout('t1:0', 5))).toBe(true);
    expect(await store.recordUpstreamPayout('LTC', { ...payout('t1:0', 9), amount: 1n })).toBe(false);
    expect(await store.getUpstreamPayout('LTC', 't1:0')).toEqual(payout('t1:0', 5));
  });

  it('fixes a split once, only on a recorded pending payout, and marks it credited only with one', async () => {
    expect(await store.setUpstreamCredits('LTC', 'nope:0', 10, credits)).toBe(false);
    await store.recordUpstreamPayout('LTC', payout('t1:0', 5));
    expect(await store.setUpstreamStatus('LTC', 't1:0', 'pending', 'credited')).toBe(false); // no split yet
    expect(await store.setUpstreamCredits('LTC', 't1:0', 10, credits)).toBe(true);
    expect(await store.setUpstreamCredits('LTC', 't1:0', 11, [{ ...credits[0]!, amount: 150_000_000n }])).toBe(false);
    expect(await store.getUpstreamPayout('LTC', 't1:0')).toMatchObject({ height: 10, credits });
    expect(await store.setUpstreamStatus('LTC', 't1:0', 'pending', 'credited')).toBe(true);
    expect(await store.setUpstreamStatus('LTC', 't1:0', 'pending', 'credited')).toBe(false);
  });

  it('lists the open payouts oldest first until settled, and every payout', async () => {
    await store.recordUpstreamPayout('LTC', payout('b:1', 20));
    await store.recordUpstreamPayout('LTC', payout('a:0', 10));
    await store.setUpstreamCredits('LTC', 'a:0', 10, credits);
    await store.setUpstreamStatus('LTC', 'a:0', 'pending', 'credited');
    expect((await store.listOpenUpstreamPayouts('LTC')).map((p) => p.id)).toEqual(['a:0', 'b:1']);
    expect(await store.setUpstreamStatus('LTC', 'a:0', 'credited', 'settled')).toBe(true);
    expect((await store.listOpenUpstreamPayouts('LTC')).map((p) => p.id)).toEqual(['b:1']);
    expect((await store.listUpstreamPayouts('LTC')).map((p) => `${p.id} ${p.status}`).sort()).toEqual([
      'a:0 settled',
      'b:1 pending',
    ]);
  });

  it('records an ignored payment without listing it open: it is never split', async () => {
    await store.recordUpstreamPayout('LTC', { ...payout('dust:0', 5), amount: 5_000n, status: 'ignored' });
    expect(await store.listOpenUpstreamPayouts('LTC')).toEqual([]);
    expect(await store.setUpstreamCredits('LTC', 'dust:0', 10, credits)).toBe(false);
    expect(await store.setUpstreamStatus('LTC', 'dust:0', 'pending', 'credited')).toBe(false);
    expect(await store.getUpstreamPayout('LTC', 'dust:0')).toMatchObject({ status: 'ignored' });
    expect(await store.getUpstreamPayout('LTC', 'dust:0')).not.toHaveProperty('credits');
  });

  it('finds where a PROP period starts: the highest split below the height, one in the same block shares it', async () => {
    expect(await store.previousSplitHeight('LTC', 100)).toBe(-1);
    await store.markUpstreamSplit('LTC', 'a:0', 90);
    await store.markUpstreamSplit('LTC', 'b:0', 100);
    await store.markUpstreamSplit('LTC', 'b:1', 100);
    await store.markUpstreamSplit('LTC', 'c:0', 1_000);
    await store.markUpstreamSplit('LTC', 'c:0', 1_000); // again after a crash: the same item
    expect(await store.previousSplitHeight('LTC', 110)).toBe(100);
    expect(await store.previousSplitHeight('LTC', 100)).toBe(90);
    expect(await store.previousSplitHeight('LTC', 90)).toBe(-1);
    // Digits compare as numbers: 1000 is above 999.
    expect(await store.previousSplitHeight('LTC', 2_000)).toBe(1_000);
    expect(await store.previousSplitHeight('LTC', 999)).toBe(100);
  });

  it('reads one item for a PROP period start however many payouts came before', async () => {
    const doc = createDocumentClient(dynamo.client);
    let read = 0;
    const send = doc.send.bind(doc) as (c: unknown) => Promise<{ ScannedCount?: number; Item?: unknown }>;
    const counting = Object.create(doc) as typeof doc;
    counting.send = (async (command: unknown) => {
      const out = await send(command);
      read += out.ScannedCount ?? (out.Item ? 1 : 0);
      return out;
    }) as typeof doc.send;
    const names = dynamo.lastTables!;
    const counted = new DynamoUpstreamPayoutStore(counting, () => names);
    const readsAfter = async (history: number) => {
      for (let h = 0; h < history; h++) await store.markUpstreamSplit('LTC', `t${h}:0`, 1_000 + h);
      read = 0;
      expect(await counted.previousSplitHeight('LTC', 1_000_000)).toBe(1_000 + history - 1);
      return read;
    };
    const few = await readsAfter(3);
    const many = await readsAfter(60);
    expect(few).toBe(1);
    expect(many).toBe(few);
  });
});
