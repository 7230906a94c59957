import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoRoundShareReader } from '../../../adapters/aws/dynamo-round-shares.js';
import { tableNames } from '../../../adapters/aws/tables.js';
import { MINER_A, MINER_B } from '../../core/shares/fixtures.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { BOTH_VIEWS, slice } from './share-fixtures.js';

describe('the round reader on dynalite', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it("sums a round's packed parts of every batch per miner and per worker, PoT credit included", async () => {
    const { ingest, rounds } = await dynamo.freshStore();
    await ingest.putSlices(
      'LTC',
      'b1',
      [
        slice({ miner: MINER_A, worker: 'rig1', shares: 2, difficulty: 16, credit: 20 }),
        slice({ miner: MINER_A, worker: 'rig2', shares: 1, difficulty: 8, credit: 8 }),
        slice({ miner: MINER_B, height: 101 }),
      ],
      BOTH_VIEWS,
    );
    await ingest.putSlices('LTC', 'b2', [slice({ miner: MINER_A, worker: 'rig1', credit: 30 })], BOTH_VIEWS);
    // A repeated batch writes nothing twice.
    await ingest.putSlices('LTC', 'b2', [slice({ miner: MINER_A, worker: 'rig1', credit: 30 })], BOTH_VIEWS);
    await ingest.addToCounter('LTC', 'b1', { counter: { kind: 'round', height: 100 }, shares: 4, difficulty: 32 });

    const round = await rounds.getRoundShares('LTC', 100);
    expect(round.total).toEqual({ shares: 4, difficulty: 32 });
    expect(round.miners).toEqual([{ miner: MINER_A, shares: 4, difficulty: 32, credit: 58 }]);
    expect(round.workers).toEqual([
      { miner: MINER_A, worker: 'rig1', shares: 3, difficulty: 24, credit: 50 },
      { miner: MINER_A, worker: 'rig2', shares: 1, difficulty: 8, credit: 8 },
    ]);
    expect(await rounds.getRoundTotal('LTC', 100)).toEqual({ shares: 4, difficulty: 32 });
    expect((await rounds.getRoundShares('LTC', 101)).miners).toEqual([{ miner: MINER_B, shares: 1, difficulty: 8 }]);
    expect(await rounds.getRoundTotal('LTC', 102)).toEqual({ shares: 0, difficulty: 0 });
  });

  it('reads a range of heights in a few requests: the rounds mined in it, highest first, as each reads alone', async () => {
    const { ingest, rounds } = await dynamo.freshStore();
    const mined = [3, 50, 120, 121, 249];
    for (const [n, height] of mined.entries()) {
      const parts = [
        slice({ miner: MINER_A, height, difficulty: 8 + n }),
        slice({ miner: MINER_B, height, worker: 'x' }),
      ];
      await ingest.putSlices('LTC', `b${n}`, parts, BOTH_VIEWS);
      await ingest.addToCounter('LTC', `b${n}`, { counter: { kind: 'round', height }, shares: 2, difficulty: 16 + n });
    }
    // A round with a total but no parts of its own (its batch wrote minutes only) has no miners: left out.
    await ingest.addToCounter('LTC', 'm', { counter: { kind: 'round', height: 200 }, shares: 1, difficulty: 8 });
    const doc = createDocumentClient(dynamo.client);
    const sent: string[] = [];
    const send = doc.send.bind(doc) as (c: unknown) => Promise<unknown>;
    (doc as { send: unknown }).send = (command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      return send(command);
    };
    const prefix = dynamo.lastTables!.shares.replace(/-ltc-shares$/, '');
    const reader = new DynamoRoundShareReader({ doc, tables: (c) => tableNames(prefix, c) });

    const range = await reader.getRoundsBetween('LTC', 0, 260);
    expect(range.map((r) => r.height)).toEqual([249, 121, 120, 50, 3]);
    for (const r of range) expect(r).toEqual(await rounds.getRoundShares('LTC', r.height));
    // 261 heights: their totals in three batches of keys, then one Query per round that has a total
    expect(sent.filter((c) => c === 'BatchGetCommand')).toHaveLength(3);
    expect(sent.filter((c) => c === 'QueryCommand')).toHaveLength(6);
    expect((await reader.getRoundsBetween('LTC', 100, 130)).map((r) => r.height)).toEqual([121, 120]);
    expect(await reader.getRoundsBetween('LTC', 250, 300)).toEqual([]);
  });

  it("holds only what a batch's views wrote: a minutes-only batch adds nothing to the rounds", async () => {
    const { ingest, rounds, miners } = await dynamo.freshStore();
    await ingest.putSlices('LTC', 'm1', [slice({ miner: MINER_A })], { rounds: false, minutes: true });
    expect((await rounds.getRoundShares('LTC', 100)).miners).toEqual([]);
    expect((await miners.getMinerStats('LTC', MINER_A, 0)).total).toEqual({ shares: 1, difficulty: 8 });
  });
});
