import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAuxAddressStore } from '../../../adapters/aws/dynamo-aux-address-store.js';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoPoolStatsReader } from '../../../adapters/aws/dynamo-pool-stats.js';
import { DynamoShareIngestStore } from '../../../adapters/aws/dynamo-share-ingest-store.js';
import { ensureTables } from '../../../adapters/aws/tables.js';
import { ConfigError, StorageError } from '../../../core/errors.js';
import { ingestEnvSchema, ingestLambda, ingestTables, run } from '../../../lambdas/ingest/handler.js';
import { lambdaDeps } from '../../../lambdas/shared/pool-handler.js';
import { batch, MINER_A, share } from '../../core/shares/fixtures.js';
import { type Dynamo, silentLog, sqsEvent, startDynamo } from '../../helpers/dynamo.js';

const env = { POOL_COIN: 'LTC', SHARES_TABLE: 'ltc-s', STATS_TABLE: 'ltc-t', BLOCKS_TABLE: 'ltc-b' };
const auxEnv = (aux: unknown) => ({ ...env, POOL_AUX_COINS: JSON.stringify(aux) });
const DOGE_TABLES = { coin: 'DOGE', blocksTable: 'doge-b', ledgerTable: 'doge-l' };

describe('ingest Lambda: aux coins from the environment', () => {
  it("reads POOL_AUX_COINS: the LTC function's batches may name DOGE, no other coin's", async () => {
    const deps = await lambdaDeps(ingestLambda, auxEnv([DOGE_TABLES]));
    expect(deps.auxCoinsOf?.('LTC')).toEqual(new Set(['DOGE']));
    expect(deps.auxCoinsOf?.('BTC')).toEqual(new Set());
    expect(deps.auxAddresses).toBeInstanceOf(DynamoAuxAddressStore);
    const none = await lambdaDeps(ingestLambda, env);
    expect(none.auxCoinsOf).toBeUndefined();
    expect(none.auxAddresses).toBeUndefined();
  });

  it.each([
    ['not JSON', 'nope'],
    ['an aux coin without its ledger table', JSON.stringify([{ coin: 'DOGE', blocksTable: 'b' }])],
    ['an unknown key', JSON.stringify([{ ...DOGE_TABLES, sharesTable: 's' }])],
    ['the same aux coin twice', JSON.stringify([DOGE_TABLES, DOGE_TABLES])],
  ])('refuses POOL_AUX_COINS with %s, by name', async (_, value) => {
    const err = await lambdaDeps(ingestLambda, { ...env, POOL_AUX_COINS: value }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.join('\n')).toMatch(/POOL_AUX_COINS/);
  });

  it("resolves its coin's tables and an aux coin's blocks table, and refuses anything else by name", () => {
    const tables = ingestTables(ingestEnvSchema.parse(auxEnv([DOGE_TABLES])));
    expect(tables('LTC')).toEqual({ shares: 'ltc-s', stats: 'ltc-t', blocks: 'ltc-b' });
    expect(tables('DOGE').blocks).toBe('doge-b');
    expect(() => tables('DOGE').shares).toThrow(/only the blocks table of aux coin DOGE/);
    expect(() => tables('DOGE').stats).toThrow(StorageError);
    expect(() => tables('PEP')).toThrow(/serves LTC, not PEP/);
  });
});

describe('ingest Lambda on dynalite: an aux block', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it("goes to the aux coin's blocks table named in the environment and counts as that coin's block found", async () => {
    const ltc = await ensureTables(dynamo.client, 'lam', 'LTC');
    const doge = await ensureTables(dynamo.client, 'lam', 'DOGE');
    const cfg = ingestEnvSchema.parse({
      POOL_COIN: 'LTC',
      SHARES_TABLE: ltc.shares,
      STATS_TABLE: ltc.stats,
      BLOCKS_TABLE: ltc.blocks,
      POOL_AUX_COINS: JSON.stringify([{ coin: 'DOGE', blocksTable: doge.blocks, ledgerTable: doge.ledger }]),
    });
    const doc = createDocumentClient(dynamo.client);
    const store = new DynamoShareIngestStore({ doc, tables: ingestTables(cfg) });
    const addresses = new DynamoAuxAddressStore({ doc, ledgerTable: () => doge.ledger });
    const auxBlock = {
      coin: 'DOGE',
      height: 42,
      hash: 'dd'.repeat(32),
      reward: '1000000000000',
      networkDifficulty: 1,
      submitResult: 'accepted',
    };
    const body = JSON.stringify({
      ...batch('b1', [share({ height: 7, auxBlocks: [auxBlock] })]),
      auxAddresses: [{ miner: MINER_A, coin: 'DOGE', address: 'D-a' }],
    });
    const lines: string[] = [];
    const res = await run(sqsEvent([{ messageId: 'm1', body }]), {
      store,
      log: silentLog,
      now: () => 1_700_000_000_000,
      auxCoinsOf: (c) => (c === 'LTC' ? new Set(['DOGE']) : new Set()),
      auxAddresses: addresses,
      emit: (l) => void lines.push(l),
    });
    expect(res.batchItemFailures).toEqual([]);
    const blocks = new DynamoPoolStatsReader({ doc, tables: () => doge });
    expect((await blocks.listBlocks('DOGE')).map((b) => [b.height, b.round, b.miner])).toEqual([
      [42, { coin: 'LTC', height: 7 }, MINER_A],
    ]);
    expect(lines.map((l) => JSON.parse(l)).map((m) => [m.Coin, m.BlocksFound])).toEqual([['DOGE', 1]]);
    expect((await addresses.getAuxAddress('DOGE', MINER_A))?.address).toBe('D-a');
  });
});
