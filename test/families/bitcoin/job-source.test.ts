import { afterEach, describe, expect, it } from 'vitest';
import { benchAddress, blockTemplate, FakeDaemon } from '../../../bench/pool.js';
import { parseConfig } from '../../../core/config/load.js';
import { SHARES_PER_BLOCK } from '../../../core/config/schema.js';
import { bitcoinJobs } from '../../../families/bitcoin/stratum.js';
import { startCoinService } from '../../../fargate/src/coin-service.js';
import { createMemoryMetrics } from '../../../fargate/src/stratum/metrics.js';
import { MemoryShareQueue, silentLog } from '../../fargate/stratum/fakes.js';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** A Bitcoin-family coin service on a fake daemon, with the coin's `jobs` section as given. */
async function service(jobs: Record<string, unknown>) {
  const daemon = await FakeDaemon.start(blockTemplate(1000, 0x207fffff));
  cleanup.push(() => daemon.close());
  const config = parseConfig({
    coins: [
      {
        symbol: 'LTC',
        network: 'regtest',
        poolAddress: benchAddress('LTC', 0),
        daemons: [{ url: daemon.url, user: 'u', password: 'p' }],
        jobs: { longPoll: false, ...jobs },
        ports: [{ port: 0, difficulty: { initial: 1, min: 1, max: 1 } }],
      },
    ],
  });
  const s = await startCoinService({
    config,
    coin: config.coins[0]!,
    shares: new MemoryShareQueue(),
    log: silentLog,
    metrics: createMemoryMetrics(),
  });
  cleanup.push(() => s.stop());
  return bitcoinJobs(s.jobs);
}

describe('the Bitcoin family job source from the config', () => {
  it('remembers as many shares per block as coins[].jobs.maxSharesPerBlock says, SHARES_PER_BLOCK when it says nothing', async () => {
    expect((await service({ maxSharesPerBlock: 5000 })).maxSharesPerBlock).toBe(5000);
    expect((await service({})).maxSharesPerBlock).toBe(SHARES_PER_BLOCK);
  });
});
