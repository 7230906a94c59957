import { duplexPair } from 'node:stream';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { StratumServerOptions } from '../../../fargate/src/stratum/context.js';
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

/** A server reporting to a fresh prom-client registry; `connect` opens a duplexPair miner from `address`. */
function serve(over: Partial<StratumServerOptions> = {}) {
  const registry = new Registry();
  const jobs = new FakeJobProvider();
  const server = new StratumServer({
    options: options(over),
    jobs,
    dialects: jobs.dialects,
    shares: new MemoryShareQueue(),
    validateAddress: validate,
    log: silentLog,
    metrics: createStratumMetrics(registry),
  });
  cleanup.push(() => server.close());
  const connect = (address: string) => {
    const [miner, pool] = duplexPair();
    cleanup.push(() => miner.destroy());
    return { conn: server.handle(pool, { address, port: 1 }), c: new PairClient(miner) };
  };
  return { registry, jobs, server, connect };
}

describe('createStratumMetrics', () => {
  it('counts connections, accepted shares, rejections by reason and blocks on a prom-client registry', async () => {
    const { registry, jobs, server, connect } = serve();
    const { c } = connect('127.0.0.1');
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
      { ok: true, hash: 'ab', actualDifficulty: 10, networkDifficulty: 4096, height: 500 },
      { ok: false, code: 22, message: 'duplicate share' },
      { ok: true, hash: 'ab', actualDifficulty: 1e9, networkDifficulty: 4096, height: 500, block },
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
    const { registry, connect } = serve({ security: security({ banning: { malformedLimit: 2 } }) });
    const { c } = connect('203.0.113.5');
    c.raw('x\ny\n');
    await c.waitFor(() => false, 'the ban').catch(() => {});
    expect(connect('203.0.113.5').conn).toBeUndefined();
    expect(await sample(registry, 'stratum_bans_total', { coin: 'LTC', reason: 'malformed' })).toBe(1);
    expect(await sample(registry, 'stratum_dropped_connections_total', { coin: 'LTC', reason: 'banned' })).toBe(2);
  });
});
