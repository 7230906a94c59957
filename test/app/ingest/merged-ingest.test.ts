import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAuxAddressStore } from '../../../adapters/aws/dynamo-aux-address-store.js';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { createDynamoShareStores, type DynamoShareStores } from '../../../adapters/aws/dynamo-share-store.js';
import { ensureTables, tableNames } from '../../../adapters/aws/tables.js';
import { type IngestDeps, ingestMessages } from '../../../app/ingest/ingest.js';
import type { AuxFoundBlock, FoundBlock } from '../../../core/blocks/block.js';
import type { ShareIngestStore } from '../../../core/ports/share-store.js';
import type { AuxAddressClaim, ShareBatch } from '../../../core/shares/share.js';
import { batch, MINER_A, MINER_B, share } from '../../core/shares/fixtures.js';
import { crashingStore, type Dynamo, startDynamo } from '../../helpers/dynamo.js';

// Merged mining through the ingest use case on dynalite: LTC batches whose shares found DOGE blocks, and miners'
// DOGE payout addresses, land in DOGE's tables; once however often a batch is delivered.

const T0 = 1_700_000_040_000;

let dynamo: Dynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

let prefixes = 0;
let deliveries = 0;
/** LTC, DOGE (merged with LTC) and PEP (configured, but not merged here) tables under a fresh prefix. */
async function fresh() {
  const prefix = `mm${prefixes++}`;
  for (const coin of ['LTC', 'DOGE', 'PEP']) await ensureTables(dynamo.client, prefix, coin);
  const doc = createDocumentClient(dynamo.client);
  const stores = createDynamoShareStores({ doc, tables: (c) => tableNames(prefix, c) });
  const addresses = new DynamoAuxAddressStore({ doc, ledgerTable: (c) => tableNames(prefix, c).ledger });
  return { stores, addresses };
}

interface Logged {
  warn: Array<Record<string, unknown>>;
}

function deps(store: ShareIngestStore, addresses: DynamoAuxAddressStore, logged: Logged = { warn: [] }): IngestDeps {
  const doge = new Set(['DOGE']);
  return {
    store,
    log: { info() {}, warn: (o: object) => void logged.warn.push(o as Record<string, unknown>), error() {} },
    // Each delivery a little later: a lease a dead attempt left (leaseMs 1) has run out by the next.
    now: () => T0 + 60_000 + 10 * deliveries++,
    leaseMs: 1,
    auxCoinsOf: (coin) => (coin === 'LTC' ? doge : new Set()),
    auxAddresses: addresses,
  };
}

const message = (id: string, ...batches: ShareBatch[]) => ({ messageId: id, body: JSON.stringify(batches[0]) });

const dogeBlock = (over: Partial<AuxFoundBlock> = {}): AuxFoundBlock => ({
  coin: 'DOGE',
  height: 5_000,
  hash: 'd0'.repeat(32),
  reward: '1000000000000',
  networkDifficulty: 3,
  submitResult: 'accepted',
  ...over,
});
const ltcBlock: FoundBlock = {
  height: 101,
  hash: 'a1'.repeat(32),
  reward: '625000000',
  networkDifficulty: 4000,
  submitResult: 'accepted',
};

async function roundShares(stores: DynamoShareStores, height: number) {
  return (await stores.rounds.getRoundShares('LTC', height)).total;
}

describe('ingest of merged mining', () => {
  it("records a share's aux block in the aux coin's blocks table, with its finder and the LTC round that pays it", async () => {
    const { stores, addresses } = await fresh();
    const auxOnly = share({
      miner: MINER_B,
      worker: 'rig9',
      height: 101,
      difficulty: 16,
      actualDifficulty: 70_000,
      timestamp: T0 + 5,
      auxBlocks: [dogeBlock()],
    });
    const b = batch('b1', [share({ height: 101, timestamp: T0 }), auxOnly]);
    const out = await ingestMessages([message('m1', b)], deps(stores.ingest, addresses));
    expect(out).toEqual({ failed: [], blocksFound: new Map([['DOGE', 1]]) });
    const { coin: _aux, ...found } = dogeBlock();
    expect(await stores.poolStats.listBlocks('DOGE')).toEqual([
      {
        ...found,
        coin: 'DOGE',
        status: 'pending',
        miner: MINER_B,
        worker: 'rig9',
        shareDifficulty: 16,
        actualDifficulty: 70_000,
        time: T0 + 5,
        round: { coin: 'LTC', height: 101 },
      },
    ]);
    expect(await stores.ingest.blockBatch('DOGE', 5_000, dogeBlock().hash)).toBe('b1');
    expect(await stores.poolStats.listBlocks('LTC')).toEqual([]);
    expect(await roundShares(stores, 101)).toEqual({ shares: 2, difficulty: 24 });

    // Redelivered: nothing twice, and no block newly found.
    const again = await ingestMessages([message('m1', b)], deps(stores.ingest, addresses));
    expect(again).toEqual({ failed: [], blocksFound: new Map() });
    expect(await stores.poolStats.listBlocks('DOGE')).toHaveLength(1);
    expect(await roundShares(stores, 101)).toEqual({ shares: 2, difficulty: 24 });
  });

  it('records both blocks of a share that found an LTC and a DOGE block, each in its own table', async () => {
    const { stores, addresses } = await fresh();
    const both = share({ height: 101, timestamp: T0, block: ltcBlock, auxBlocks: [dogeBlock()] });
    const out = await ingestMessages([message('m1', batch('b1', [both]))], deps(stores.ingest, addresses));
    expect(out.blocksFound).toEqual(
      new Map([
        ['LTC', 1],
        ['DOGE', 1],
      ]),
    );
    expect((await stores.poolStats.listBlocks('LTC')).map((b) => [b.hash, b.round])).toEqual([
      [ltcBlock.hash, undefined],
    ]);
    expect((await stores.poolStats.listBlocks('DOGE')).map((b) => [b.hash, b.round])).toEqual([
      [dogeBlock().hash, { coin: 'LTC', height: 101 }],
    ]);
  });

  it('records an aux block two batches carry once, and counts its share only in the batch that recorded it', async () => {
    const { stores, addresses } = await fresh();
    const found = share({ height: 101, difficulty: 16, timestamp: T0, auxBlocks: [dogeBlock()] });
    await ingestMessages([message('m1', batch('b1', [found]))], deps(stores.ingest, addresses));
    // The same share resent under another batch id (a stratum process forked again on its spool), with a new share.
    const resent = batch('b2', [found, share({ height: 101, difficulty: 4, timestamp: T0 + 1 })]);
    const out = await ingestMessages([message('m2', resent)], deps(stores.ingest, addresses));
    expect(out.failed).toEqual([]);
    expect(await stores.poolStats.listBlocks('DOGE')).toHaveLength(1);
    expect(await stores.ingest.blockBatch('DOGE', 5_000, dogeBlock().hash)).toBe('b1');
    expect(await roundShares(stores, 101)).toEqual({ shares: 2, difficulty: 20 });
  });

  it('records everything once when the first attempt died at any write', async () => {
    const b: ShareBatch = {
      ...batch('b1', [
        share({ height: 101, timestamp: T0, auxBlocks: [dogeBlock()] }),
        share({ miner: MINER_B, height: 101, timestamp: T0 + 1, block: ltcBlock }),
      ]),
      auxAddresses: [{ miner: MINER_A, coin: 'DOGE', address: 'D-first' }],
    };
    // Every write of the batch (12: the batch item, two blocks, the slices, three counters, applied, three guards,
    // cleaned), dying before it reaches the table or after; past the last one the attempt no longer dies.
    let crashes = 0;
    for (let crashAt = 0; ; crashAt++) {
      const { stores: probe, addresses: probeAddresses } = await fresh();
      const survives = await ingestMessages(
        [message('m1', b)],
        deps(crashingStore(probe.ingest, crashAt, false), probeAddresses),
      );
      if (survives.failed.length === 0) break;
      for (const afterWrite of [false, true]) {
        const { stores, addresses } = await fresh();
        const dying = await ingestMessages(
          [message('m1', b)],
          deps(crashingStore(stores.ingest, crashAt, afterWrite), addresses),
        );
        expect(dying.failed).toEqual(['m1']);
        crashes++;
        await ingestMessages([message('m1', b)], deps(stores.ingest, addresses));
        await ingestMessages([message('m1', b)], deps(stores.ingest, addresses));
        expect(await stores.poolStats.listBlocks('DOGE')).toHaveLength(1);
        expect(await stores.poolStats.listBlocks('LTC')).toHaveLength(1);
        expect(await roundShares(stores, 101)).toEqual({ shares: 2, difficulty: 16 });
        expect((await addresses.getAuxAddress('DOGE', MINER_A))?.address).toBe('D-first');
      }
    }
    expect(crashes).toBe(24);
  });

  it('ingests the shares of a batch naming an aux coin not merged here, without that block or address (logged)', async () => {
    const { stores, addresses } = await fresh();
    const logged: Logged = { warn: [] };
    const b: ShareBatch = {
      ...batch('b1', [share({ height: 101, timestamp: T0, auxBlocks: [dogeBlock({ coin: 'PEP' })] })]),
      auxAddresses: [{ miner: MINER_A, coin: 'PEP', address: 'P1' }],
    };
    const out = await ingestMessages([message('m1', b)], deps(stores.ingest, addresses, logged));
    expect(out).toEqual({ failed: [], blocksFound: new Map() });
    expect(await roundShares(stores, 101)).toEqual({ shares: 1, difficulty: 8 });
    expect(await stores.poolStats.listBlocks('PEP')).toEqual([]);
    expect(await addresses.listAuxAddresses('PEP')).toEqual(new Map());
    expect(logged.warn.map((w) => [w.auxCoin, w.what])).toEqual([
      ['PEP', 'block'],
      ['PEP', 'address'],
    ]);
  });

  it('keeps the first aux address per miner across batches and within one, for the merged coin only', async () => {
    const { stores, addresses } = await fresh();
    const claims = (...c: Array<[string, string]>): AuxAddressClaim[] =>
      c.map(([miner, address]) => ({ miner, coin: 'DOGE', address }));
    const first: ShareBatch = {
      ...batch('b1', [share({ timestamp: T0 })]),
      auxAddresses: claims([MINER_A, 'D-a1'], [MINER_A, 'D-a2']),
    };
    // A later batch (a minutes summary carries them in queue mode) cannot move MINER_A's address; MINER_B gets one.
    const later: ShareBatch = {
      ...batch('b2', [share({ timestamp: T0 })]),
      views: 'minutes',
      auxAddresses: claims([MINER_A, 'D-thief'], [MINER_B, 'D-b1']),
    };
    const out = await ingestMessages([message('m1', first), message('m2', later)], deps(stores.ingest, addresses));
    expect(out.failed).toEqual([]);
    const all = await addresses.listAuxAddresses('DOGE');
    expect(new Map([...all].map(([k, v]) => [k, [v.address, v.source]]))).toEqual(
      new Map([
        [MINER_A, ['D-a1', 'password']],
        [MINER_B, ['D-b1', 'password']],
      ]),
    );
    // A signed change replaces it; a password batch after that does not undo it.
    await addresses.setSignedAuxAddress('DOGE', MINER_A, 'D-signed', T0 + 120_000);
    await ingestMessages([message('m3', { ...first, batchId: 'b3' })], deps(stores.ingest, addresses));
    expect((await addresses.getAuxAddress('DOGE', MINER_A))?.address).toBe('D-signed');
  });

  it('ingests a batch of addresses alone', async () => {
    const { stores, addresses } = await fresh();
    const alone: ShareBatch = { ...batch('b1', []), auxAddresses: [{ miner: MINER_B, coin: 'DOGE', address: 'D-b' }] };
    expect((await ingestMessages([message('m1', alone)], deps(stores.ingest, addresses))).failed).toEqual([]);
    expect((await addresses.getAuxAddress('DOGE', MINER_B))?.address).toBe('D-b');
  });
});
