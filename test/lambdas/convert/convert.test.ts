import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { ensureTables, tableNames } from '../../../adapters/aws/tables.js';
import { CcxtExchange } from '../../../adapters/exchange/ccxt-exchange.js';
import { DynamoConversionStore } from '../../../adapters/exchange/dynamo-conversion-store.js';
import { CONVERSION_EXCHANGES, conversionConfigSchema } from '../../../core/conversion/config.js';
import { conversionLedgerView, settle } from '../../../core/conversion/record.js';
import { audit } from '../../../core/ledger/audit.js';
import { balancesFromEntries, entryId, type LedgerEntry } from '../../../core/ledger/entries.js';
import { type ConvertDeps, runConversions } from '../../../lambdas/convert/convert.js';
import { FakeExchangeServer } from '../../helpers/fake-exchanges/server.js';
import { type Dynamo, silentLog, startDynamo } from '../ingest/helpers.js';

const NOW = 1_800_000_000_000;
const EVENT = { time: new Date(NOW).toISOString() };
const config = conversionConfigSchema.parse({
  exchanges: [
    { id: 'binance', takerFeeBps: 10, withdrawalFees: { BTC: '100' } },
    { id: 'kraken', takerFeeBps: 40, withdrawalFees: { BTC: '50' } },
    { id: 'okx', takerFeeBps: 10, withdrawalFees: { BTC: '100' } },
  ],
  targets: [{ currency: 'BTC', feeWallets: [{ address: 'bc1qfeewallet' }] }],
  maxSlippageBps: 150,
});

/** Two miners opted in to BTC (2 and 1.5 LTC confirmed), one who did not (1 LTC). */
const CREDITS: Array<[string, bigint]> = [
  ['ltc1qminera', 200_000_000n],
  ['ltc1qminerb', 150_000_000n],
  ['ltc1qstays', 100_000_000n],
];

let dynamo: Dynamo;
let seq = 0;
const running: FakeExchangeServer[] = [];

beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(() => dynamo.close());
afterEach(async () => {
  for (const f of running.splice(0)) await f.stop();
});

async function setup(over: Partial<ConvertDeps> = {}) {
  const prefix = `cv${seq++}`;
  await ensureTables(dynamo.client, prefix, 'LTC');
  await ensureTables(dynamo.client, prefix, 'BTC');
  const doc = createDocumentClient(dynamo.client);
  const money = new DynamoMoneyStore(doc, (c) => tableNames(prefix, c));
  const store = new DynamoConversionStore(doc, (c) => tableNames(prefix, c));
  const fakes = Object.fromEntries(
    await Promise.all(CONVERSION_EXCHANGES.map(async (id) => [id, await new FakeExchangeServer(id).start()] as const)),
  ) as Record<(typeof CONVERSION_EXCHANGES)[number], FakeExchangeServer>;
  running.push(...Object.values(fakes));
  const exchanges = new Map(
    CONVERSION_EXCHANGES.map((id) => [
      id,
      new CcxtExchange({
        id,
        credentials: { apiKey: 'k', secret: 'c2VjcmV0', password: 'p' },
        apiBaseUrl: fakes[id].url,
        timeoutMs: 300,
        rateLimitMs: 1,
        attempts: 2,
        retryDelayMs: 1,
        now: () => NOW,
      }),
    ]),
  );
  await money.putEntries(
    'LTC',
    CREDITS.map(([account, amount]) => ({
      id: entryId('pps', 'h100', 'miner', account),
      account,
      kind: 'pps' as const,
      role: 'miner' as const,
      amount,
      ref: 'h100',
      time: 0,
    })),
  );
  await store.setPreference('LTC', { account: 'ltc1qminera', currency: 'BTC', address: 'bc1qminera', updatedAt: 1 });
  await store.setPreference('LTC', { account: 'ltc1qminerb', currency: 'BTC', address: 'bc1qminerb', updatedAt: 1 });
  const deps: ConvertDeps = {
    coin: 'LTC',
    decimals: 8,
    config,
    money,
    store,
    exchanges,
    log: silentLog,
    now: () => NOW,
    ...over,
  };
  return { deps, money, store, fakes };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** Both ledgers pass the audit with every conversion's expected entries, and what it says happened. */
async function auditBoth({ money, store }: Setup) {
  const records = await store.listConversions('LTC');
  const views = (side: 'source' | 'target') =>
    new Map(
      records.map((r) => [
        r.id,
        conversionLedgerView(
          r,
          side,
          r.fills ? settle(r, config.feeShareBps, config.targets[0]!.feeWallets) : undefined,
        ),
      ]),
    );
  const base = { matureBlocks: new Map(), creditedBlocks: new Map(), confirmedPayouts: new Map() };
  const ltc = await money.listEntries('LTC');
  const btc = await money.listEntries('BTC');
  expect(audit({ ...base, entries: ltc, conversions: views('source') })).toMatchObject({ ok: true });
  expect(audit({ ...base, entries: btc, conversions: views('target') })).toMatchObject({ ok: true });
  return { ltc: balancesFromEntries(ltc), btc: balancesFromEntries(btc), records };
}

/** Orders each fake exchange executed per client order id: never more than one. */
function ordersPerClientId(fakes: Setup['fakes']): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of Object.values(fakes)) {
    for (const id of f.ctx.book.executions) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

const sum = (xs: Iterable<bigint>) => [...xs].reduce((a, b) => a + b, 0n);

describe('conversion Lambda run (dynalite + fake exchanges)', () => {
  it('converts opted-in confirmed balances across exchanges and credits BTC; the audit passes', async () => {
    const s = await setup();
    const report = await runConversions(s.deps, EVENT);
    expect(report.refused).toEqual([]);
    expect(report.conversions).toHaveLength(1);
    expect(report.conversions[0]).toMatchObject({ status: 'credited', sold: '350000000' });
    const { ltc, btc, records } = await auditBoth(s);
    expect(records[0]!.legs.length).toBeGreaterThan(1); // the best result needs more than one book
    expect(ltc.get('ltc1qminera')!.confirmed).toBe(0n);
    expect(ltc.get('ltc1qminerb')!.confirmed).toBe(0n);
    expect(ltc.get('ltc1qstays')!.confirmed).toBe(100_000_000n);
    expect(btc.get('bc1qminera')!.confirmed > btc.get('bc1qminerb')!.confirmed).toBe(true);
    expect(sum([...btc.values()].map((b) => b.confirmed))).toBe(BigInt(report.conversions[0]!.received!));
    expect([...ordersPerClientId(s.fakes).values()].every((n) => n === 1)).toBe(true);
    // The same scheduled event again: nothing new, nothing twice.
    expect(await runConversions(s.deps, EVENT)).toEqual({ conversions: [], refused: [] });
  });

  it.each(['timeout', 'fill-then-timeout'] as const)(
    'an exchange answering an order with a %s loses nothing and converts nothing twice',
    async (fault) => {
      const s = await setup();
      s.fakes.okx.fail('order', fault);
      const first = await runConversions(s.deps, EVENT);
      expect(first.conversions[0]).toMatchObject({ status: 'ordered' });
      const second = await runConversions(s.deps, EVENT);
      expect(second.conversions[0]).toMatchObject({ status: 'credited', sold: '350000000' });
      const { ltc } = await auditBoth(s);
      expect(ltc.get('ltc1qminera')!.confirmed).toBe(0n);
      expect([...ordersPerClientId(s.fakes).values()].every((n) => n === 1)).toBe(true);
    },
  );

  it('an exchange rejecting an order returns the unsold coins and converts the rest', async () => {
    const s = await setup();
    s.fakes.binance.fail('order', 'reject');
    const report = await runConversions(s.deps, EVENT);
    expect(report.conversions[0]!.status).toBe('credited');
    const sold = BigInt(report.conversions[0]!.sold!);
    expect(sold < 350_000_000n).toBe(true);
    const { ltc, records } = await auditBoth(s);
    const binanceLeg = records[0]!.legs.find((l) => l.exchange === 'binance')!;
    expect(sold).toBe(350_000_000n - binanceLeg.amount);
    expect(ltc.get('ltc1qminera')!.confirmed + ltc.get('ltc1qminerb')!.confirmed).toBe(binanceLeg.amount);
  });

  it.each(['after-convert-out', 'after-ordered', 'after-leg', 'after-filled', 'after-credit'] as const)(
    'a crash %s is finished by the next run, exactly once',
    async (step) => {
      let crashed = false;
      const s = await setup({
        crashAt: (at) => {
          if (at === step && !crashed) {
            crashed = true;
            throw new Error(`crash ${at}`);
          }
        },
      });
      await expect(runConversions(s.deps, EVENT)).rejects.toThrow(`crash ${step}`);
      const report = await runConversions(s.deps, EVENT);
      expect(report.conversions[0]).toMatchObject({ status: 'credited', sold: '350000000' });
      const { ltc, btc } = await auditBoth(s);
      expect(ltc.get('ltc1qminera')!.confirmed).toBe(0n);
      expect(sum([...btc.values()].map((b) => b.confirmed))).toBe(BigInt(report.conversions[0]!.received!));
      expect([...ordersPerClientId(s.fakes).values()].every((n) => n === 1)).toBe(true);
    },
  );

  it('leaves out an exchange whose book does not answer', async () => {
    const s = await setup();
    s.fakes.kraken.fail('book', 'timeout');
    s.fakes.kraken.fail('book', 'timeout');
    const report = await runConversions(s.deps, EVENT);
    expect(report.conversions[0]).toMatchObject({ status: 'credited' });
    const { records } = await auditBoth(s);
    expect(records[0]!.legs.some((l) => l.exchange === 'kraken')).toBe(false);
  });

  it('refuses on stale prices and writes nothing', async () => {
    const s = await setup({ now: () => NOW + 60_000 });
    const report = await runConversions(s.deps, EVENT);
    expect(report.refused).toEqual([expect.objectContaining({ target: 'BTC', reason: 'stale' })]);
    expect(await s.store.listConversions('LTC')).toEqual([]);
    expect((await s.money.listEntries('LTC')).filter((e: LedgerEntry) => e.kind !== 'pps')).toEqual([]);
  });
});

describe('conversion Lambda handler', () => {
  it('runs one pass with injected deps and answers JSON', async () => {
    const { createHandler } = await import('../../../lambdas/convert/handler.js');
    const s = await setup();
    const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;
    const handler = createHandler(async () => s.deps, silent);
    const report = await handler(EVENT, { awsRequestId: 'r1' } as never);
    // Amounts go out as decimal strings (Lambda answers JSON).
    expect(report).toMatchObject({ conversions: [{ status: 'credited', sold: '350000000' }], refused: [] });
  });

  it('refuses an environment without the conversion settings', async () => {
    const { convertDepsFromEnv } = await import('../../../lambdas/convert/handler.js');
    await expect(convertDepsFromEnv({})).rejects.toThrow('conversion Lambda environment is invalid');
  });
});
