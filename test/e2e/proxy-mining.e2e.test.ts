import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config/load.js';
import type { PoolConfig } from '../../core/config/schema.js';
import { NODE_SOURCE, type ProxyCoinJobSource, UPSTREAM_SOURCE } from '../../families/bitcoin/proxy.js';
import { createLogger } from '../../local/logger.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { withDevnet } from '../helpers/devnet.js';
import { minerTotal } from '../helpers/dynamo.js';
import { testPoolConfig } from '../helpers/pool-config.js';
import { TestMiner } from '../helpers/test-miner.js';

/**
 * Proxy mining against a real Stratum V1 pool: a second instance of this pool on the LTC devnet is the upstream
 * (extranonce2 of 8 bytes, share difficulty 0.00001), the proxy pool's LTC coin mines its jobs and falls back to
 * litecoind when it is gone. Share difficulties are below regtest's block target's so that 'share' shares are not
 * blocks (no new tip between them).
 */
describe('proxy mining to an upstream pool on the devnet', () => {
  const net = withDevnet();
  const log = createLogger('proxy-e2e', 'silent');
  const UPSTREAM_DIFFICULTY = 0.00001;
  let upstream: LocalPool;
  let upstreamConfig: Readonly<PoolConfig>;
  let proxy: LocalPool;
  let proxyAccount: string;
  let minerAddress: string;
  let miner: TestMiner;
  let acceptedByProxy = 0;

  const proxySource = () => proxy.coins.get('LTC')!.service.jobs as ProxyCoinJobSource;
  const startUpstream = async () => {
    const dir = join(net.dataDir(), 'upstream');
    await mkdir(dir, { recursive: true });
    upstream = await startLocalPool({ config: upstreamConfig, dataDir: dir, log, moneyTimers: false });
  };

  beforeAll(async () => {
    const devnet = net.get();
    proxyAccount = (await devnet.minerWallet.getNewAddress('proxy', 'bech32')) as string;
    minerAddress = (await devnet.minerWallet.getNewAddress('proxied', 'bech32')) as string;
    upstreamConfig = testPoolConfig(devnet, UPSTREAM_DIFFICULTY, { jobs: { extranonce2Size: 8 } });
    await startUpstream();
    // Restarts on the same port: the proxy's configured URL.
    const port = upstream.coins.get('LTC')!.service.ports[0]!;
    upstreamConfig = parseConfig(
      {
        ...upstreamConfig,
        coins: upstreamConfig.coins.map((c) => ({ ...c, ports: c.ports.map((p) => ({ ...p, port })) })),
      },
      'test',
    );
    const proxyConfig = testPoolConfig(devnet, UPSTREAM_DIFFICULTY / 2, {
      proxy: {
        upstreams: [{ url: `stratum+tcp://127.0.0.1:${port}`, user: `${proxyAccount}.edge`, password: 'x' }],
        fallbackToNode: true,
        maxRetrySeconds: 1,
        requestTimeoutSeconds: 5,
      },
    });
    const dir = join(net.dataDir(), 'proxy');
    await mkdir(dir, { recursive: true });
    proxy = await startLocalPool({ config: proxyConfig, dataDir: dir, log, moneyTimers: false });
  });

  afterAll(async () => {
    miner?.close();
    await proxy?.stop();
    await upstream?.stop();
  });

  it("mines the upstream's jobs: shares credited by the proxy to the miner and by the upstream to the proxy", async () => {
    expect(proxySource().mining).toBe(UPSTREAM_SOURCE);
    miner = await TestMiner.connect(proxy.coins.get('LTC')!.service.ports[0]!, `${minerAddress}.rig`);
    // Vardiff's floor is the upstream's difficulty, above the port's own (half of it).
    expect(miner.difficulty()).toBe(UPSTREAM_DIFFICULTY);
    // The miner's extranonce1 is 4 bytes (task prefix ‖ counter) and its extranonce2 4: the upstream's 8 carved.
    expect(miner.extranonce1).toHaveLength(8);
    for (let i = 0; i < 6; i++) expect(await miner.submitOne('share')).toBe(true);
    acceptedByProxy += 6;
    await proxySource().proxy.settled();
    expect(proxySource().proxy.counts).toMatchObject({ forwarded: 6, accepted: 6, rejected: 0, unanswered: 0 });

    // A block: the upstream submits it to litecoind (the chain grows) and sends a clean job on the new tip.
    const height = await net.get().clientA.getBlockCount();
    const seen = miner.client.count('mining.notify');
    expect(await miner.submitOne('block')).toBe(true);
    acceptedByProxy++;
    const next = await miner.client.nextNotification('mining.notify', seen);
    expect(next.params[8]).toBe(true);
    expect(await net.get().clientA.getBlockCount()).toBe(height + 1);
    await proxySource().proxy.settled();
    expect(proxySource().proxy.counts.accepted).toBe(7);

    await upstream.settle();
    await proxy.settle();
    expect((await minerTotal(upstream.storage.shares.miners, 'LTC', proxyAccount)).shares).toBe(7);
    expect((await minerTotal(proxy.storage.shares.miners, 'LTC', minerAddress)).shares).toBe(acceptedByProxy);
    // The upstream found the block (its storage); the proxy records none of its own.
    expect((await upstream.storage.shares.poolStats.listBlocks('LTC')).map((b) => b.miner)).toContain(proxyAccount);
    expect(await proxy.storage.shares.poolStats.listBlocks('LTC')).toHaveLength(0);
  });

  it('falls back to litecoind when the upstream dies, and returns to it when it is back, losing no share', async () => {
    const lastUpstreamJob = miner.job();
    const seen = miner.client.count('mining.notify');
    await upstream.stop();
    // One clean job from the node (the multiplexer's node source: job ids start with 1).
    const fallback = await miner.client.nextNotification('mining.notify', seen);
    expect(fallback.params[8]).toBe(true);
    expect(String(fallback.params[0]).startsWith('1')).toBe(true);
    expect(proxySource().mining).toBe(NODE_SOURCE);
    // A share on the dead upstream's job is stale: nobody could use it.
    const share = miner.mine('share');
    const stale = await miner.client.request(9, 'mining.submit', [
      `${minerAddress}.rig`,
      lastUpstreamJob.jobId,
      share.extranonce2,
      share.ntime,
      share.nonce,
    ]);
    expect(stale.error?.[0]).toBe(21);

    // Solo on the node: a block found by the miner is submitted to litecoind by the proxy pool itself.
    const height = await net.get().clientA.getBlockCount();
    expect(await miner.submitOne('block')).toBe(true);
    acceptedByProxy++;
    expect(await net.get().clientA.getBlockCount()).toBe(height + 1);
    await proxy.settle();
    const solo = await proxy.storage.shares.poolStats.listBlocks('LTC');
    expect(solo.map((b) => [b.miner, b.submitResult])).toEqual([[minerAddress, 'accepted']]);
    const forwardedBefore = proxySource().proxy.counts.forwarded;

    // The upstream comes back on its port: the proxy returns to it with a clean job (ids start with 0 again).
    const beforeReturn = miner.client.count('mining.notify');
    await startUpstream();
    let back = await miner.client.nextNotification('mining.notify', beforeReturn, 20_000);
    for (let n = beforeReturn + 1; !String(back.params[0]).startsWith('0'); n++)
      back = await miner.client.nextNotification('mining.notify', n, 20_000);
    expect(back.params[8]).toBe(true);
    expect(proxySource().mining).toBe(UPSTREAM_SOURCE);
    for (let i = 0; i < 3; i++) expect(await miner.submitOne('share')).toBe(true);
    acceptedByProxy += 3;
    await proxySource().proxy.settled();
    expect(proxySource().proxy.counts.forwarded).toBe(forwardedBefore + 3);
    expect(proxySource().proxy.counts).toMatchObject({ accepted: 10, rejected: 0, unanswered: 0 });

    // Counted once each: the proxy credits every acknowledged share, the upstream every forwarded one.
    await upstream.settle();
    await proxy.settle();
    expect(acceptedByProxy).toBe(miner.accepted);
    expect((await minerTotal(proxy.storage.shares.miners, 'LTC', minerAddress)).shares).toBe(acceptedByProxy);
    expect((await minerTotal(upstream.storage.shares.miners, 'LTC', proxyAccount)).shares).toBe(10);
    const upstreamState = proxySource().upstreams()[0]!;
    expect(upstreamState).toMatchObject({ healthy: true, accepted: 10, rejected: 0 });
  });
});
