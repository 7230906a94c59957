import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoConversionStore } from '../../../adapters/aws/dynamo-conversion-store.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { type ApiDeps, handleApi } from '../../../app/stats/api.js';
import type { PublicCoin } from '../../../app/stats/public.js';
import { conversionChangedSchema, conversionViewSchema } from '../../../app/stats/schema.js';
import { conversionConfigSchema } from '../../../core/conversion/config.js';
import { preferenceMessage } from '../../../core/conversion/preference-message.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { type SigningKind, testKey } from '../../helpers/message-signer.js';

const NOW = Date.parse('2027-01-15T12:00:00.000Z');
const LTC: PublicCoin = {
  symbol: 'LTC',
  network: 'regtest',
  scheme: 'PPLNS',
  feeBasisPoints: 100,
  payoutMinimum: '10000000',
  ports: [],
  stratumHost: null,
};
const conversion = conversionConfigSchema.parse({
  exchanges: [{ id: 'binance' }],
  targets: [{ currency: 'BTC', feeWallets: [{ address: 'bcrt1qfee' }] }],
});
const BTC_ADDRESS = testKey('BTC', 'regtest', 9).address.p2wpkh;
const miner = testKey('LTC', 'regtest');

describe('payout currency in the stats API (signed by the miner key)', () => {
  let dynamo: Dynamo;
  let deps: ApiDeps;
  let store: DynamoConversionStore;
  let now = NOW;
  beforeAll(async () => {
    dynamo = await startDynamo();
    const shares = await dynamo.freshStore();
    const names = dynamo.lastTables!;
    const doc = createDocumentClient(dynamo.client);
    store = new DynamoConversionStore(doc, () => names);
    deps = {
      pool: { name: 'edgepool', coins: [LTC] },
      rounds: shares.rounds,
      miners: shares.miners,
      poolStats: shares.poolStats,
      money: new DynamoMoneyStore(doc, () => names),
      now: () => now,
      conversion: {
        configs: new Map([['LTC', conversion]]),
        store,
      },
    };
    // What the conversion pass stored (app/convert/quote.ts): 1 LTC → 0.0012 BTC after fees, an hour ago.
    await store.putQuote('LTC', {
      target: 'BTC',
      amount: 100_000_000n,
      quotedAt: NOW - 3_600_000,
      bookAgeMs: 1_200,
      net: 120_000n,
      exchangeFee: 150n,
      withdrawalFee: 100n,
      poolFee: 0n,
      exchanges: ['binance'],
      slippageBps: 3,
    });
  });
  afterAll(() => dynamo.close());

  const path = (account: string) => `/api/pools/LTC/miners/${account}/conversion`;
  const get = async (account: string) => {
    const res = await handleApi({ method: 'GET', path: path(account), query: new URLSearchParams() }, deps);
    return { status: res.status, body: JSON.parse(res.body) };
  };
  const post = async (account: string, body: object) => {
    const res = await handleApi(
      { method: 'POST', path: path(account), query: new URLSearchParams(), body: JSON.stringify(body) },
      deps,
    );
    return { status: res.status, body: JSON.parse(res.body) as { error?: string; preference?: unknown } };
  };
  /** The request the dashboard sends: the choice, the time and the signature of the message it showed. */
  const signed = (
    kind: SigningKind | 'bip322',
    choice: { currency: string; address: string },
    time: number,
    key = miner,
    account = kind === 'bip322' ? miner.address.p2wpkh : miner.address[kind],
    pool = 'edgepool',
  ) => {
    const t = new Date(time).toISOString();
    const message = preferenceMessage({ pool, coin: 'LTC', account, ...choice, time: t });
    const signature = kind === 'bip322' ? key.signBip322(message) : key.signBip137(message, kind);
    return { ...choice, time: t, signature };
  };

  it('shows no preference, the targets, quotes and the message to sign', async () => {
    const { status, body } = await get(miner.address.p2wpkh);
    expect(status).toBe(200);
    expect(body).toMatchObject({ enabled: true, preference: null, targets: ['BTC'], quoteAmount: '100000000' });
    expect(body.quotes).toEqual([
      {
        target: 'BTC',
        quotedAt: NOW - 3_600_000,
        bookAgeSeconds: 1,
        stale: false,
        net: '0.0012',
        rate: '0.0012',
        exchangeFee: '0.0000015',
        withdrawalFee: '0.000001',
        poolFee: '0',
        exchanges: ['binance'],
        slippageBps: '3',
      },
    ]);
    expect(body.sign.message).toContain(`account: ${miner.address.p2wpkh}`);
    expect(body.sign.pool).toBe('edgepool');
    expect(body.sign.message).toContain('pool: edgepool');
    conversionViewSchema.parse(body); // as documented in /api/openapi.json
  });

  it('flags a quote older than two schedule periods as stale, and a newer pass replaces it', async () => {
    const saved = now;
    try {
      now = NOW + 7_200_000; // the quote is three hours old: the hourly pass missed runs
      const { body } = await get(miner.address.p2wpkh);
      expect(body.quotes).toEqual([expect.objectContaining({ target: 'BTC', stale: true })]);
      conversionViewSchema.parse(body);
      // An older pass cannot overwrite the stored quote; a newer one does.
      const quote = { target: 'BTC', amount: 100_000_000n, bookAgeMs: 0, refused: 'spread: too wide' };
      expect(await store.putQuote('LTC', { ...quote, quotedAt: NOW - 7_200_000 })).toBe(false);
      expect(await store.putQuote('LTC', { ...quote, quotedAt: now - 60_000 })).toBe(true);
      const fresh = (await get(miner.address.p2wpkh)).body;
      expect(fresh.quotes).toEqual([
        { target: 'BTC', quotedAt: now - 60_000, bookAgeSeconds: 0, stale: false, refused: 'spread: too wide' },
      ]);
      conversionViewSchema.parse(fresh);
    } finally {
      now = saved;
    }
  });

  it.each(['p2pkh', 'p2sh-p2wpkh', 'p2wpkh', 'bip322'] as const)(
    'accepts a change signed by the key of the mining address (%s)',
    async (kind) => {
      const account = kind === 'bip322' ? miner.address.p2wpkh : miner.address[kind];
      now += 60_000;
      const res = await post(account, signed(kind, { currency: 'BTC', address: BTC_ADDRESS }, now - 5_000));
      expect(res).toMatchObject({ status: 200, body: { preference: { currency: 'BTC', address: BTC_ADDRESS } } });
      conversionChangedSchema.parse(res.body);
      conversionViewSchema.parse((await get(account)).body);
      expect((await get(account)).body.preference).toMatchObject({ currency: 'BTC', address: BTC_ADDRESS });
    },
  );

  it('refuses a signature by another key, and changes nothing', async () => {
    now += 60_000;
    const thief = testKey('LTC', 'regtest', 7);
    const res = await post(
      miner.address.p2wpkh,
      signed('p2wpkh', { currency: 'BTC', address: thief.address.p2wpkh }, now, thief, miner.address.p2wpkh),
    );
    expect(res.status).toBe(403);
    expect((await get(miner.address.p2wpkh)).body.preference.address).toBe(BTC_ADDRESS);
  });

  it('refuses a signature over another destination than the one submitted', async () => {
    now += 60_000;
    const body = signed('p2wpkh', { currency: 'BTC', address: BTC_ADDRESS }, now);
    const res = await post(miner.address.p2wpkh, { ...body, address: testKey('BTC', 'regtest', 8).address.p2wpkh });
    expect(res.status).toBe(403);
  });

  it('refuses a replayed request, even one that was accepted', async () => {
    now += 60_000;
    const stop = signed('p2wpkh', { currency: 'LTC', address: '' }, now);
    expect((await post(miner.address.p2wpkh, stop)).status).toBe(200);
    const again = await post(miner.address.p2wpkh, stop);
    expect(again.status).toBe(403);
    expect(again.body.error).toContain('not newer');
    // An older signed choice (to BTC) cannot be put back either.
    const older = signed('p2wpkh', { currency: 'BTC', address: BTC_ADDRESS }, now - 1_000);
    expect((await post(miner.address.p2wpkh, older)).status).toBe(403);
    expect((await get(miner.address.p2wpkh)).body.preference.currency).toBe('LTC');
  });

  it('refuses a stale or future-dated signature', async () => {
    now += 60_000;
    const choice = { currency: 'BTC', address: BTC_ADDRESS };
    expect((await post(miner.address.p2wpkh, signed('p2wpkh', choice, now - 11 * 60_000))).status).toBe(403);
    expect((await post(miner.address.p2wpkh, signed('p2wpkh', choice, now + 11 * 60_000))).status).toBe(403);
  });

  it('refuses a signature made for another pool (replayed from another deployment)', async () => {
    now += 60_000;
    const choice = { currency: 'BTC', address: testKey('BTC', 'regtest', 10).address.p2wpkh };
    const elsewhere = signed('p2wpkh', choice, now, miner, miner.address.p2wpkh, 'another pool');
    const res = await post(miner.address.p2wpkh, elsewhere);
    expect(res.status).toBe(403);
    expect((await get(miner.address.p2wpkh)).body.preference.address).not.toBe(choice.address);
    // The same choice signed for this pool is accepted.
    expect((await post(miner.address.p2wpkh, signed('p2wpkh', choice, now))).status).toBe(200);
  });

  it('refuses a signed time more than two minutes ahead of the pool clock, and takes one within', async () => {
    now += 60_000;
    const choice = { currency: 'LTC', address: '' };
    const ahead = await post(miner.address.p2wpkh, signed('p2wpkh', choice, now + 3 * 60_000));
    expect(ahead.status).toBe(403);
    expect(ahead.body.error).toContain('future');
    expect((await post(miner.address.p2wpkh, signed('p2wpkh', choice, now + 60_000))).status).toBe(200);
    now += 60_000;
  });

  it('answers 404, not 500, to a change on a coin this pool does not convert', async () => {
    now += 60_000;
    const stop = signed('p2wpkh', { currency: 'LTC', address: '' }, now);
    const req = { method: 'POST', path: path(miner.address.p2wpkh), query: new URLSearchParams() };
    const { conversion: _, ...withoutConversion } = deps;
    const off = await handleApi({ ...req, body: JSON.stringify(stop) }, withoutConversion);
    expect(off.status).toBe(404);
    const otherCoin = { ...deps, conversion: { ...deps.conversion!, configs: new Map([['DOGE', conversion]]) } };
    expect((await handleApi({ ...req, body: JSON.stringify(stop) }, otherCoin)).status).toBe(404);
    expect((await handleApi({ ...req, body: '{' }, withoutConversion)).status).toBe(404);
  });

  it('refuses a currency the pool does not offer or a malformed request with 400', async () => {
    now += 60_000;
    const usdt = signed('p2wpkh', { currency: 'USDT', address: '0x52908400098527886E0F7030069857D2E4169EE7' }, now);
    expect((await post(miner.address.p2wpkh, usdt)).status).toBe(400);
    expect((await post(miner.address.p2wpkh, { currency: 'BTC' })).status).toBe(400);
    const bad = await handleApi(
      { method: 'POST', path: path(miner.address.p2wpkh), query: new URLSearchParams(), body: '{' },
      deps,
    );
    expect(bad.status).toBe(400);
    // Other routes stay read-only: a POST there is 405, naming GET.
    const other = await handleApi({ method: 'POST', path: '/api/pools', query: new URLSearchParams() }, deps);
    expect(other.status).toBe(405);
    expect(other.headers.allow).toBe('GET');
  });
});
