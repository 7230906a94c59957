import { payments } from 'bitcoinjs-lib';
import { afterEach, describe, expect, it } from 'vitest';
import { CcxtExchange } from '../../../adapters/exchange/ccxt-exchange.js';
import { getCoin } from '../../../core/coins/index.js';
import { parseConfig } from '../../../core/config/load.js';
import { createMemoryMetrics } from '../../../fargate/src/stratum/metrics.js';
import { type SwitchingService, startSwitchingService } from '../../../fargate/src/switching/service.js';
import { FakeBook } from '../../helpers/fake-exchanges/engine.js';
import { FakeExchangeServer } from '../../helpers/fake-exchanges/server.js';
import { TestMiner } from '../../helpers/test-miner.js';
import { ADDRESS, MemoryShareQueue, silentLog } from '../stratum/fakes.js';
import { FakeCoinSource, MemorySwitchingStore } from './fakes.js';

const book = (bid: string, ask: string) =>
  new FakeBook(
    [
      [bid, '100000'],
      ['0.00000001', '100000'],
    ],
    [[ask, '100000']],
    10,
  );

const address = (symbol: string) =>
  payments.p2pkh({ hash: Buffer.alloc(20, 9), network: getCoin(symbol).networks.regtest![0] }).address!;
const toBtc = {
  exchanges: [{ id: 'binance' }],
  targets: [
    {
      currency: 'BTC',
      feeWallets: [
        {
          address: payments.p2pkh({ hash: Buffer.alloc(20, 8), network: getCoin('BTC').networks.regtest![0] }).address!,
        },
      ],
    },
  ],
};
const daemons = [{ url: 'http://127.0.0.1:1', user: 'u', password: 'p' }];
const difficulty = { initial: 0.00001, min: 0.00001, max: 0.00001 };

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const T0 = 1_800_000_000_000;

async function setup(payoutCurrency?: 'BTC') {
  const clock = { now: T0 };
  const binance = await new FakeExchangeServer('binance').start();
  cleanup.push(() => binance.stop());
  // LTC at 0.001 BTC, DOGE at 0.0000006 BTC (mid of bid and ask).
  binance.ctx.books = { LTCBTC: book('0.00099', '0.00101'), DOGEBTC: book('0.00000059', '0.00000061') };
  const exchange = new CcxtExchange({
    id: 'binance',
    apiBaseUrl: binance.url,
    rateLimitMs: 1,
    attempts: 1,
    timeoutMs: 500,
    now: () => clock.now,
  });
  const coin = (symbol: string) => ({
    symbol,
    network: 'regtest',
    poolAddress: address(symbol),
    daemons,
    ports: [{ port: 0, difficulty }],
    // A port paying in BTC: its coins convert to BTC (the config requires it).
    ...(payoutCurrency && symbol !== 'BTC' && { conversion: toBtc }),
  });
  const config = parseConfig({
    coins: payoutCurrency ? [coin('LTC'), coin('DOGE'), coin('BTC')] : [coin('LTC'), coin('DOGE')],
    switching: [
      {
        name: 'scrypt',
        algorithm: 'scrypt',
        coins: ['LTC', 'DOGE'],
        ports: [{ port: 0, difficulty }],
        prices: { exchanges: [{ id: 'binance', apiBaseUrl: binance.url }], pollSeconds: 3600 },
        evaluateSeconds: 3600,
        ...(payoutCurrency && { payoutCurrency }),
      },
    ],
  });
  // Same target: LTC earns 6.25 × 0.001 = 0.00625 BTC per block, DOGE 10000 × 0.0000006 = 0.006.
  const ltc = new FakeCoinSource('a', 625_000_000n);
  const doge = new FakeCoinSource('b', 1_000_000_000_000n);
  const queues = { LTC: new MemoryShareQueue(), DOGE: new MemoryShareQueue() };
  const store = new MemorySwitchingStore();
  const service: SwitchingService = await startSwitchingService({
    config,
    port: config.switching[0]!,
    shares: (coin) => queues[coin as 'LTC' | 'DOGE'],
    exchanges: [exchange],
    store,
    log: silentLog,
    metrics: createMemoryMetrics(),
    sharedSource: (coin) => (coin === 'LTC' ? ltc : doge),
    now: () => clock.now,
  });
  cleanup.push(() => service.stop());
  /** Moves the clock, reads the books and runs the rule, as the timers would. */
  const at = async (seconds: number) => {
    clock.now = T0 + seconds * 1000;
    await service.pollPrices();
    await service.evaluateNow();
  };
  return { clock, binance, ltc, doge, queues, store, service, at };
}

describe('switching service', () => {
  it('switches exactly when the rule says; the miner sees one clean notify and set_difficulty; shares land on their coins', async () => {
    const { binance, queues, store, service, at } = await setup();
    await at(0);
    expect(service.state()).toMatchObject({ current: 'LTC', port: 'scrypt', quote: 'BTC' });
    const table = service.state().table;
    expect(table.map((r) => [r.coin, r.price, r.reward, r.eligible])).toEqual([
      ['LTC', '0.001', '625000000', true],
      ['DOGE', '0.0000006', '1000000000000', true],
    ]);
    expect(Number(table[0]!.earningsPerTerahash)).toBeGreaterThan(Number(table[1]!.earningsPerTerahash));

    const miner = await TestMiner.connect(service.ports[0]!, `${ADDRESS}.rig1`);
    cleanup.push(() => miner.close());
    expect(miner.job().jobId).toBe('0a1');
    expect(await miner.submitOne()).toBe(true);

    // DOGE to 0.0000007 BTC: 12 % above LTC, over the 5 % margin; held from t = 10 s.
    binance.ctx.books!.DOGEBTC = book('0.00000069', '0.00000071');
    await at(10);
    expect(service.state().leader).toEqual({ coin: 'DOGE', since: T0 + 10_000 });
    const before = miner.client.notifications.length;
    const notifies = miner.client.count('mining.notify');
    await at(309);
    expect(service.state().current).toBe('LTC');
    expect(store.records).toEqual([]);
    expect(miner.client.notifications.length).toBe(before);

    await at(310);
    expect(service.state().current).toBe('DOGE');
    expect(store.records).toEqual([
      expect.objectContaining({ port: 'scrypt', at: T0 + 310_000, from: 'LTC', to: 'DOGE' }),
    ]);
    expect(store.records[0]!.reason).toBe('DOGE beat LTC by 12% (margin 5%) for 300 s');
    const notify = await miner.client.nextNotification('mining.notify', notifies);
    await new Promise((r) => setTimeout(r, 100));
    const after = miner.client.notifications.slice(before);
    expect(after.map((n) => n.method)).toEqual(['mining.set_difficulty', 'mining.notify']);
    expect(after[0]!.params).toEqual([difficulty.initial]);
    expect(notify.params[0]).toBe('1b1');
    expect(notify.params[8]).toBe(true);

    // The LTC job's share, sent after the switch, is stale; the DOGE job's goes to DOGE's queue.
    miner.client.send(7, 'mining.submit', [`${ADDRESS}.rig1`, '0a1', 'ffffffff', '6500000a', '00000000']);
    expect((await miner.client.response()).error?.[0]).toBe(21);
    expect(await miner.submitOne()).toBe(true);
    expect(queues.LTC.shares.map((s) => s.coin)).toEqual(['LTC']);
    expect(queues.DOGE.shares.map((s) => [s.coin, s.miner, s.worker])).toEqual([['DOGE', ADDRESS, 'rig1']]);
  });

  it('leaves a coin whose nodes stop answering at once, and never goes to one whose price is stale', async () => {
    const { binance, doge, store, service, at } = await setup();
    binance.ctx.books!.DOGEBTC = book('0.00000069', '0.00000071');
    await at(0);
    await at(300);
    expect(service.state().current).toBe('DOGE');
    doge.healthy = false;
    await at(301);
    expect(service.state().current).toBe('LTC');
    expect(store.records.at(-1)).toMatchObject({
      from: 'DOGE',
      to: 'LTC',
      reason: 'DOGE unhealthy: no node of the coin answers',
    });
    expect(service.state().table[1]).toMatchObject({
      coin: 'DOGE',
      healthy: false,
      eligible: false,
      ineligibleBecause: 'unhealthy: no node of the coin answers',
    });
    // DOGE back and far ahead, but its book empties: its last price ages past 600 s and it is never chosen.
    doge.healthy = true;
    binance.ctx.books!.DOGEBTC = book('0.0001', '0.0001');
    await at(302);
    binance.ctx.books!.DOGEBTC = new FakeBook([], [], 10);
    await at(903);
    expect(service.state().table[1]).toMatchObject({ eligible: false, ineligibleBecause: 'price stale (601 s old)' });
    expect(service.state().current).toBe('LTC');
    expect(store.records).toHaveLength(2);
  });

  it('takes logins with an address of the payout currency when the port has one, and refuses the first coin’s', async () => {
    const { service } = await setup('BTC');
    const btc = await TestMiner.connect(service.ports[0]!, `${address('BTC')}.rig`);
    cleanup.push(() => btc.close());
    await expect(TestMiner.connect(service.ports[0]!, `${ADDRESS}.rig`)).rejects.toThrow(/authorize failed/);
  });

  it("adds the merged chains' earnings at their own price, and nothing for one whose price is stale", async () => {
    const { binance, ltc, service, at } = await setup();
    // LTC's jobs commit to DOGE work (merged mining) at the same target: DOGE's term is added to LTC's.
    ltc.economicsNow = {
      ...ltc.economicsNow,
      aux: [{ coin: 'DOGE', height: 900, reward: 1_000_000_000_000n, target: ltc.economicsNow.target }],
    };
    await at(0);
    const [withAux, doge] = service.state().table;
    expect(withAux!.aux).toEqual([
      {
        coin: 'DOGE',
        reward: '1000000000000',
        price: '0.0000006',
        priceAt: T0,
        earningsPerTerahash: doge!.earningsPerTerahash,
      },
    ]);
    const ltcOwn = Number(withAux!.earningsPerTerahash) - Number(doge!.earningsPerTerahash);
    expect(ltcOwn).toBeGreaterThan(0);
    // DOGE's book empties: once its price is over 600 s old, LTC's row counts LTC alone.
    binance.ctx.books!.DOGEBTC = new FakeBook([], [], 10);
    await at(601);
    const [alone] = service.state().table;
    expect(alone!.aux).toEqual([{ coin: 'DOGE', reward: '1000000000000', price: '0.0000006', priceAt: T0 }]);
    expect(Number(alone!.earningsPerTerahash)).toBeCloseTo(ltcOwn, 6);
  });
});
