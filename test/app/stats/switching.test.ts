import { payments } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { createDynamoShareStores } from '../../../adapters/aws/dynamo-share-store.js';
import { ensureTables, tableNames } from '../../../adapters/aws/tables.js';
import { type ApiDeps, handleApi } from '../../../app/stats/api.js';
import * as schema from '../../../app/stats/schema.js';
import type { PublicSwitchingPort } from '../../../app/stats/switching.js';
import { getCoin } from '../../../core/coins/registry.js';
import { entryId } from '../../../core/ledger/entries.js';
import { blockEntries } from '../../../core/ledger/ledger.js';
import type { SwitchingState } from '../../../core/ports/switching-store.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { memorySwitchingStore, testCoin } from './helpers.js';

const NOW = 1_800_000_000_000;
/** A switching miner's BTC (the port's payout currency) address: its account on the BTC and BCH ledgers alike. */
const MINER = payments.p2wpkh({ hash: Buffer.alloc(20, 3), network: getCoin('BTC').networks.regtest![0]! }).address!;
const SHA256: PublicSwitchingPort = {
  name: 'sha256',
  algorithm: 'sha256d',
  coins: ['BTC', 'BCH'],
  payoutCurrency: 'BTC',
  ports: [{ port: 3340, tls: false, difficulty: { initial: 1, min: 0.01, max: 1000 } }],
  stratumHost: 'switch.pool.example',
};
const IDLE: PublicSwitchingPort = {
  ...SHA256,
  name: 'idle',
  algorithm: 'scrypt',
  coins: ['LTC'],
  payoutCurrency: 'LTC',
  ports: [{ ...SHA256.ports[0]!, port: 3341 }],
};

const STATE: SwitchingState = {
  port: 'sha256',
  algorithm: 'sha256d',
  quote: 'BTC',
  current: 'BCH',
  since: NOW - 600_000,
  leader: { coin: 'BTC', since: NOW - 30_000 },
  table: [
    {
      coin: 'BTC',
      earningsPerTerahash: '0.000012',
      reward: '312500000',
      networkDifficulty: 1.5,
      price: '1',
      priceAt: NOW - 5_000,
      healthy: true,
      eligible: true,
    },
    {
      coin: 'BCH',
      earningsPerTerahash: '0.0000105',
      reward: '625000000',
      networkDifficulty: 2,
      price: '0.0061',
      priceAt: NOW - 400_000,
      healthy: true,
      eligible: false,
      ineligibleBecause: 'price stale (400 s)',
    },
  ],
  at: NOW - 2_000,
};

describe('switching routes and a switching miner’s per-coin breakdown (dynalite, in-memory switching store)', () => {
  let dynamo: Dynamo;
  let deps: ApiDeps;
  const get = async (path: string, query = '') => {
    const res = await handleApi({ method: 'GET', path, query: new URLSearchParams(query) }, deps);
    return { status: res.status, json: JSON.parse(res.body) };
  };

  beforeAll(async () => {
    dynamo = await startDynamo();
    for (const c of ['BTC', 'BCH']) await ensureTables(dynamo.client, 'sw', c);
    const doc = createDocumentClient(dynamo.client);
    const shares = createDynamoShareStores({ doc, tables: (c) => tableNames('sw', c) });
    const money = new DynamoMoneyStore(doc, (c) => tableNames('sw', c));
    // BTC: a block credit, matured. BCH: two credits, one matured, 0.4 BCH of it converted (one conversion sold
    // 0.5, 0.1 came back unsold).
    await money.putEntries('BTC', blockEntries('immature', 'b1', [{ account: MINER, role: 'miner', amount: 700n }], 1));
    const bch = [{ account: MINER, role: 'miner' as const, amount: 90_000_000n }];
    await money.putEntries('BCH', [
      ...blockEntries('immature', 'h1', bch, 1),
      ...blockEntries('mature', 'h1', bch, 2),
      ...blockEntries('immature', 'h2', [{ account: MINER, role: 'miner', amount: 5n }], 3),
    ]);
    const conversion = (kind: 'convert-out' | 'convert-back', amount: bigint) => ({
      id: entryId(kind, 'conv-BCH-BTC-1', 'miner', MINER),
      account: MINER,
      kind,
      role: 'miner' as const,
      amount,
      ref: 'conv-BCH-BTC-1',
      time: 4,
    });
    await money.putEntries('BCH', [conversion('convert-out', 50_000_000n), conversion('convert-back', 10_000_000n)]);
    const store = memorySwitchingStore();
    await store.putState(STATE);
    for (const [at, from, to] of [
      [NOW - 30 * 3_600_000, 'BTC', 'BCH'], // before 24 hours
      [NOW - 3_000_000, 'BCH', 'BTC'],
      [NOW - 600_000, 'BTC', 'BCH'],
    ] as const) {
      await store.recordSwitch({ port: 'sha256', at, from, to, reason: `${to} beat ${from} by 10% for 300 s` });
    }
    deps = {
      pool: {
        name: 'switching pool',
        coins: [testCoin('BTC', { network: 'regtest' }), testCoin('BCH', { network: 'regtest' })],
      },
      rounds: shares.rounds,
      miners: shares.miners,
      poolStats: shares.poolStats,
      money,
      now: () => NOW,
      switching: { ports: [SHA256, IDLE], store },
    };
  }, 60_000);

  afterAll(() => dynamo.close());

  it('/api/switching: each port, its current coin and table (price ages as of now); a port not evaluated yet', async () => {
    const res = await get('/api/switching');
    expect(res.status).toBe(200);
    const body = schema.switchingPortsSchema.parse(res.json);
    expect(body.ports.map((p) => p.name)).toEqual(['sha256', 'idle']);
    const [port, idle] = body.ports;
    expect(port).toMatchObject({
      coins: ['BTC', 'BCH'],
      payoutCurrency: 'BTC',
      current: 'BCH',
      since: NOW - 600_000,
      leader: { coin: 'BTC', since: NOW - 30_000 },
      evaluatedAt: NOW - 2_000,
      quote: 'BTC',
      ports: [{ port: 3340 }],
      stratumHost: 'switch.pool.example',
    });
    expect(port!.table).toEqual([
      {
        coin: 'BTC',
        earningsPerTerahash: '0.000012',
        reward: '312500000',
        networkDifficulty: 1.5,
        price: '1',
        priceAgeSeconds: 5,
        aux: [],
        healthy: true,
        eligible: true,
        ineligibleBecause: null,
      },
      {
        coin: 'BCH',
        earningsPerTerahash: '0.0000105',
        reward: '625000000',
        networkDifficulty: 2,
        price: '0.0061',
        priceAgeSeconds: 400,
        aux: [],
        healthy: true,
        eligible: false,
        ineligibleBecause: 'price stale (400 s)',
      },
    ]);
    expect(idle).toMatchObject({ current: null, since: null, evaluatedAt: null });
    expect(idle!.table.map((r) => [r.coin, r.eligible, r.ineligibleBecause])).toEqual([
      ['LTC', false, 'not evaluated yet'],
    ]);
  });

  it('/api/switching/{name}/history: switches in the range, newest first, bounded by limit', async () => {
    const day = schema.switchingHistorySchema.parse((await get('/api/switching/sha256/history')).json);
    expect(day).toMatchObject({ port: 'sha256', hours: 24, from: NOW - 24 * 3_600_000, current: 'BCH' });
    expect(day.switches.map((s) => [s.at, s.from, s.to])).toEqual([
      [NOW - 600_000, 'BTC', 'BCH'],
      [NOW - 3_000_000, 'BCH', 'BTC'],
    ]);
    expect(day.switches[0]).toMatchObject({ reason: 'BCH beat BTC by 10% for 300 s', fromEarnings: null });
    const week = (await get('/api/switching/sha256/history', 'hours=168&limit=2')).json;
    expect(week.switches.map((s: { at: number }) => s.at)).toEqual([NOW - 600_000, NOW - 3_000_000]);
    expect((await get('/api/switching/sha256/history', 'hours=168')).json.switches).toHaveLength(3);
  });

  it('answers an unknown port 404 and bad ranges 400; a pool without switching lists no ports', async () => {
    const unknown = await get('/api/switching/nope/history');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatch(/no switching port "nope"; this pool's: sha256, idle/);
    expect((await get('/api/switching/sha256/history', 'hours=5')).status).toBe(400);
    expect((await get('/api/switching/sha256/history', 'limit=0')).status).toBe(400);
    const { switching: _none, ...without } = deps;
    const res = await handleApi({ method: 'GET', path: '/api/switching', query: new URLSearchParams() }, without);
    expect(JSON.parse(res.body)).toEqual({ ports: [] });
  });

  it('the payout currency’s miner page lists the account on each coin of the port: balances and converted', async () => {
    const miner = schema.minerSchema.parse((await get(`/api/pools/BTC/miners/${MINER}`)).json);
    expect(miner.switching).toEqual([
      {
        port: 'sha256',
        coins: [
          { coin: 'BTC', immature: '700', confirmed: '0', pending: '0', paid: '0', converted: '0' },
          { coin: 'BCH', immature: '5', confirmed: '50000000', pending: '0', paid: '0', converted: '40000000' },
        ],
      },
    ]);
    // Another coin's page (not the payout currency) has no breakdown.
    const bchAccount = getCoin('BCH').addresses.decode(
      'regtest',
      payments.p2pkh({ hash: Buffer.alloc(20, 3), network: getCoin('BTC').networks.regtest![0]! }).address!,
      'BCH',
    ).canonical;
    expect((await get(`/api/pools/BCH/miners/${bchAccount}`)).json.switching).toEqual([]);
  });
});
