import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShareIngestStore } from '../../../core/ports/share-store.js';
import type { Share, ShareBatch } from '../../../core/shares/share.js';
import { run } from '../../../lambdas/ingest/handler.js';
import { MINER_A, MINER_B, share } from '../../core/shares/fixtures.js';
import { crashingStore, type Dynamo, minerTotal, silentLog, sqsEvent, startDynamo } from '../../helpers/dynamo.js';

/**
 * Ingest on a coin whose shares are not bound to their connection (the Ethereum family: an EthProxy miner chooses the
 * whole nonce, so one share can be sent to every stratum process and task, and each accepts it once): each share's
 * PoW hash is claimed for its batch before the batch is counted. On dynalite, through the Lambda's `run`.
 */

const T0 = 1_700_000_040_000;
const hash = (n: number) => n.toString(16).padStart(64, '0');

let dynamo: Dynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

function deps(store: ShareIngestStore, claimShares: boolean, now = T0) {
  return { store, log: silentLog, now: () => now, leaseMs: 60_000, requestId: 'req', claimShares };
}

const etcShare = (n: number, over: Partial<Share> = {}): Share =>
  share({ coin: 'ETC', miner: MINER_A, height: 100, difficulty: 8, timestamp: T0 + n, hash: hash(n), ...over });
const etcBatch = (batchId: string, shares: Share[]): ShareBatch => ({ v: 1, batchId, coin: 'ETC', shares });
const body = (b: ShareBatch) => JSON.stringify(b);

/** The share claims the store holds: hash → the batch that made it. */
async function claims(dynamo: Dynamo): Promise<Map<string, string>> {
  const { Items = [] } = await dynamo.client.send(new ScanCommand({ TableName: dynamo.lastTables!.shares }));
  const out = new Map<string, string>();
  for (const i of Items) if (i.pk?.S?.startsWith('SHARE#')) out.set(i.pk.S.slice('SHARE#'.length), i.batchId!.S!);
  return out;
}

describe('ingest share claims (shares not bound to a connection)', () => {
  it('counts a share that two stratum processes queued in two batches once, for the batch that claimed it first', async () => {
    const store = await dynamo.freshStore('ETC');
    const warnings: string[] = [];
    const log = { ...silentLog, warn: (_: object, msg: string) => void warnings.push(msg) };
    // The same share (hash 1) accepted by process p0 of task A and process p1 of task B, each with a share of its own.
    const fromA = etcBatch('taskA-p0-1', [etcShare(1), etcShare(2)]);
    const fromB = etcBatch('taskB-p1-1', [etcShare(3, { miner: MINER_B }), { ...etcShare(1), timestamp: T0 + 9 }]);
    await run(sqsEvent([{ messageId: 'a', body: body(fromA) }]), { ...deps(store.ingest, true), log });
    await run(sqsEvent([{ messageId: 'b', body: body(fromB) }]), { ...deps(store.ingest, true), log });
    expect((await store.rounds.getRoundShares('ETC', 100)).total).toEqual({ shares: 3, difficulty: 24 });
    expect((await minerTotal(store.miners, 'ETC', MINER_A)).shares).toBe(2);
    expect((await minerTotal(store.miners, 'ETC', MINER_B)).shares).toBe(1);
    expect(warnings).toEqual(['repeated shares (same hash) counted once']);
    expect(await claims(dynamo)).toEqual(
      new Map([
        [hash(1), 'taskA-p0-1'],
        [hash(2), 'taskA-p0-1'],
        [hash(3), 'taskB-p1-1'],
      ]),
    );
  });

  it('counts a share once when its two batches are ingested at the same moment by two consumers', async () => {
    const store = await dynamo.freshStore('ETC');
    const shares = Array.from({ length: 40 }, (_, n) => etcShare(n));
    const a = etcBatch('race-a', shares);
    const b = etcBatch('race-b', [...shares].reverse());
    await Promise.all([
      run(sqsEvent([{ messageId: 'a', body: body(a) }]), deps(store.ingest, true)),
      run(sqsEvent([{ messageId: 'b', body: body(b) }]), deps(store.ingest, true)),
    ]);
    expect((await store.rounds.getRoundShares('ETC', 100)).total).toEqual({ shares: 40, difficulty: 320 });
    expect((await claims(dynamo)).size).toBe(40);
  });

  it('counts a redelivered batch’s shares once, not zero: the batch recognises its own claims', async () => {
    const store = await dynamo.freshStore('ETC');
    const b = etcBatch('redo-1', [etcShare(1), etcShare(2), etcShare(3)]);
    // The first attempt dies after its claims (1 batch item + 3 claims) and one counter write.
    const dying = crashingStore(store.ingest, 5, true);
    const first = await run(sqsEvent([{ messageId: 'm1', body: body(b) }]), { ...deps(dying, true), leaseMs: 1 });
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect((await claims(dynamo)).size).toBe(3);
    const retry = deps(store.ingest, true, T0 + 10); // the dead attempt's lease ran out
    const again = await run(sqsEvent([{ messageId: 'm1', body: body(b), receiveCount: 2 }]), retry);
    expect(again.batchItemFailures).toEqual([]);
    // And once more after it was done (SQS at-least-once): still counted once.
    await run(sqsEvent([{ messageId: 'm1', body: body(b), receiveCount: 3 }]), retry);
    expect((await store.rounds.getRoundShares('ETC', 100)).total).toEqual({ shares: 3, difficulty: 24 });
    expect((await minerTotal(store.miners, 'ETC', MINER_A)).shares).toBe(3);
  });

  it('records a block found by a share two processes sent once, with the batch that claimed the share', async () => {
    const store = await dynamo.freshStore('ETC');
    const found = { height: 100, hash: hash(7), reward: '2048000000000000000', networkDifficulty: 4000 };
    const finder = etcShare(7, { miner: MINER_B, block: { ...found, submitResult: 'accepted' } });
    const twin = etcShare(7, { miner: MINER_B, block: { ...found, submitResult: 'error: already known' } });
    await run(sqsEvent([{ messageId: 'a', body: body(etcBatch('blk-a', [finder])) }]), deps(store.ingest, true));
    await run(sqsEvent([{ messageId: 'b', body: body(etcBatch('blk-b', [twin])) }]), deps(store.ingest, true));
    expect((await store.rounds.getRoundShares('ETC', 100)).total).toEqual({ shares: 1, difficulty: 8 });
    const blocks = await store.poolStats.listBlocks('ETC');
    expect(blocks.map((b) => [b.hash, b.submitResult])).toEqual([[hash(7), 'accepted']]);
  });

  it('makes no claims for a coin whose shares are bound to their connection (Bitcoin family)', async () => {
    const store = await dynamo.freshStore('LTC');
    const ltc = (id: string, n: number) => ({ ...etcBatch(id, [etcShare(n, { coin: 'LTC' })]), coin: 'LTC' });
    await run(sqsEvent([{ messageId: 'a', body: body(ltc('ltc-a', 1)) }]), deps(store.ingest, false));
    await run(sqsEvent([{ messageId: 'b', body: body(ltc('ltc-b', 2)) }]), deps(store.ingest, false));
    expect((await store.rounds.getRoundShares('LTC', 100)).total).toEqual({ shares: 2, difficulty: 16 });
    expect((await claims(dynamo)).size).toBe(0);
  });
});
