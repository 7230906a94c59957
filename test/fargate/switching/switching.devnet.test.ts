import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CcxtExchange } from '../../../adapters/exchange/ccxt-exchange.js';
import { parseConfig } from '../../../core/config/load.js';
import type { PoolConfig } from '../../../core/config/schema.js';
import { createMemoryMetrics } from '../../../fargate/src/stratum/metrics.js';
import { type SwitchingService, startSwitchingService } from '../../../fargate/src/switching/service.js';
import { withDevnet } from '../../helpers/devnet.js';
import { dogeSoloCoin, withDogeStandin } from '../../helpers/doge-standin.js';
import { FakeBook } from '../../helpers/fake-exchanges/engine.js';
import { FakeExchangeServer } from '../../helpers/fake-exchanges/server.js';
import { TestMiner } from '../../helpers/test-miner.js';
import { MemoryShareQueue, silentLog } from '../stratum/fakes.js';
import { MemorySwitchingStore } from './fakes.js';

const difficulty = { initial: 0.00001, min: 0.00001, max: 0.00001 };
const book = (price: string) => new FakeBook([[price, '1000000']], [[price, '1000000']], 10);

/**
 * The switching port on real nodes: LTC on regtest litecoind and DOGE mined on its own on the stand-in DOGE node
 * (a stand-in of ours for dogecoind: getblocktemplate/submitblock as Dogecoin Core 1.14), both scrypt. The port's own
 * job sources read the nodes' real templates (coinbase values, targets); DOGE's price on the fake Binance moves above
 * LTC's earnings; a test miner mines real scrypt blocks on LTC, sees the switch, then mines DOGE blocks the stand-in
 * accepts, each share queued on its coin.
 */
describe('switching port on litecoind and the DOGE stand-in', () => {
  const ltcNet = withDevnet();
  const dogeNet = withDogeStandin();
  let binance: FakeExchangeServer;
  let service: SwitchingService;
  let config: Readonly<PoolConfig>;
  const queues = { LTC: new MemoryShareQueue(), DOGE: new MemoryShareQueue() };
  const store = new MemorySwitchingStore();

  beforeAll(async () => {
    binance = await new FakeExchangeServer('binance').start();
    // DOGE nearly worthless at first: the port starts on LTC and stays there.
    binance.ctx.books = { LTCBTC: book('0.001'), DOGEBTC: book('0.00000001') };
    const ltc = ltcNet.get();
    config = parseConfig({
      coins: [
        {
          symbol: 'LTC',
          network: 'regtest',
          poolAddress: ltc.poolAddress,
          daemons: ltc.rpc,
          ports: [{ port: 0, difficulty }],
        },
        dogeSoloCoin(dogeNet.get(), { longPoll: false }),
      ],
      switching: [
        {
          name: 'scrypt',
          algorithm: 'scrypt',
          coins: ['LTC', 'DOGE'],
          ports: [{ port: 0, difficulty }],
          holdSeconds: 0,
          prices: { exchanges: [{ id: 'binance', apiBaseUrl: binance.url }], pollSeconds: 3600 },
          evaluateSeconds: 3600,
        },
      ],
    });
    service = await startSwitchingService({
      config,
      port: config.switching[0]!,
      shares: (coin) => queues[coin as 'LTC' | 'DOGE'],
      exchanges: [new CcxtExchange({ id: 'binance', apiBaseUrl: binance.url, rateLimitMs: 1 })],
      store,
      log: silentLog,
      metrics: createMemoryMetrics(),
    });
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
    await binance?.stop();
  });

  it('reads real rewards and targets, switches when DOGE pays more, and the miner mines blocks on each coin', async () => {
    await service.evaluateNow();
    const [ltcRow, dogeRow] = service.state().table;
    expect(ltcRow).toMatchObject({ coin: 'LTC', healthy: true, eligible: true, price: '0.001' });
    expect(dogeRow).toMatchObject({ coin: 'DOGE', healthy: true, eligible: true, price: '0.00000001' });
    // The nodes' own coinbase values: what litecoind and the stand-in put in their templates.
    const ltcTemplate = await ltcNet
      .get()
      .clientA.call<{ coinbasevalue: number }>('getblocktemplate', [{ rules: ['mweb', 'segwit'] }]);
    expect(BigInt(ltcRow!.reward!)).toBe(BigInt(ltcTemplate.coinbasevalue));
    const dogeTemplate = await dogeNet
      .get()
      .client.call<{ coinbasevalue: number }>('getblocktemplate', [{ rules: [] }]);
    expect(BigInt(dogeRow!.reward!)).toBe(BigInt(dogeTemplate.coinbasevalue));
    expect(service.state().current).toBe('LTC');

    const miner = await TestMiner.connect(service.ports[0]!, `${ltcNet.get().minerAddress}.rig`);
    try {
      const ltcHeight = await ltcNet.get().clientA.call<number>('getblockcount');
      expect(await miner.submitOne('block')).toBe(true);
      await expect.poll(() => ltcNet.get().clientA.call<number>('getblockcount')).toBe(ltcHeight + 1);

      // DOGE's price so that it earns 20 % more than LTC per hash (earnings are linear in the price).
      await service.evaluateNow();
      const [ltcNow, dogeNow] = service.state().table;
      const ratio = (Number(ltcNow!.earningsPerTerahash) / Number(dogeNow!.earningsPerTerahash)) * 1.2;
      binance.ctx.books = { LTCBTC: book('0.001'), DOGEBTC: book((0.00000001 * ratio).toPrecision(12)) };
      await service.pollPrices();
      const notifies = miner.client.count('mining.notify');
      await service.evaluateNow();
      expect(service.state().current).toBe('DOGE');
      expect(store.records).toEqual([expect.objectContaining({ from: 'LTC', to: 'DOGE' })]);
      const notify = await miner.client.nextNotification('mining.notify', notifies);
      expect(notify.params[8]).toBe(true);
      expect(String(notify.params[0])).toMatch(/^1/);

      const dogeHeight = await dogeNet.get().client.call<number>('getblockcount');
      expect(await miner.submitOne('block')).toBe(true);
      await expect.poll(() => dogeNet.get().client.call<number>('getblockcount')).toBe(dogeHeight + 1);
      expect(queues.LTC.shares.map((s) => [s.coin, s.block?.submitResult])).toEqual([['LTC', 'accepted']]);
      expect(queues.DOGE.shares.map((s) => [s.coin, s.block?.submitResult])).toEqual([['DOGE', 'accepted']]);
    } finally {
      miner.close();
    }
  }, 120_000);
});
