import { randomUUID } from 'node:crypto';
import { createDocumentClient } from '../adapters/aws/dynamo-client.js';
import { DynamoPrefixLeases } from '../adapters/aws/dynamo-stratum-coordination.js';
import { DynamoSwitchingStore } from '../adapters/aws/dynamo-switching-store.js';
import { CcxtExchange } from '../adapters/exchange/ccxt-exchange.js';
import type { PoolConfig } from '../core/config/schema.js';
import { StorageError } from '../core/errors.js';
import type { Logger } from '../core/ports/logger.js';
import type { ShareQueue } from '../core/ports/share-queue.js';
import type { JobSource } from '../families/chain-family.js';
import type { ChainFamilies } from '../families/registry.js';
import type { StratumMetrics } from '../fargate/src/stratum/metrics.js';
import { AllCoinsPrefixLeases } from '../fargate/src/switching/prefix-leases.js';
import {
  type SwitchingConfig,
  type SwitchingService,
  startSwitchingService,
} from '../fargate/src/switching/service.js';
import { coordinateSolo, type SoloCoordination } from '../fargate/src/task-coordination.js';
import type { LocalStorage } from './storage.js';

export interface LocalSwitching {
  /** The running switching ports by name. */
  services: Map<string, SwitchingService>;
  /** What the ports record (their tables and switches): read by the API's /api/switching. */
  store: DynamoSwitchingStore;
  stop(): Promise<void>;
}

/**
 * Local mode's switching ports (issue 17), after the coins: each shares its coins' running job sources (one job
 * manager per coin checks every share of it, whichever port it came in on) and their share queues, leases an
 * extranonce1 prefix and shares bans in its first coin's stats table, and records its state there. A port whose coins
 * are not all running yet (their nodes did not answer) is tried again every `retryMs`.
 */
export async function startLocalSwitching(o: {
  config: Readonly<PoolConfig>;
  /** The running coins (local/pool.ts `LocalCoin`): their job sources and share queues. */
  coins: ReadonlyMap<string, { service: { jobs: JobSource }; queue: ShareQueue }>;
  storage: LocalStorage;
  log: Logger;
  metrics: StratumMetrics;
  families: ChainFamilies;
  retryMs: number;
}): Promise<LocalSwitching> {
  const { config, coins, storage, log } = o;
  const doc = createDocumentClient(storage.client);
  const statsOf = (coin: string) => {
    const names = storage.tables.get(coin);
    if (!names) throw new StorageError(`no tables for coin ${coin}`);
    return names.stats;
  };
  const store = new DynamoSwitchingStore(doc, (name) => {
    const port = config.switching.find((s) => s.name === name);
    if (!port) throw new StorageError(`no switching port ${name}`);
    return statsOf(port.coins[0]!);
  });
  const services = new Map<string, SwitchingService>();
  const leases: SoloCoordination[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let stopped = false;

  const start = async (port: Readonly<SwitchingConfig>): Promise<void> => {
    const missing = port.coins.filter((c) => !coins.has(c));
    if (missing.length > 0) throw new Error(`waiting for ${missing.join(', ')} to start`);
    const first = port.coins[0]!;
    const prefixBytes = o.families.forCoin(config.coins.find((c) => c.symbol === first)!).work.taskPrefixBytes;
    const coordination = await coordinateSolo({
      doc,
      statsTable: statsOf(first),
      prefixBytes,
      // The port's miners are checked by each coin's job manager: their extranonce1 prefix must be free in every
      // coin's table, or a coin's own miners and the port's could get the same extranonce1 on the same template.
      leases: new AllCoinsPrefixLeases(
        port.coins.map((c) => new DynamoPrefixLeases(doc, statsOf(c), { bytes: prefixBytes })),
      ),
      owner: `local-switching-${port.name}-${randomUUID()}`,
      banMs: config.coins.find((c) => c.symbol === first)!.security.banning.timeoutSeconds * 1000,
      log,
    });
    try {
      const service = await startSwitchingService({
        config,
        port,
        shares: (coin) => coins.get(coin)!.queue,
        exchanges: port.prices.exchanges.map((x) => new CcxtExchange({ id: x.id, apiBaseUrl: x.apiBaseUrl })),
        store,
        log,
        metrics: o.metrics,
        sharedSource: (coin) => coins.get(coin)?.service.jobs,
        instancePrefix: coordination.prefix,
        serverVersion: 'edgepool/local',
        families: o.families,
      });
      coordination.attach(service.policy);
      if (stopped) {
        await service.stop();
        await coordination.stop();
        return;
      }
      services.set(port.name, service);
      leases.push(coordination);
    } catch (err) {
      await coordination.stop().catch(() => {});
      throw err;
    }
  };
  const attempt = (port: Readonly<SwitchingConfig>): Promise<void> =>
    start(port).catch((err: unknown) => {
      if (stopped) return;
      log.error({ err, port: port.name, retryInMs: o.retryMs }, 'switching port could not start; retrying');
      const timer = setTimeout(() => {
        timers.delete(timer);
        void attempt(port);
      }, o.retryMs);
      timers.add(timer);
    });
  // The first try of every port before the pool reports started; a port that must wait is retried in the background.
  await Promise.all(config.switching.map(attempt));
  return {
    services,
    store,
    stop: async () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      for (const s of services.values()) await s.stop();
      for (const l of leases) await l.stop();
    },
  };
}
