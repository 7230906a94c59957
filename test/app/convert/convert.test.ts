import { describe, expect, it } from 'vitest';
import { runConversions } from '../../../app/convert/convert.js';
import { toUnits } from '../../../core/conversion/decimal.js';
import type { LedgerEntry } from '../../../core/ledger/entries.js';
import { auditBoth, type ConversionSetup, conversionFixtures, EVENT, NOW, ordersPerClientId, sum } from './helpers.js';

const { setup } = conversionFixtures();

/** Withdrawals the fake exchanges made, and their total in satoshi. */
function withdrawn(s: ConversionSetup) {
  const all = Object.values(s.fakes).flatMap((f) => f.ctx.withdrawals);
  return { count: all.length, total: sum(all.map((w) => toUnits(w.amount, 8))) };
}

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
    // The proceeds went to the pool's BTC wallet, one withdrawal per exchange that sold, adding up to the credits.
    expect(withdrawn(s)).toEqual({ count: records[0]!.legs.length, total: BigInt(report.conversions[0]!.received!) });
    expect(records[0]!.withdrawals!.map((w) => w.address)).toEqual(records[0]!.legs.map(() => 'bc1qpoolbtcwallet'));
    // The same scheduled event again: nothing new, nothing twice.
    expect(await runConversions(s.deps, EVENT)).toMatchObject({ conversions: [], refused: [] });
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

  it.each(['timeout', 'fill-then-timeout'] as const)(
    'a withdrawal answered with a %s is looked up by its reference next run: credited once, withdrawn once',
    async (fault) => {
      const s = await setup();
      s.fakes.okx.fail('withdraw', fault);
      const first = await runConversions(s.deps, EVENT);
      expect(first.conversions[0]).toMatchObject({ status: 'filled' });
      expect(await s.money.listEntries('BTC')).toEqual([]); // nobody is credited before the proceeds left
      const second = await runConversions(s.deps, EVENT);
      expect(second.conversions[0]).toMatchObject({ status: 'credited', sold: '350000000' });
      const { records } = await auditBoth(s);
      expect(withdrawn(s)).toEqual({ count: records[0]!.legs.length, total: BigInt(second.conversions[0]!.received!) });
      const refs = Object.values(s.fakes).flatMap((f) => f.ctx.withdrawals.map((w) => w.reference));
      expect(new Set(refs).size).toBe(refs.length);
    },
  );

  it('a Kraken withdrawal whose answer was lost is found next run, not made again; its refid is recorded', async () => {
    const s = await setup();
    s.fakes.kraken.fail('withdraw', 'fill-then-timeout');
    s.fakes.okx.fail('withdraw', 'timeout'); // and OKX's is unknown: the conversion stays filled
    const first = await runConversions(s.deps, EVENT);
    expect(first.conversions[0]).toMatchObject({ status: 'filled' });
    const krakenMade = s.fakes.kraken.ctx.withdrawals;
    expect(krakenMade).toHaveLength(1);
    const [filled] = await s.store.listOpenConversions('LTC');
    // Binance answered: its id is on the record already, before the move to withdrawn.
    expect(filled!.withdrawals?.map((w) => w.exchange)).toEqual(['binance']);
    const second = await runConversions(s.deps, EVENT);
    expect(second.conversions[0]).toMatchObject({ status: 'credited', sold: '350000000' });
    const { records } = await auditBoth(s);
    expect(s.fakes.kraken.ctx.withdrawals).toHaveLength(1); // found by key and amount + fee: never twice
    const kraken = records[0]!.withdrawals!.find((w) => w.exchange === 'kraken')!;
    expect(kraken.id).toBe(krakenMade[0]!.id); // Kraken's own refid, not anything the pool sent
    // Kraken deducts its fee from what it is asked for: the pool asks for the net plus the fee it planned (50 sat).
    const asked = s.fakes.kraken.requests.find((r) => r.path === '/0/private/Withdraw')!.body;
    expect(toUnits(asked.amount!, 8)).toBe(kraken.amount + 50n);
    expect(asked.max_fee).toBe('0.0000005');
    expect(withdrawn(s)).toEqual({ count: records[0]!.legs.length, total: BigInt(second.conversions[0]!.received!) });
  });

  it('a withdrawal made while another leg was unknown is recorded by id and not looked up or made again', async () => {
    const s = await setup();
    s.fakes.okx.fail('withdraw', 'timeout');
    expect((await runConversions(s.deps, EVENT)).conversions[0]).toMatchObject({ status: 'filled' });
    const [filled] = await s.store.listOpenConversions('LTC');
    const ids = filled!.withdrawals!.map((w) => w.id);
    expect(ids).toContain(s.fakes.kraken.ctx.withdrawals[0]!.id);
    const krakenCalls = () => s.fakes.kraken.requests.filter((r) => /Withdraw/.test(r.path)).length;
    const before = krakenCalls();
    expect((await runConversions(s.deps, EVENT)).conversions[0]).toMatchObject({ status: 'credited' });
    expect(krakenCalls()).toBe(before); // neither WithdrawStatus nor Withdraw again
    const { records } = await auditBoth(s);
    expect(records[0]!.withdrawals!.filter((w) => ids.includes(w.id))).toHaveLength(ids.length);
  });

  it('a refused withdrawal keeps the conversion filled and credits nobody until it goes through', async () => {
    const s = await setup();
    s.fakes.okx.fail('withdraw', 'reject');
    expect((await runConversions(s.deps, EVENT)).conversions[0]).toMatchObject({ status: 'filled' });
    expect(await s.money.listEntries('BTC')).toEqual([]);
    const report = await runConversions(s.deps, EVENT);
    expect(report.conversions[0]).toMatchObject({ status: 'credited' });
    await auditBoth(s);
    expect(withdrawn(s).total).toBe(BigInt(report.conversions[0]!.received!));
  });

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

  it.each([
    'after-convert-out',
    'after-ordered',
    'after-leg',
    'after-filled',
    'after-withdraw',
    'after-credit',
  ] as const)('a crash %s is finished by the next run, exactly once', async (step) => {
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
    expect(withdrawn(s).total).toBe(BigInt(report.conversions[0]!.received!));
  });

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
    const { convertLambda } = await import('../../../lambdas/convert/handler.js');
    const { poolHandler } = await import('../../../lambdas/shared/pool-handler.js');
    const s = await setup();
    const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;
    const lines: string[] = [];
    const handler = poolHandler(convertLambda, { deps: () => s.deps, log: silent, emit: (line) => lines.push(line) });
    const report = await handler(EVENT, { awsRequestId: 'r1' } as never);
    // Amounts go out as decimal strings (Lambda answers JSON).
    expect(report).toMatchObject({ conversions: [{ status: 'credited', sold: '350000000' }], refused: [] });
    // The gauges the alarms watch, as an Embedded Metric Format record (nothing waits here: all credited).
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'Edgepool',
              Dimensions: [['Coin']],
              Metrics: [
                { Name: 'DepositWaitHours', Unit: 'None' },
                { Name: 'ConversionOpenHours', Unit: 'None' },
              ],
            },
          ],
        },
        Coin: 'LTC',
        DepositWaitHours: 0,
        ConversionOpenHours: 0,
      },
    ]);
  });

  it('refuses an environment without the conversion settings', async () => {
    const { convertLambda } = await import('../../../lambdas/convert/handler.js');
    const { lambdaDeps } = await import('../../../lambdas/shared/pool-handler.js');
    await expect(lambdaDeps(convertLambda, {})).rejects.toThrow('convert Lambda environment is invalid');
  });
});
