import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoLiveStats, putLiveSnapshot } from '../../../adapters/aws/dynamo-live-stats.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { BitcoinChainReader } from '../../../adapters/rpc/bitcoin-chain-reader.js';
import { confirmBlocks } from '../../../app/confirm/confirm.js';
import { runPayouts } from '../../../app/payouts/payouts.js';
import { type ApiDeps, handleApi } from '../../../app/stats/api.js';
import * as schema from '../../../app/stats/schema.js';
import { getCoin } from '../../../core/coins/index.js';
import { rewardsConfigSchema } from '../../../core/rewards/config.js';
import { ingestBatch } from '../../../core/shares/ingest-batch.js';
import type { Share } from '../../../core/shares/share.js';
import { ADDRESS, regtestAddress } from '../../fargate/stratum/fakes.js';
import { type Dynamo, silentLog, startDynamo } from '../../helpers/dynamo.js';

const LTC = getCoin('LTC');
const POOL_WALLET = regtestAddress(9);
const OTHER = regtestAddress(6);
const NOW = 1_700_000_000_000;
const BLOCK_HASH = 'ab'.repeat(32);

/**
 * Every endpoint's real answer checked against the documented schema, on storage filled by the real pipeline:
 * ingest of share batches (one finding a block), confirmation to maturity, a payout sent and confirmed, and a
 * stratum process's live snapshot.
 */
describe('stats API responses match the schema', () => {
  let dynamo: Dynamo;
  let deps: ApiDeps;

  const get = async (path: string, query = '') => {
    const res = await handleApi({ method: 'GET', path, query: new URLSearchParams(query) }, deps);
    return { ...res, json: res.headers['content-type']?.startsWith('application/json') ? JSON.parse(res.body) : null };
  };

  beforeAll(async () => {
    dynamo = await startDynamo();
    const shares = await dynamo.freshStore();
    const names = dynamo.lastTables!;
    const doc = createDocumentClient(dynamo.client);
    const money = new DynamoMoneyStore(doc, () => names);
    const share = (miner: string, worker: string, ago: number, extra: Partial<Share> = {}): Share => ({
      coin: 'LTC',
      miner,
      worker,
      height: 10,
      difficulty: 64,
      actualDifficulty: 64,
      networkDifficulty: 0.5 * 65536,
      timestamp: NOW - ago,
      ...extra,
    });
    await ingestBatch(
      shares.ingest,
      {
        v: 1,
        batchId: 'b1',
        coin: 'LTC',
        shares: [
          share(ADDRESS, 'rig1', 30_000),
          share(ADDRESS, 'old', 20 * 60_000), // silent past the 10-minute threshold: offline
          share(OTHER, '', 60_000, {
            block: {
              height: 10,
              hash: BLOCK_HASH,
              reward: '5000000000',
              networkDifficulty: 0.5 * 65536,
              submitResult: 'accepted',
            },
          }),
        ],
        rejected: [
          { miner: ADDRESS, worker: 'rig1', timestamp: NOW - 40_000, stale: 2, invalid: 1, duplicate: 1 },
          // A worker whose every share was refused.
          { miner: ADDRESS, worker: 'broken', timestamp: NOW - 40_000, stale: 0, invalid: 7, duplicate: 0 },
        ],
      },
      { claim: 'c', now: () => NOW, leaseMs: 1000 },
    );
    const chain = {
      getBlockHash: async () => '',
      getBlockCount: async () => 10 + LTC.coinbaseMaturity + 1,
      getBlock: async <T>() =>
        ({
          confirmations: LTC.coinbaseMaturity + 1,
          tx: [{ vout: [{ value: 50, scriptPubKey: { address: POOL_WALLET } }] }],
        }) as T,
    };
    const rewards = rewardsConfigSchema.parse({
      scheme: 'PROP',
      feeBasisPoints: 100,
      feeWallets: [{ address: POOL_WALLET }],
    });
    await confirmBlocks({
      coin: LTC,
      rewards,
      shares: shares.rounds,
      money,
      chain: new BitcoinChainReader(chain, POOL_WALLET, 8),
      log: silentLog,
      now: () => NOW,
    });
    const sender = {
      send: async () => 'tx'.padEnd(64, '0'),
      findPayout: async () => [],
      confirmations: async () => 10,
      spendable: async () => 100n * 10n ** 8n,
    };
    const payoutDeps = {
      coin: 'LTC',
      policy: { minimum: 1000n, maxRecipients: 10, inactiveAfterMs: 0 },
      money,
      sender,
      log: silentLog,
      now: () => NOW,
    };
    await runPayouts(payoutDeps); // pending → sent
    await runPayouts(payoutDeps); // sent → confirmed
    await putLiveSnapshot(doc, names.stats, 1, {
      jobHeight: 122,
      networkDifficulty: 0.5 * 65536,
      miners: 2,
      workers: 3,
      windowMs: 600_000,
      at: NOW - 5_000,
    });
    deps = {
      pool: {
        name: 'schema pool',
        coins: [
          {
            symbol: 'LTC',
            network: 'regtest',
            scheme: 'PROP',
            feeBasisPoints: 100,
            payoutMinimum: '1000',
            stratumHost: 'ltc.pool.example',
            ports: [{ port: 3333, tls: false, difficulty: { initial: 64, min: 8, max: 4096 } }],
          },
        ],
      },
      rounds: shares.rounds,
      miners: shares.miners,
      poolStats: shares.poolStats,
      money,
      live: new DynamoLiveStats(
        doc,
        () => names,
        () => NOW,
      ),
      now: () => NOW,
    };
  }, 60_000);

  afterAll(async () => {
    await dynamo.close();
  });

  it('/api/pools and /api/pools/{coin}: hashrate, miners online, network, blocks and effort', async () => {
    const all = schema.poolsSchema.parse((await get('/api/pools')).json);
    const ltc = schema.poolDetailSchema.parse((await get('/api/pools/ltc')).json);
    expect(all.coins).toEqual([ltc]);
    expect(ltc.hashrate['10m']).toBeGreaterThan(0);
    // The dashboard's miner command takes its `-a` from here (the coin registry's algorithm), never from the symbol.
    expect(ltc.algorithm).toBe('scrypt');
    expect(ltc.online).toEqual({ miners: 2, workers: 3, windowSeconds: 600 });
    expect(ltc.chain).toEqual({ height: 121, difficulty: 0.5, updatedAt: NOW - 5_000 });
    expect(ltc.blocksFound).toBe(1);
    expect(ltc.lastBlock).toMatchObject({ height: 10, hash: BLOCK_HASH, status: 'confirmed', finder: OTHER });
    // Round: 3 shares × 64 against a network difficulty of 0.5 × 65536.
    expect(ltc.effort['64']).toBeCloseTo((3 * 64) / 32_768, 9);
  });

  it('/api/pools/{coin}/blocks and /payments', async () => {
    const blocks = schema.blocksSchema.parse((await get('/api/pools/LTC/blocks')).json);
    expect(blocks.blocks).toHaveLength(1);
    expect(blocks.blocks[0]!.reward).toBe('5000000000');
    const payments = schema.paymentsSchema.parse((await get('/api/pools/LTC/payments')).json);
    expect(payments.payments).toHaveLength(1);
    expect(payments.payments[0]).toMatchObject({ status: 'confirmed', txid: 'tx'.padEnd(64, '0'), recipients: 3 });
  });

  it('/api/pools/{coin}/miners/{address}: workers with the silent one offline, balances, rewards, payments', async () => {
    const m = schema.minerSchema.parse((await get(`/api/pools/LTC/miners/${ADDRESS}`)).json);
    expect(m.workers.map((w) => [w.name, w.offline])).toEqual([
      ['broken', true],
      ['old', true],
      ['rig1', false],
    ]);
    // Accepted and refused shares of the last 3 hours, per worker.
    expect(
      m.workers.map(({ name, accepted, stale, invalid, duplicate }) => [name, accepted, stale, invalid, duplicate]),
    ).toEqual([
      ['broken', 0, 0, 7, 0],
      ['old', 1, 0, 0, 0],
      ['rig1', 1, 2, 1, 1],
    ]);
    expect(m.workers[0]).toMatchObject({ hashrate: 0, lastShareAt: 0 });
    expect(m.rewards).toHaveLength(1);
    expect(m.payments).toHaveLength(1);
    expect(m.payments[0]!.amount).toBe(m.balance.paid);
    expect(BigInt(m.balance.paid)).toBeGreaterThan(0n);
    expect(m.balance.confirmed).toBe('0');
  });

  it('/api/openapi.json documents every schema and each documented JSON path answers what it documents', async () => {
    const res = await get('/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.json as {
      openapi: string;
      paths: Record<
        string,
        { get: { responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> } }
      >;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components.schemas).sort()).toEqual(Object.keys(schema.namedSchemas).sort());
    const concrete = (path: string) => path.replace('{coin}', 'LTC').replace('{address}', ADDRESS);
    let checked = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      const ref = item.get.responses['200']?.content?.['application/json']?.schema?.$ref;
      if (!ref) continue;
      const name = ref.split('/').pop() as keyof typeof schema.namedSchemas;
      // The document's own JSON Schema (refs resolved within it), not the zod object it came from.
      const fromDoc = {
        $ref: `#/$defs/${name}`,
        $defs: JSON.parse(JSON.stringify(doc.components.schemas).replaceAll('#/components/schemas/', '#/$defs/')),
      };
      const answer = await get(concrete(path));
      expect(answer.status, path).toBe(200);
      schema.namedSchemas[name].parse(answer.json);
      const documented = z.fromJSONSchema(fromDoc as never);
      expect(documented.safeParse(answer.json).success, path).toBe(true);
      expect(documented.safeParse({ ...answer.json, undocumented: 1 }).success, path).toBe(false);
      checked++;
    }
    expect(checked).toBe(7);
  });

  it('answers bad input with 400 and the error schema, never 500', async () => {
    const bad = [
      '/api/pools/DOGE',
      `/api/pools/LTC/miners/${ADDRESS.slice(0, -1)}x`,
      `/api/pools/LTC/miners/not-an-address/export.csv`,
      '/api/pools/LTC/miners/%E0%A4%A',
    ];
    for (const path of bad) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      schema.errorSchema.parse(res.json);
    }
    expect((await get('/api/pools/LTC/payments', 'limit=abc')).status).toBe(400);
  });
});
