import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { getCoin } from '../../core/coins/index.js';
import { parseConfig } from '../../core/config/load.js';
import { bitcoinFamily } from '../../families/bitcoin/index.js';
import type { ChainFamily, JobSource } from '../../families/chain-family.js';
import { ChainFamilies } from '../../families/registry.js';
import { type CoinService, startCoinService } from '../../fargate/src/coin-service.js';
import { JobManager } from '../../fargate/src/jobs/job-manager.js';
import { createMemoryMetrics } from '../../fargate/src/stratum/metrics.js';
import { stratumV1 } from '../../fargate/src/stratum/stratum-v1.js';
import { FakeDaemons, fixture, poolAddress } from '../fargate/jobs/fakes.js';
import { MemoryShareQueue, silentLog } from '../fargate/stratum/fakes.js';
import { mineShare } from '../helpers/scrypt-miner.js';
import { TestMiner } from '../helpers/test-miner.js';

/** A chain whose proof of work is one SHA-256 of the header: neither of the pool's algorithms. */
const sha256Once = (header: Uint8Array): Buffer => createHash('sha256').update(header).digest();

/**
 * A family that exists only in this test: its job source is a job manager on in-memory daemons, its verifier the
 * one-SHA-256 PoW, its dialect Stratum V1 plus a method of its own. Nothing in the composition roots names it.
 */
function testFamily() {
  const daemons = new FakeDaemons();
  const verified: number[] = [];
  const family: ChainFamily = {
    name: 'sha256-once',
    deployment: { daemonSecret: false, moneyInVpc: false, stratumDockerfile: 'fargate/Dockerfile' },
    work: bitcoinFamily.work,
    money: {
      confirmation: () => {
        throw new Error('not used by the stratum test');
      },
      payoutSender: () => {
        throw new Error('not used by the stratum test');
      },
      depositWallet: () => {
        throw new Error('not used by the stratum test');
      },
    },
    stratum: async () => ({
      startJobs: async (ctx) => {
        const jobs = new JobManager({
          coin: getCoin(ctx.coin.symbol),
          network: ctx.network,
          poolAddress: ctx.coin.poolAddress,
          daemons,
          logger: ctx.log,
          now: ctx.now,
          longPoll: false,
          extranonce1Size: ctx.extranonce1Size,
          powHash: (header) => {
            verified.push(header.length);
            return sha256Once(header);
          },
        });
        await jobs.start();
        const v1 = stratumV1(jobs);
        const source: JobSource = Object.assign(jobs, {
          dialects: [{ ...v1, methods: new Map([...v1.methods, ['mining.ping', () => 'pong']]) }],
          upstreams: () => [{ daemon: 'memory', healthy: true }],
        });
        return source;
      },
    }),
  };
  return { family, daemons, verified };
}

const services: CoinService[] = [];
const miners: TestMiner[] = [];
afterEach(async () => {
  for (const m of miners.splice(0)) m.close();
  for (const s of services.splice(0)) await s.stop();
});

describe('a chain family registered by a test', () => {
  it('serves a coin through startCoinService: its job source, verifier and dialect accept a miner’s share', async () => {
    const { family, daemons, verified } = testFamily();
    const config = parseConfig({
      coins: [
        {
          symbol: 'LTC',
          family: 'sha256-once',
          network: 'regtest',
          poolAddress,
          daemons: [{ url: 'http://127.0.0.1:1', user: 'u', password: 'p' }],
          ports: [{ port: 0, host: '127.0.0.1', difficulty: { initial: 1, min: 1, max: 1 } }],
        },
      ],
    });
    const shares = new MemoryShareQueue();
    const service = await startCoinService({
      config,
      coin: config.coins[0]!,
      shares,
      log: silentLog,
      metrics: createMemoryMetrics(),
      families: new ChainFamilies([family]),
    });
    services.push(service);
    expect(service.health().healthyDaemons).toBe(1);

    const miner = await TestMiner.connect(service.ports[0]!, `${poolAddress}.rig`);
    miners.push(miner);
    // The family's own method answers; Stratum V1 does not know it.
    expect((await miner.client.request(3, 'mining.ping', [])).result).toBe('pong');
    const job = miner.job();
    const extranonce1 = miner.extranonce1;
    const mined = mineShare({ job, extranonce1, extranonce2: '00000001', difficulty: 1, pow: sha256Once });
    const submit = [`${poolAddress}.rig`, job.jobId, mined.extranonce2, mined.ntime, mined.nonce];
    const answer = await miner.client.request(4, 'mining.submit', submit);
    expect(answer.error ?? null).toBeNull();
    expect(answer.result).toBe(true);
    // Checked by the family's verifier (an 80-byte header), queued as the pool's share.
    expect(verified).toEqual([80]);
    expect(shares.shares).toHaveLength(1);
    expect(shares.shares[0]).toMatchObject({ miner: poolAddress, worker: 'rig', height: fixture.height });
    // The template came from the family's job source: its daemons were asked, not a configured endpoint.
    expect(daemons.gbtCalls.length).toBeGreaterThan(0);
  }, 30_000);
});
