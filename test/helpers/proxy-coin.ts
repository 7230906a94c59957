import { payments } from 'bitcoinjs-lib';
import { getCoin } from '../../core/coins/index.js';
import { parseConfig } from '../../core/config/load.js';
import type { PoolConfig } from '../../core/config/schema.js';
import { type ProxyCoinJobSource, startProxyJobs } from '../../families/bitcoin/proxy.js';
import type { HeaderHasher } from '../../fargate/src/hashing/index.js';
import { createMemoryMetrics } from '../../fargate/src/stratum/metrics.js';
import { createLogger } from '../../local/logger.js';

const address = (fill: number) =>
  payments.p2pkh({ hash: Buffer.alloc(20, fill), network: getCoin('LTC').networks.regtest![0] }).address!;

/** A regtest LTC pool config whose coin proxies to `upstreams` (its daemon is never called without fallback). */
export function proxyPoolConfig(
  upstreams: Array<{ url: string; user?: string; password?: string; caFile?: string }>,
  proxy: Record<string, unknown> = {},
): Readonly<PoolConfig> {
  return parseConfig({
    coins: [
      {
        symbol: 'LTC',
        network: 'regtest',
        poolAddress: address(1),
        daemons: [{ url: 'http://127.0.0.1:1', user: 'u', password: 'p' }],
        ports: [{ port: 0, difficulty: { initial: 0.001, min: 0.0001, max: 1000 } }],
        rewards: { feeWallets: [{ address: address(2) }] },
        proxy: {
          upstreams: upstreams.map((u) => ({ user: address(3), ...u })),
          requestTimeoutSeconds: 2,
          maxRetrySeconds: 60,
          ...proxy,
        },
      },
    ],
  });
}

/**
 * The Bitcoin family's proxy job source on real sockets, as the coin service starts it (extranonce1 of 6 bytes: the
 * miners get 4), with a chosen PoW hash (the share's difficulty is the test's) and counting metrics.
 */
export async function startProxyCoin(
  config: Readonly<PoolConfig>,
  powHash: HeaderHasher = () => Buffer.alloc(32),
): Promise<{ jobs: ProxyCoinJobSource; metrics: ReturnType<typeof createMemoryMetrics> }> {
  const metrics = createMemoryMetrics();
  const jobs = await startProxyJobs(
    {
      config,
      coin: config.coins[0]!,
      network: 'regtest',
      extranonce1Size: 6,
      log: createLogger('proxy-coin-test', 'silent'),
      now: Date.now,
      metrics,
    },
    powHash,
    () => Promise.reject(new Error('no fallback in this test')),
  );
  return { jobs, metrics };
}

/** Resolves once `check` holds, polling (sockets answer asynchronously); fails after `ms`. */
export async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
