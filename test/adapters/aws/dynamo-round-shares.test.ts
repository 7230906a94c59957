import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it("holds only what a batch's views wrote: a minutes-only batch adds nothing to the rounds", async () => {
    const { ingest, rounds, miners } = await dynamo.freshStore();
    await ingest.putSlices('LTC', 'm1', [slice({ miner: MINER_A })], { rounds: false, minutes: true });
    expect((await rounds.getRoundShares('LTC', 100)).miners).toEqual([]);
    expect((await miners.getMinerStats('LTC', MINER_A, 0)).total).toEqual({ shares: 1, difficulty: 8 });
  });
});
