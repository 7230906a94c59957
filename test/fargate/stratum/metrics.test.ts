import { duplexPair } from 'node:stream';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createStratumMetrics } from '../../../fargate/src/stratum/metrics.js';
import { StratumServer } from '../../../fargate/src/stratum/server.js';
import { ADDRESS, FakeJobProvider, MemoryShareQueue, options, security, silentLog, until, validate } from './fakes.js';
import { PairClient } from './pair-client.js';

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.reverse()) c();
  cleanup = [];
});

const USER = `${ADDRESS}.rig1`;
const submit = (en2: string) => [USER, '1', en2, '6500000a', '0000abcd'];

/** The value of one sample (`series` for a histogram's _count/_sum), or undefined when it does not exist. */
async function sample(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
  series = name,
): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  const found = metric?.values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? name) === series &&
      Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  );
  return found?.value;
}

describe('createStratumMetrics', () => {
  it('counts connections, accepted shares, rejections by reason and blocks on a prom-client registry', async () => {
    const registry = new Registry();
    const jobs = new FakeJobProvider();
    const queue = new MemoryShareQueue();
    const server = new StratumServer({
      options: options(),
      jobs,
      shares: queue,
      validateAddress: validate,
      log: silentLog,
      metrics: createStratumMetrics(registry),
    });
    cleanup.push(() => server.close());
    const [miner, pool] = duplexPair();
    cleanup.push(() => miner.destroy());
    server.handle(pool, { address: '127.0.0.1', port: 1 });
    const c = new PairClient(miner);
    expect(await sample(registry, 'stratum_connections', { coin: 'LTC' })).toBe(1);

    await c.request(1, 'mining.subscribe', []);
    await c.request(2, 'mining.authorize', [USER, 'x']);
    const block = {
      height: 500,
      hash: 'ab'.repeat(32),
      reward: '5000000000',
      networkDifficulty: 1,
      submitResult: 'accepted',
    };
    jobs.nextVerdicts.push(
      { ok: true, hash: 'ab', actualDifficulty: 10, height: 500 },
      { ok: false, code: 22, message: 'duplicate share' },
      { ok: true, hash: 'ab', actualDifficulty: 1e9, height: 500, block },
    );
    for (const en2 of ['00000001', '00000001', '00000002']) await c.request(4, 'mining.submit', submit(en2));
    expect(
      await c.request(4, 'mining.submit', ['someone.else', '1', '00000003', '6500000a', '0000abcd']),
    ).toMatchObject({
      error: [24, 'unauthorized worker', null],
    });

    expect(await sample(registry, 'stratum_shares_total', { coin: 'LTC', result: 'accepted' })).toBe(2);
    expect(await sample(registry, 'stratum_shares_total', { coin: 'LTC', result: 'duplicate' })).toBe(1);
    expect(await sample(registry, 'stratum_shares_total', { coin: 'LTC', result: 'unauthorized' })).toBe(1);
    expect(await sample(registry, 'stratum_blocks_total', { coin: 'LTC', result: 'accepted' })).toBe(1);
    expect(
      await sample(registry, 'stratum_share_ack_seconds', { coin: 'LTC' }, 'stratum_share_ack_seconds_count'),
    ).toBe(2);

    server.close();
    await until(() => server.connectionCount === 0, 'the close');
    expect(await sample(registry, 'stratum_connections', { coin: 'LTC' })).toBe(0);
  });

  it('counts bans by trigger and dropped connections by reason', async () => {
    const registry = new Registry();
    const server = new StratumServer({
      options: options({ security: security({ banning: { malformedLimit: 2 } }) }),
      jobs: new FakeJobProvider(),
      shares: new MemoryShareQueue(),
      validateAddress: validate,
      log: silentLog,
      metrics: createStratumMetrics(registry),
    });
    cleanup.push(() => server.close());
    const [miner, pool] = duplexPair();
    cleanup.push(() => miner.destroy());
    server.handle(pool, { address: '203.0.113.5', port: 1 });
    const c = new PairClient(miner);
    c.raw('x\ny\n');
    await c.waitFor(() => false, 'the ban').catch(() => {});
    const [again, pool2] = duplexPair();
    cleanup.push(() => again.destroy());
    expect(server.handle(pool2, { address: '203.0.113.5', port: 2 })).toBeUndefined();
    expect(await sample(registry, 'stratum_bans_total', { coin: 'LTC', reason: 'malformed' })).toBe(1);
    expect(await sample(registry, 'stratum_dropped_connections_total', { coin: 'LTC', reason: 'banned' })).toBe(2);
  });
});
