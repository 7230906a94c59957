import { DaemonClient } from '../../adapters/rpc/daemon-client.js';
import { DaemonPool } from '../../adapters/rpc/daemon-pool.js';
import { getCoin } from '../../core/coins/index.js';
import type { CoinConfig } from '../../core/config/schema.js';
import { ConfigError } from '../../core/errors.js';
import type { Logger } from '../../core/ports/logger.js';
import { type HeaderHasher, shareHasher } from '../../fargate/src/hashing/index.js';
import { AuxChain } from '../../fargate/src/jobs/aux/aux-chain.js';
import { JobManager, type JobManagerOptions } from '../../fargate/src/jobs/job-manager.js';
import type { StratumDialect } from '../../fargate/src/stratum/context.js';
import { stratumV1 } from '../../fargate/src/stratum/stratum-v1.js';
import type { JobSource, JobSourceContext, StratumFamily, Upstream } from '../chain-family.js';
import { startProxyJobs } from './proxy.js';

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
    /** Merged mining: the aux chains this parent's jobs commit to, stopped with it. */
    readonly auxWork: readonly AuxChain[] = [],
  ) {
    super(o);
  }

  override stop(): void {
    super.stop();
    this.daemons.stop();
    for (const chain of this.auxWork) chain.stop();
  }

  /** The coin's daemons, then each aux coin's nodes (`DOGE http://…`, marked with their coin). */
  upstreams(): Upstream[] {
    return [
      ...this.daemons.status(),
      ...this.auxWork.flatMap((chain) => chain.status().map((u) => ({ ...u, auxCoin: chain.coin }))),
    ];
  }
}

/**
 * The Bitcoin family's mining front on a share verifier of its own (`powHash`: a test family's PoW, or the native hash
 * of the coin's algorithm).
 */
export function bitcoinJobSource(powHash: (coin: JobSourceContext['coin']) => HeaderHasher): StratumFamily {
  return {
    // Proxy mining (coins[].proxy): the upstream pools' jobs, falling back to these daemons' if configured.
    startJobs: (ctx) =>
      ctx.coin.proxy
        ? startProxyJobs(ctx, powHash(ctx.coin), (sizes) => startNodeJobs({ ...ctx, ...sizes }, powHash))
        : startNodeJobs(ctx, powHash),
  };
}

/** The job manager on the coin's daemons (and its aux chains), started; `extranonce2Size` default: the coin's. */
async function startNodeJobs(
  {
    config,
    coin,
    network,
    extranonce1Size,
    extranonce2Size,
    auxCoins = [],
    log,
    now,
  }: JobSourceContext & {
    extranonce2Size?: number;
  },
  powHash: (coin: JobSourceContext['coin']) => HeaderHasher,
): Promise<BitcoinJobSource> {
  const daemons = new DaemonPool(coin.daemons, log);
  await daemons.start();
  const auxChains = auxCoins.map((aux) => auxChainOf(aux, coin, log));
  // Never blocks the parent: an aux chain whose nodes are down starts out of the jobs and comes in when they answer.
  await Promise.all(auxChains.map((chain) => chain.start()));
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
      maxSharesPerBlock: coin.jobs.maxSharesPerBlock,
      extranonce1Size,
      extranonce2Size: extranonce2Size ?? coin.jobs.extranonce2Size,
      powHash: powHash(coin),
      auxChains,
    },
    daemons,
    auxChains,
  );
  try {
    await jobs.start();
  } catch (err) {
    jobs.stop();
    throw err;
  }
  return jobs;
}

/**
 * An aux coin's work source: createauxblock <its poolAddress> on its own nodes (in config order, the first answering),
 * polled at its own `jobs.pollIntervalMs` (its blocks come at its own pace), read in the parent's difficulty
 * convention.
 */
function auxChainOf(aux: Readonly<CoinConfig>, parent: Readonly<CoinConfig>, log: Logger): AuxChain {
  const def = getCoin(aux.symbol);
  if (!def.auxpow) throw new ConfigError(`${aux.symbol} has no AuxPoW chain id: it cannot be merge-mined`);
  return new AuxChain({
    coin: aux.symbol,
    chainId: def.auxpow.chainId,
    address: aux.poolAddress,
    daemons: aux.daemons.map((d) => new DaemonClient(d)),
    diffMultiplier: getCoin(parent.symbol).stratumDiffMultiplier,
    pollIntervalMs: aux.jobs.pollIntervalMs,
    logger: log,
  });
}

// scrypt (LTC: pairs of shares per event-loop turn) or sha256d (BTC), natively.
export const bitcoinStratum: StratumFamily = bitcoinJobSource((coin) => shareHasher(getCoin(coin.symbol).algorithm));

/** The job manager behind a Bitcoin-family coin's job source (the bench feeds it templates by hand). */
export function bitcoinJobs(jobs: JobSource): BitcoinJobSource {
  if (!(jobs instanceof BitcoinJobSource)) throw new ConfigError('the coin is not served by the Bitcoin family');
  return jobs;
}
