import { getCoin, validateAddress } from '../../core/coins/index.js';
import { auxCoinsOf, isMergedCoin } from '../../core/config/merged.js';
import type { CoinConfig, PoolConfig, PortConfig } from '../../core/config/schema.js';
import { ConfigError } from '../../core/errors.js';
import type { Logger } from '../../core/ports/logger.js';
import type { ShareQueue } from '../../core/ports/share-queue.js';
import type { JobSource } from '../../families/chain-family.js';
import { CHAIN_FAMILIES, type ChainFamilies } from '../../families/registry.js';
import type { CoinHealth } from './http/ops-server.js';
import { BanPolicy } from './stratum/ban-policy.js';
import type { AuxCoinAddresses, StratumServerOptions } from './stratum/context.js';
import { EXTRANONCE1_SIZE, ExtranonceAllocator, type ExtranonceLane } from './stratum/extranonce.js';
import type { StratumMetrics } from './stratum/metrics.js';
import { StratumServer, type StratumServerDeps } from './stratum/server.js';
import { type Listener, listenStratum } from './stratum/tcp.js';

export interface CoinServiceDeps {
  config: Readonly<PoolConfig>;
  coin: Readonly<CoinConfig>;
  shares: ShareQueue;
  log: Logger;
  metrics: StratumMetrics;
  /**
   * Hex prefix of this process's extranonce1 values: the task's leased prefix (fargate/src/task-prefix.ts), as long
   * as the coin's family's `work.taskPrefixBytes`.
   */
  instancePrefix?: string;
  /** This process's lane of the prefix's extranonce1 values, when a task runs several stratum processes. */
  extranonceLane?: ExtranonceLane;
  serverVersion?: string;
  /** Where the coin's chain family is found (default: the pool's families, families/registry.ts). */
  families?: ChainFamilies;
}

export interface CoinService {
  symbol: string;
  /** The chain family's job source (the Bitcoin family: the job manager on the coin's daemons). */
  jobs: JobSource;
  servers: StratumServer[];
  /** The coin's one ban list and connection counts (the task's primary relays them: fargate/src/task-bans.ts). */
  policy: BanPolicy;
  /** Bound stratum ports, in config order (useful when the config asks for port 0). */
  ports: number[];
  health(): CoinHealth;
  /** Fetch a template now (blocknotify). */
  refresh(): void;
  /** Stop accepting, client.reconnect everyone, close after graceMs. */
  drain(graceMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One coin's mining front: its chain family's job source (daemons with failover, jobs, the share verifier) and a
 * Stratum server per configured port speaking the family's dialects, all sharing one extranonce1 space. The same
 * composition runs in the Fargate container and in local mode; only the ShareQueue behind it differs (SQS or the
 * local queue).
 */
export async function startCoinService(deps: CoinServiceDeps): Promise<CoinService> {
  const { config, coin, log } = deps;
  const def = getCoin(coin.symbol);
  if (isMergedCoin(coin)) {
    // Its parent's job source mines it; miners never connect to an aux chain.
    throw new ConfigError(
      `${coin.symbol} is merge-mined with ${coin.mergedWith}: it has no stratum service of its own`,
    );
  }
  const chainFamily = (deps.families ?? CHAIN_FAMILIES).forCoin(coin);
  const prefixBytes = chainFamily.work.taskPrefixBytes;
  if (deps.instancePrefix !== undefined && deps.instancePrefix.length !== prefixBytes * 2) {
    // A prefix of another length would break the uniqueness across tasks or shrink the connections' counter.
    throw new ConfigError(
      `${coin.symbol}: the task prefix must be ${prefixBytes} byte(s), not "${deps.instancePrefix}"`,
    );
  }
  const family = await chainFamily.stratum();
  const jobs = await family.startJobs({
    config,
    coin,
    network: coin.network,
    extranonce1Size: EXTRANONCE1_SIZE,
    auxCoins: auxCoinsOf(config, coin.symbol),
    log,
    now: Date.now,
    metrics: deps.metrics,
  });
  const extranonces = new ExtranonceAllocator(
    jobs.extranonce1Size,
    deps.instancePrefix ?? '',
    undefined,
    deps.extranonceLane,
  );
  // One ban list and connection budget per coin: an IP banned on one port is banned on all of them.
  const policy = new BanPolicy(coin.security, Date.now);
  let servers: StratumServer[];
  let listeners: Listener[];
  try {
    ({ servers, listeners } = await openStratumPorts({
      config,
      ports: coin.ports,
      server: {
        options: {
          coin: def,
          network: coin.network,
          instancePrefix: deps.instancePrefix,
          serverVersion: deps.serverVersion,
        },
        jobs,
        dialects: jobs.dialects,
        shares: deps.shares,
        validateAddress: (address) => validateAddress(def, coin.network, address),
        auxCoins: auxPasswordCoins(config, coin),
        log,
        metrics: deps.metrics,
        extranonces,
        policy,
      },
    }));
  } catch (err) {
    jobs.stop();
    throw err;
  }
  return {
    symbol: coin.symbol,
    jobs,
    servers,
    policy,
    ports: listeners.map((l) => l.port),
    health: () => jobsHealth(config, coin.symbol, jobs, connectionCount(servers)),
    refresh: () => {
      jobs.refresh().catch((err: unknown) => log.warn({ err, coin: coin.symbol }, 'template refresh failed'));
    },
    drain: (graceMs) => drainPorts(servers, listeners, graceMs),
    stop: async () => {
      const closing = listeners.map((l) => l.close());
      for (const s of servers) s.close();
      await Promise.all(closing);
      jobs.stop();
    },
  };
}

/** What /health reports of a coin's job source, with `connections` open on its ports. */
export function jobsHealth(
  config: Readonly<PoolConfig>,
  symbol: string,
  jobs: Pick<JobSource, 'upstreams' | 'current'>,
  connections: number,
): CoinHealth {
  const upstreams = jobs.upstreams();
  // The coin's own nodes only: a down aux node leaves the coin mining, so it must not take the task off the NLB.
  const healthy = (auxCoin?: string) => upstreams.filter((u) => u.auxCoin === auxCoin && u.healthy).length;
  const aux = auxCoinsOf(config, symbol).map((a) => ({ coin: a.symbol, healthyDaemons: healthy(a.symbol) }));
  return {
    coin: symbol,
    height: jobs.current()?.height,
    healthyDaemons: healthy(undefined),
    connections,
    ...(aux.length > 0 && { auxCoins: aux }),
  };
}

/** Stops accepting, client.reconnect everyone, closes after graceMs (a coin's ports, a switching port's). */
export async function drainPorts(
  servers: readonly StratumServer[],
  listeners: readonly Listener[],
  graceMs: number,
): Promise<void> {
  // A listener's close resolves only once its connections are gone: stop accepting first, then drain them.
  const closing = listeners.map((l) => l.close());
  await Promise.all(servers.map((s) => s.drain(graceMs)));
  await Promise.all(closing);
}

/** The connections open on these servers. */
export function connectionCount(servers: readonly StratumServer[]): number {
  return servers.reduce((n, s) => n + s.connectionCount, 0);
}

/** What a port's StratumServer is built from, but the per-port settings `openStratumPorts` fills in from the config. */
export type PortServerDeps = Omit<StratumServerDeps, 'options'> & {
  options: Pick<StratumServerOptions, 'coin' | 'network' | 'instancePrefix' | 'serverVersion'>;
};

/**
 * A StratumServer per configured port (its difficulty, the config's stratum limits), listening; on a failure the
 * ones already open are closed before the error is thrown.
 */
export async function openStratumPorts(o: {
  config: Readonly<PoolConfig>;
  ports: readonly Readonly<PortConfig>[];
  server: PortServerDeps;
}): Promise<{ servers: StratumServer[]; listeners: Listener[] }> {
  const { config } = o;
  const servers: StratumServer[] = [];
  const listeners: Listener[] = [];
  try {
    for (const port of o.ports) {
      const server = new StratumServer({
        ...o.server,
        options: {
          ...o.server.options,
          difficulty: port.difficulty,
          maxLineBytes: config.stratum.maxLineBytes,
          maxSendQueueBytes: config.stratum.maxSendQueueBytes,
          authTimeoutMs: config.stratum.authTimeoutSeconds * 1000,
          idleTimeoutMs: config.stratum.idleTimeoutSeconds * 1000,
        },
      });
      servers.push(server);
      listeners.push(
        await listenStratum(server, {
          host: port.host,
          port: port.port,
          tls: port.tls,
          proxyProtocol: config.stratum.proxyProtocol,
          keepAliveSeconds: config.stratum.keepAliveSeconds,
          log: o.server.log,
        }),
      );
    }
  } catch (err) {
    for (const s of servers) s.close();
    await Promise.all(listeners.map((l) => l.close()));
    throw err;
  }
  return { servers, listeners };
}

/** Merged mining: the aux coins whose payout addresses a miner of `coin` may give in the password, by lower-case symbol. */
export function auxPasswordCoins(
  config: Readonly<PoolConfig>,
  coin: Readonly<CoinConfig>,
): Map<string, AuxCoinAddresses> {
  return new Map(
    auxCoinsOf(config, coin.symbol).map((aux) => {
      const def = getCoin(aux.symbol);
      return [
        aux.symbol.toLowerCase(),
        { coin: aux.symbol, validate: (address: string) => validateAddress(def, aux.network, address) },
      ];
    }),
  );
}
