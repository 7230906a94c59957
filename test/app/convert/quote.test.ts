import { describe, expect, it } from 'vitest';
import { runConversions } from '../../../app/convert/convert.js';
import { conversionConfigSchema } from '../../../core/conversion/config.js';
import { auditBoth, config, conversionFixtures, EVENT, NOW, ordersPerClientId } from './helpers.js';

const { setup } = conversionFixtures();
const HOUR = 3_600_000;
const at = (t: number) => ({ time: new Date(t).toISOString() });

/** BTC as in the other tests, and USDT, which no fake exchange lists. */
const withUsdt = conversionConfigSchema.parse({
  ...config,
  targets: [
    ...config.targets,
    { currency: 'USDT', feeWallets: [{ address: '0x0000000000000000000000000000000000000001' }] },
  ],
});

describe('conversion quotes, stored by every conversion pass (dynalite + fake exchanges)', () => {
  it('stores the latest quote per target every run, also when there is nothing to convert', async () => {
    const s = await setup({ config: withUsdt });
    expect(await s.store.listQuotes('LTC')).toEqual([]);
    const first = await runConversions(s.deps, EVENT);
    expect(first.conversions[0]).toMatchObject({ status: 'credited' });
    const btc = await s.store.getQuote('LTC', 'BTC');
    expect(btc).toMatchObject({ target: 'BTC', amount: 100_000_000n, quotedAt: NOW, bookAgeMs: 0 });
    expect(btc!.refused).toBeUndefined();
    // One LTC at ~0.00123 BTC, after the taker and withdrawal fees.
    expect(btc!.net! > 120_000n && btc!.net! < 123_000n).toBe(true);
    expect(btc!.exchangeFee! > 0n && btc!.withdrawalFee! >= 50n).toBe(true);
    expect(btc!.exchanges!.length).toBeGreaterThan(0);
    // No exchange lists LTC/USDT: nothing to sell on, stored as the reason.
    expect(await s.store.getQuote('LTC', 'USDT')).toMatchObject({ refused: expect.stringMatching(/^no-books/) });

    // An hour later the miners' balances are converted already: nothing to convert, a new quote all the same.
    s.clock.now = NOW + HOUR;
    expect(await runConversions(s.deps, at(NOW + HOUR))).toMatchObject({ conversions: [], refused: [] });
    expect(await s.store.getQuote('LTC', 'BTC')).toMatchObject({ quotedAt: NOW + HOUR });
    expect((await s.store.listQuotes('LTC')).map((q) => q.target).sort()).toEqual(['BTC', 'USDT']);
  });

  it('an exchange failing during the quote pass keeps the previous quote and loses nothing', async () => {
    const s = await setup();
    s.fakes.okx.fail('order', 'timeout'); // a conversion stays in flight, to be finished by the next run
    expect((await runConversions(s.deps, EVENT)).conversions[0]).toMatchObject({ status: 'ordered' });
    const before = await s.store.getQuote('LTC', 'BTC');
    expect(before).toMatchObject({ quotedAt: NOW });

    // Ten minutes later no exchange answers for its book (both attempts time out): no quote replaces the last.
    s.clock.now = NOW + 600_000;
    for (const f of Object.values(s.fakes)) {
      f.fail('book', 'timeout');
      f.fail('book', 'timeout');
    }
    const next = await runConversions(s.deps, EVENT);
    expect(next.conversions[0]).toMatchObject({ status: 'credited', sold: '350000000' });
    expect(await s.store.getQuote('LTC', 'BTC')).toEqual(before);
    await auditBoth(s);
    expect([...ordersPerClientId(s.fakes).values()].every((n) => n === 1)).toBe(true);

    // The books answer again: the next run's quote replaces it (a refusal now: the sale thinned the books).
    s.clock.now = NOW + HOUR;
    await runConversions(s.deps, at(NOW + HOUR));
    expect(await s.store.getQuote('LTC', 'BTC')).toMatchObject({ quotedAt: NOW + HOUR, refused: /^spread/ });
  });
});
