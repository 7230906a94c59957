import { DaemonPool } from '../../adapters/rpc/daemon-pool.js';
import { getCoin } from '../../core/coins/index.js';
import { ConfigError } from '../../core/errors.js';
import { shareHasher } from '../../fargate/src/hashing/index.js';
import { JobManager, type JobManagerOptions } from '../../fargate/src/jobs/job-manager.js';
import { METHODS } from '../../fargate/src/stratum/dispatcher.js';
import type { JobSource, StratumFamily } from '../chain-family.js';

/**
 * The Bitcoin family's job source: the job manager (getblocktemplate → Stratum V1 jobs, share checks, submitblock)
 * on the coin's daemons with failover, stopped together.
 */
export class BitcoinJobSource extends JobManager implements JobSource {
  constructor(
    o: JobManagerOptions,
    readonly daemons: DaemonPool,
  ) {
    super(o);
  }

  override stop(): void {
    super.stop();
    this.daemons.stop();
  }

  upstreams(): ReturnType<DaemonPool['status']> {
    return this.daemons.status();
  }
}

export const bitcoinStratum: StratumFamily = {
  dialect: METHODS,
  // scrypt (LTC: pairs of shares per event-loop turn) or sha256d (BTC), natively.
  verifier: (coin) => shareHasher(getCoin(coin.symbol).algorithm),
  startJobs: async ({ config, coin, network, extranonce1Size, verify, log, now }) => {
    const daemons = new DaemonPool(coin.daemons, log);
    await daemons.start();
    const jobs = new BitcoinJobSource(
      {
        coin: getCoin(coin.symbol),
        network,
        poolAddress: coin.poolAddress,
        daemons,
        logger: log,
        now,
        poolTag: config.pool.tag,
        pollIntervalMs: coin.jobs.pollIntervalMs,
        refreshMs: coin.jobs.refreshSeconds * 1000,
        longPoll: coin.jobs.longPoll,
        extranonce1Size,
        powHash: verify,
      },
      daemons,
    );
    try {
      await jobs.start();
    } catch (err) {
      jobs.stop();
      throw err;
    }
    return jobs;
  },
};

/** The job manager behind a Bitcoin-family coin's job source (the bench feeds it templates by hand). */
export function bitcoinJobs(jobs: JobSource): BitcoinJobSource {
  if (!(jobs instanceof BitcoinJobSource)) throw new ConfigError('the coin is not served by the Bitcoin family');
  return jobs;
}
