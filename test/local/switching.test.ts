import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { payments } from 'bitcoinjs-lib';
import { afterEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { DynamoSwitchingStore } from '../../adapters/aws/dynamo-switching-store.js';
import { getCoin } from '../../core/coins/index.js';
import { parseConfig } from '../../core/config/load.js';
import { CHAIN_FAMILIES } from '../../families/registry.js';
import { createMemoryMetrics } from '../../fargate/src/stratum/metrics.js';
import { startLocalStorage } from '../../local/storage.js';
import { startLocalSwitching } from '../../local/switching.js';
import { MemoryShareQueue, RecordingLogger, until } from '../fargate/stratum/fakes.js';
import { FakeCoinSource } from '../fargate/switching/fakes.js';
import { FakeBook } from '../helpers/fake-exchanges/engine.js';
import { FakeExchangeServer } from '../helpers/fake-exchanges/server.js';
import { TestMiner } from '../helpers/test-miner.js';

const address = (symbol: string) =>
  payments.p2wpkh({ hash: Buffer.alloc(20, 4), network: getCoin(symbol).networks.regtest![0] }).address!;
const difficulty = { initial: 0.00001, min: 0.00001, max: 0.00001 };
const daemons = [{ url: 'http://127.0.0.1:1', user: 'u', password: 'p' }];

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('local mode switching ports', () => {
  it('starts once its coins run, shares their job sources and queues, and records its state in the first coin’s stats table', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'local-switching-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const storage = await startLocalStorage({ dataDir: dir, coins: ['LTC', 'DOGE'] });
    cleanup.push(() => storage.close());
    const binance = await new FakeExchangeServer('binance').start();
    cleanup.push(() => binance.stop());
    const flat = (p: string) => new FakeBook([[p, '1000']], [[p, '1000']], 10);
    binance.ctx.books = { LTCBTC: flat('0.001'), DOGEBTC: flat('0.0000001') };
    const coin = (symbol: string) => ({
      symbol,
      network: 'regtest',
      poolAddress: payments.p2pkh({ hash: Buffer.alloc(20, 3), network: getCoin(symbol).networks.regtest![0] })
        .address!,
      daemons,
      ports: [{ port: 0, difficulty }],
    });
    const config = parseConfig({
      coins: [coin('LTC'), coin('DOGE')],
      switching: [
        {
          name: 'scrypt',
          algorithm: 'scrypt',
          coins: ['LTC', 'DOGE'],
          ports: [{ port: 0, difficulty }],
          prices: { exchanges: [{ id: 'binance', apiBaseUrl: binance.url }] },
          evaluateSeconds: 1,
        },
      ],
    });
    const ltc = new FakeCoinSource('a', 625_000_000n);
    const doge = new FakeCoinSource('b', 1_000_000_000_000n);
    const queues = { LTC: new MemoryShareQueue(), DOGE: new MemoryShareQueue() };
    // DOGE's service has not started yet (its nodes do not answer): the port waits for it.
    const coins = new Map([['LTC', { service: { jobs: ltc }, queue: queues.LTC }]]);
    const log = new RecordingLogger();
    const switching = await startLocalSwitching({
      config,
      coins,
      storage,
      log,
      metrics: createMemoryMetrics(),
      families: CHAIN_FAMILIES,
      retryMs: 50,
    });
    cleanup.push(() => switching.stop());
    expect(switching.services.size).toBe(0);
    expect(log.entries.some((e) => e.msg === 'switching port could not start; retrying')).toBe(true);
    coins.set('DOGE', { service: { jobs: doge }, queue: queues.DOGE });
    await until(() => switching.services.has('scrypt'), 'the switching port to start');
    const service = switching.services.get('scrypt')!;

    const miner = await TestMiner.connect(service.ports[0]!, `${address('LTC')}.rig`);
    cleanup.push(() => miner.close());
    expect(await miner.submitOne()).toBe(true);
    expect(queues.LTC.shares).toHaveLength(1);
    // Checked by the coin's own job source (the one its port runs), not a second one the switching port started.
    expect(ltc.submissions.map((s) => s.miner)).toEqual([address('LTC')]);

    const store = new DynamoSwitchingStore(
      createDocumentClient(storage.client),
      () => storage.tables.get('LTC')!.stats,
    );
    await until(() => service.state().table.length === 2, 'an evaluation', 5000);
    await expect.poll(async () => (await store.state('scrypt'))?.current, { timeout: 5000 }).toBe('LTC');
    const state = await store.state('scrypt');
    expect(state?.table.map((r) => [r.coin, r.price, r.eligible])).toEqual([
      ['LTC', '0.001', true],
      ['DOGE', '0.0000001', true],
    ]);
  });
});
