import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DynamoAuxAddressStore } from '../../../adapters/aws/dynamo-aux-address-store.js';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoLiveStats, putLiveSnapshot } from '../../../adapters/aws/dynamo-live-stats.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { BitcoinChainReader } from '../../../adapters/rpc/bitcoin-chain-reader.js';
import { confirmBlocks } from '../../../app/confirm/confirm.js';
import { runPayouts } from '../../../app/payouts/payouts.js';
import { type ApiDeps, handleApi } from '../../../app/stats/api.js';
import * as schema from '../../../app/stats/schema.js';
import { getCoin } from '../../../core/coins/index.js';
import type { PayoutRecord } from '../../../core/ledger/payouts.js';
import { rewardsConfigSchema } from '../../../core/rewards/config.js';
import { ingestBatch } from '../../../core/shares/ingest-batch.js';
import type { Share } from '../../../core/shares/share.js';
import { ADDRESS, regtestAddress } from '../../fargate/stratum/fakes.js';
import { type Dynamo, silentLog, startDynamo } from '../../helpers/dynamo.js';
import { testKey } from '../../helpers/message-signer.js';
import { memorySwitchingStore, seedAuxMoney } from './helpers.js';

const LTC = getCoin('LTC');
const POOL_WALLET = regtestAddress(9);
const OTHER = regtestAddress(6);
const NOW = 1_700_000_000_000;
const BLOCK_HASH = 'ab'.repeat(32);
/** Merged mining: a DOGE block found by OTHER's LTC share in round 10, and ADDRESS's DOGE payout address. */
const DOGE_BLOCK_HASH = 'cd'.repeat(32);
const DOGE_ADDRESS = testKey('DOGE', 'regtest', 5).address.p2pkh;

/** A switching port over LTC alone, paying in LTC (its miner pages list the LTC side). */
const SCRYPT_PORT = {
  name: 'scrypt',
  algorithm: 'scrypt',
  coins: ['LTC'],
  payoutCurrency: 'LTC',
  ports: [{ port: 3339, tls: false, difficulty: { initial: 64, min: 8, max: 4096 } }],
  stratumHost: null,
};
const switchingStore = memorySwitchingStore();

/**
 * Every endpoint's real answer checked against the documented schema, on storage filled by the real pipeline:
 * ingest of share batches (one finding a block), confirmation to maturity, a payout sent and confirmed, and a
 * stratum process's live snapshot.
 */
describe('stats API responses match the schema', () => {
  let dynamo: Dynamo;
  let deps: ApiDeps;
  let dogePayout: PayoutRecord;

  const get = async (path: string, query = '') => {
    const res = await handleApi({ method: 'GET', path, query: new URLSearchParams(query) }, deps);
    return { ...res, json: res.headers['content-type']?.startsWith('application/json') ? JSON.parse(res.body) : null };
  };

  beforeAll(async () => {
    dynamo = await startDynamo();
    // Each coin has its tables, as deployed: DOGE's blocks and ledger are its own.
    const dogeShares = await dynamo.freshStore('DOGE');
    const dogeNames = dynamo.lastTables!;
    const shares = await dynamo.freshStore();
    const names = dynamo.lastTables!;
    const tablesOf = (coin: string) => (coin === 'DOGE' ? dogeNames : names);
    const doc = createDocumentClient(dynamo.client);
    const money = new DynamoMoneyStore(doc, tablesOf);
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
    // Merged mining, as ingest and the DOGE money passes leave it: the aux block in DOGE's blocks table with the LTC
    // round that pays it, ADDRESS's DOGE credit matured and partly paid to its DOGE address, given in the password.
    dogePayout = await seedAuxMoney(dogeShares.ingest, money, {
      hash: DOGE_BLOCK_HASH,
      finder: OTHER,
      account: ADDRESS,
      auxAddress: DOGE_ADDRESS,
      now: NOW,
    });
    const auxAddresses = new DynamoAuxAddressStore({ doc, ledgerTable: () => dogeNames.ledger });
    await auxAddresses.offerAuxAddress('DOGE', ADDRESS, DOGE_ADDRESS, NOW - 100_000);
    deps = {
      auxAddresses,
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
          {
            symbol: 'DOGE',
            network: 'regtest',
            scheme: 'PPLNS',
            feeBasisPoints: 100,
            payoutMinimum: '100',
            stratumHost: null,
            ports: [],
            mergedWith: 'LTC',
          },
        ],
      },
      rounds: shares.rounds,
      miners: shares.miners,
      poolStats: shares.poolStats,
      money,
      live: new DynamoLiveStats(doc, tablesOf, () => NOW),
      now: () => NOW,
      switching: { ports: [SCRYPT_PORT], store: switchingStore },
    };
    await switchingStore.putState({
      port: 'scrypt',
      algorithm: 'scrypt',
      quote: 'BTC',
      current: 'LTC',
      since: NOW - 60_000,
      table: [
        {
          coin: 'LTC',
          earningsPerTerahash: '1.5',
          price: '0.001',
          priceAt: NOW - 1_000,
          healthy: true,
          eligible: true,
        },
      ],
      at: NOW,
    });
    await switchingStore.recordSwitch({ port: 'scrypt', at: NOW - 60_000, from: 'LTC', to: 'LTC', reason: 'started' });
  }, 60_000);

  afterAll(async () => {
    await dynamo.close();
  });

  it('/api/pools and /api/pools/{coin}: hashrate, miners online, network, blocks and effort', async () => {
    const all = schema.poolsSchema.parse((await get('/api/pools')).json);
    const ltc = schema.poolDetailSchema.parse((await get('/api/pools/ltc')).json);
    const doge = schema.poolDetailSchema.parse((await get('/api/pools/doge')).json);
    expect(all.coins).toEqual([ltc, doge]);
    expect(ltc).toMatchObject({ mergedWith: null, merges: ['DOGE'] });
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

  it('/api/pools/{aux}: merged with its parent, no ports or host, the parent’s hashrate, its own blocks', async () => {
    const ltc = schema.poolDetailSchema.parse((await get('/api/pools/LTC')).json);
    const doge = schema.poolDetailSchema.parse((await get('/api/pools/DOGE')).json);
    expect(doge).toMatchObject({ coin: 'DOGE', mergedWith: 'LTC', merges: [], ports: [], stratumHost: null });
    // The same shares mine both: DOGE's hashrate, shares and miners online are LTC's.
    expect(doge.hashrate).toEqual(ltc.hashrate);
    expect(doge.hashrate['10m']).toBeGreaterThan(0);
    expect(doge.sharesTotal).toEqual(ltc.sharesTotal);
    expect(doge.online).toEqual(ltc.online);
    // No stratum server reports DOGE's own chain here.
    expect(doge.chain).toBeNull();
    expect(doge.blocksFound).toBe(1);
    expect(doge.lastBlock).toMatchObject({
      height: 77,
      hash: DOGE_BLOCK_HASH,
      finder: OTHER,
      round: { coin: 'LTC', height: 10 },
    });
    // Effort over the LTC round that found it: 3 shares × 64 against DOGE's difficulty of 0.25 × 65536.
    expect(doge.lastBlock!.effort).toBeCloseTo((3 * 64) / 16_384, 9);
    expect(doge.effort['64']).toBeCloseTo((3 * 64) / 16_384, 9);
    expect(ltc.lastBlock!.round).toBeNull();
    const history = schema.poolHistorySchema.parse((await get('/api/pools/DOGE/history', 'hours=3')).json);
    expect(history.points.some((p) => p.hashrate > 0)).toBe(true);
  });

  it('/api/pools/{aux}/blocks, /payments and its miner page keyed by the parent’s mining address', async () => {
    const blocks = schema.blocksSchema.parse((await get('/api/pools/DOGE/blocks')).json);
    expect(blocks.blocks.map((b) => [b.height, b.finder, b.round])).toEqual([[77, OTHER, { coin: 'LTC', height: 10 }]]);
    const payments = schema.paymentsSchema.parse((await get('/api/pools/DOGE/payments')).json);
    expect(payments.payments).toEqual([
      { id: dogePayout.id, status: 'pending', txid: null, time: NOW - 30_000, total: '500', recipients: 1 },
    ]);
    // The DOGE ledger is keyed by the LTC mining address: the route takes LTC's address format.
    const m = schema.minerSchema.parse((await get(`/api/pools/DOGE/miners/${ADDRESS}`)).json);
    expect(m.balance).toEqual({ immature: '0', confirmed: '200', pending: '500', paid: '0' });
    expect(m.payments).toEqual([expect.objectContaining({ id: dogePayout.id, amount: '500' })]);
    expect(m.rewards).toEqual([expect.objectContaining({ ref: DOGE_BLOCK_HASH, amount: '700' })]);
    // Its workers are the LTC shares'.
    expect(m.workers.map((w) => w.name)).toEqual(['broken', 'old', 'rig1']);
    expect(m.merged).toEqual([]);
    // A DOGE address is not a mining address.
    expect((await get(`/api/pools/DOGE/miners/${DOGE_ADDRESS.slice(0, -1)}x`)).status).toBe(400);
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
    // Merged mining: the miner's DOGE side, from DOGE's ledger and its password's DOGE address.
    expect(m.merged).toEqual([
      {
        coin: 'DOGE',
        address: { address: DOGE_ADDRESS, source: 'password', setAt: NOW - 100_000 },
        balance: { immature: '0', confirmed: '200', pending: '500', paid: '0' },
        payments: [
          { id: dogePayout.id, status: 'pending', txid: null, time: NOW - 30_000, total: '500', amount: '500' },
        ],
      },
    ]);
    // A miner with no DOGE address and no DOGE credit: its rewards would accrue.
    const other = schema.minerSchema.parse((await get(`/api/pools/LTC/miners/${OTHER}`)).json);
    expect(other.merged).toEqual([
      {
        coin: 'DOGE',
        address: null,
        balance: { immature: '0', confirmed: '0', pending: '0', paid: '0' },
        payments: [],
      },
    ]);
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
    // The payout-address routes are an aux coin's.
    const concrete = (path: string) =>
      path
        .replace('{coin}', path.endsWith('/payout-address') ? 'DOGE' : 'LTC')
        .replace('{address}', ADDRESS)
        .replace('{name}', 'scrypt');
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
    expect(checked).toBe(10);
    expect(doc.paths['/api/pools/{coin}/miners/{address}/payout-address']).toHaveProperty('post');
  });

  it('answers bad input with 400 and the error schema, never 500', async () => {
    const bad = [
      '/api/pools/BTC',
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
