import { DaemonPool } from '../../adapters/rpc/daemon-pool.js';
import { getCoin } from '../../core/coins/index.js';
import { ConfigError } from '../../core/errors.js';
import { type HeaderHasher, shareHasher } from '../../fargate/src/hashing/index.js';
import { JobManager, type JobManagerOptions } from '../../fargate/src/jobs/job-manager.js';
import type { StratumDialect } from '../../fargate/src/stratum/context.js';
import { stratumV1 } from '../../fargate/src/stratum/stratum-v1.js';
import type { JobSource, JobSourceContext, StratumFamily } from '../chain-family.js';

/**
 * The Bitcoin family's job source: the job manager (getblocktemplate → Stratum V1 jobs, share checks, submitblock)
 * on the coin's daemons with failover, stopped together.
 */
export class BitcoinJobSource extends JobManager implements JobSource {
  /** Stratum V1, made for this job manager. */
  readonly dialects: readonly StratumDialect[] = [stratumV1(this)];

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

/**
 * The Bitcoin family's mining front on a share verifier of its own (`powHash`: a test family's PoW, or the native hash
 * of the coin's algorithm).
 */
export function bitcoinJobSource(powHash: (coin: JobSourceContext['coin']) => HeaderHasher): StratumFamily {
  return {
    startJobs: async ({ config, coin, network, extranonce1Size, log, now }) => {
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
          powHash: powHash(coin),
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
}

// scrypt (LTC: pairs of shares per event-loop turn) or sha256d (BTC), natively.
export const bitcoinStratum: StratumFamily = bitcoinJobSource((coin) => shareHasher(getCoin(coin.symbol).algorithm));

/** The job manager behind a Bitcoin-family coin's job source (the bench feeds it templates by hand). */
export function bitcoinJobs(jobs: JobSource): BitcoinJobSource {
  if (!(jobs instanceof BitcoinJobSource)) throw new ConfigError('the coin is not served by the Bitcoin family');
  return jobs;
}
