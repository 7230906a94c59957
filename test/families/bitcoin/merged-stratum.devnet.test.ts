import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/config/load.js';
import { auxCoinsOf } from '../../../core/config/merged.js';
import { bitcoinJobs, bitcoinStratum } from '../../../families/bitcoin/stratum.js';
import type { JobSource } from '../../../families/chain-family.js';
import { startCoinService } from '../../../fargate/src/coin-service.js';
import { type CoinHealth, createOpsServer, listen } from '../../../fargate/src/http/ops-server.js';
import { createMemoryMetrics } from '../../../fargate/src/stratum/metrics.js';
import { FakeAuxNode } from '../../fargate/jobs/aux/fake-aux-node.js';
import { mineSubmission } from '../../fargate/jobs/devnet-jobs.js';
import { recordingLogger } from '../../fargate/jobs/fakes.js';
import { MemoryShareQueue, silentLog } from '../../fargate/stratum/fakes.js';
import { withDevnet } from '../../helpers/devnet.js';
import { withDogeStandin } from '../../helpers/doge-standin.js';

/**
 * The Bitcoin family's job source as the stratum runtimes start it, from a config where DOGE is merged with LTC:
 * LTC on the regtest litecoind devnet, DOGE on the stand-in DOGE node (local/devnet: verifies AuxPoW by Dogecoin's
 * rules; not a real dogecoind). One share found by the test miner is an LTC block and a DOGE block: litecoind and
 * the stand-in both accept theirs. Its nodes' health, with a fake aux node that can go down, through the coin service
 * and the ops server.
 */
describe('LTC merged with the stand-in DOGE node, through the family job source', () => {
  const ltc = withDevnet();
  const doge = withDogeStandin();
  let jobs: JobSource | undefined;

  /** LTC on litecoind, DOGE merged with it on `dogeDaemons`. */
  const mergedConfig = (dogeDaemons: Array<{ url: string; user: string; password: string }>) =>
    parseConfig({
      coins: [
        {
          symbol: 'LTC',
          network: 'regtest',
          poolAddress: ltc.get().poolAddress,
          daemons: ltc.get().rpc,
          ports: [{ port: 0, host: '127.0.0.1', difficulty: { initial: 0.01, min: 0.001, max: 1000 } }],
          jobs: { longPoll: false },
        },
        {
          symbol: 'DOGE',
          network: 'regtest',
          mergedWith: 'LTC',
          poolAddress: doge.get().poolAddress,
          daemons: dogeDaemons,
        },
      ],
    });

  beforeAll(async () => {
    const d = doge.get();
    const config = mergedConfig([{ url: d.url, user: d.rpcUser, password: d.rpcPassword }]);
    jobs = await bitcoinStratum.startJobs({
      config,
      coin: config.coins[0]!,
      network: 'regtest',
      extranonce1Size: 4,
      auxCoins: auxCoinsOf(config, 'LTC'),
      log: recordingLogger(),
      now: Date.now,
    });
  });
  afterAll(() => jobs?.stop());

  it('a share that is an LTC block is a DOGE block too: both nodes accept theirs', async () => {
    const manager = bitcoinJobs(jobs!);
    const job = manager.current()!;
    expect(job.coinb1).toContain('fabe6d6d');
    const dogeHeight = await doge.get().client.getBlockCount();
    let found: Awaited<ReturnType<typeof manager.checkShare>> | undefined;
    for (let n = 1; n < 64 && !(found?.ok && found.block); n++) {
      const o = { extranonce1: '0badc0de', extranonce2: n.toString(16).padStart(8, '0'), difficulty: 0.001 };
      found = await manager.checkShare(mineSubmission(job, { ...o, miner: ltc.get().poolAddress, worker: 'm' }).share);
    }
    if (!found?.ok || !found.block) throw new Error('no LTC block in 64 shares');
    expect(found.block.submitResult).toBe('accepted');
    expect(found.auxBlocks).toHaveLength(1);
    const aux = found.auxBlocks![0]!;
    expect(aux).toMatchObject({ coin: 'DOGE', height: dogeHeight + 1, submitResult: 'accepted' });
    expect(await doge.get().client.getBlockCount()).toBe(dogeHeight + 1);
    expect(await doge.get().client.call<string>('getbestblockhash')).toBe(aux.hash);
  });

  it("shows a DOGE node outage in the upstreams and /health, while LTC's health (the NLB's) stays on LTC's nodes", async () => {
    // A fake aux node (chain 98, switchable down) as DOGE's one node, LTC on litecoind.
    const fake = await new FakeAuxNode(98, 0x207fffff).start();
    const config = mergedConfig([fake.endpoint]);
    const service = await startCoinService({
      config,
      coin: config.coins[0]!,
      shares: new MemoryShareQueue(),
      log: silentLog,
      metrics: createMemoryMetrics(),
    });
    const ops = createOpsServer({
      registry: new Registry(),
      health: () => ({ draining: false, coins: [service.health()] }),
      onBlockNotify: () => false,
      log: silentLog,
    });
    try {
      const { port } = await listen(ops, 0, '127.0.0.1');
      const health = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        return { status: res.status, body: (await res.json()) as { status: string; coins: CoinHealth[] } };
      };
      const dogeNode = `DOGE ${fake.endpoint.url}`;
      const ltcNodes = ltc.get().rpc.length;
      expect(service.jobs.upstreams()).toHaveLength(ltcNodes + 1);
      expect(service.jobs.upstreams().at(-1)).toEqual({ daemon: dogeNode, healthy: true, auxCoin: 'DOGE' });
      expect(service.health()).toMatchObject({
        healthyDaemons: ltcNodes,
        auxCoins: [{ coin: 'DOGE', healthyDaemons: 1 }],
      });

      fake.mode = 'down';
      await bitcoinJobs(service.jobs).auxWork[0]!.refresh();
      expect(service.jobs.upstreams().at(-1)).toMatchObject({
        daemon: dogeNode,
        healthy: false,
        auxCoin: 'DOGE',
        lastError: expect.stringMatching(/node is down/),
      });
      // The task still mines LTC: healthy for the NLB, with DOGE's outage in the body.
      const down = await health();
      expect(down.status).toBe(200);
      expect(down.body.status).toBe('ok');
      expect(down.body.coins[0]).toMatchObject({
        coin: 'LTC',
        healthyDaemons: ltcNodes,
        auxCoins: [{ coin: 'DOGE', healthyDaemons: 0 }],
      });

      fake.mode = 'ok';
      await bitcoinJobs(service.jobs).auxWork[0]!.refresh();
      expect((await health()).body.coins[0]!.auxCoins).toEqual([{ coin: 'DOGE', healthyDaemons: 1 }]);
    } finally {
      ops.close();
      await service.stop();
      await fake.stop();
    }
  });
});
