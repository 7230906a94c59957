import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { DynamoAuxAddressStore } from '../adapters/aws/dynamo-aux-address-store.js';
import { createDocumentClient } from '../adapters/aws/dynamo-client.js';
import { FileShareSpool } from '../adapters/fs/spool.js';
import { LocalQueue } from '../adapters/local/local-queue.js';
import { ingestMessages } from '../app/ingest/ingest.js';
import { auxCoinsOf, isMergedCoin, minedCoins } from '../core/config/merged.js';
import type { CoinConfig, PoolConfig } from '../core/config/schema.js';
import { StorageError } from '../core/errors.js';
import type { Logger } from '../core/ports/logger.js';
import { coinShareCredit } from '../core/rewards/pot.js';
import { journalSummarizer } from '../core/shares/summary.js';
import { CHAIN_FAMILIES, type ChainFamilies } from '../families/registry.js';
import { type CoinService, startCoinService } from '../fargate/src/coin-service.js';
import { createOpsServer, listen } from '../fargate/src/http/ops-server.js';
import { LiveStatsTracker } from '../fargate/src/live-stats.js';
import { BatchingShareQueue } from '../fargate/src/queue/batching-share-queue.js';
import { createStratumMetrics } from '../fargate/src/stratum/metrics.js';
import { coordinateSolo, type SoloCoordination } from '../fargate/src/task-coordination.js';
import { buildWeb } from '../web/build.js';
import { type LocalAccounts, startLocalAccounts } from './accounts.js';
import { createAdminRoutes, ensureAdminToken } from './admin.js';
import { createLocalApi } from './api.js';
import { localAccountsMoney, type MoneyRunner, startMoney } from './money.js';
import type { LocalNotifyOptions } from './notify.js';
import { createStaticRoutes } from './static.js';
import { type LocalStorage, startLocalStorage } from './storage.js';
import { type LocalSwitching, startLocalSwitching } from './switching.js';

/**
 * The ingest claim's lease locally. LocalQueue makes one handler call at a time, so a claim only has to hold off a
 * second copy of a batch within the same call; but an attempt that died holding its claim (the process was killed
 * mid-batch) blocks every redelivery until the lease runs out, and LocalQueue gives a message up after 5 receives
 * 1 s apart. The Lambda's 120 s lease would dead-letter such a batch, acknowledged shares and all; this one runs out
 * well within those redeliveries. (In AWS the visibility timeout, 6× the function timeout, outlasts the lease.)
 */
export const LOCAL_INGEST_LEASE_MS = 2_000;
/** Local pools are small: their workers' minute charts may follow within 10 s (60 s in AWS). */
const LOCAL_MINUTE_SUMMARY_MS = 10_000;
/** How soon a coin that could not start (its nodes did not answer) is tried again while the other coins run. */
const COIN_RETRY_MS = 10_000;

export interface LocalCoin {
  service: CoinService;
  /** The extranonce1 prefix lease and the shared bans, in the coin's stats table as in AWS. */
  coordination: SoloCoordination;
  /** The stratum server's ShareQueue (batching, with the disk spool). */
  queue: BatchingShareQueue;
  /** Stands in for SQS + the event source mapping: delivers SQS events to the ingest use case (app/ingest). */
  transport: LocalQueue;
  /** Block confirmation and payouts, when the coin has `rewards` (and `payouts`) configured. */
  money?: MoneyRunner;
  /** Network and miners online as the stratum servers see them (the API's pool page). */
  live: LiveStatsTracker;
}

export interface LocalPool {
  config: Readonly<PoolConfig>;
  storage: LocalStorage;
  coins: Map<string, LocalCoin>;
  /** Merge-mined coins' confirmation and payouts (over their parent's rounds): they have no stratum of their own. */
  auxMoney: Map<string, MoneyRunner>;
  /** Switching ports (issue 17), over the coins' job sources and queues. */
  switching?: LocalSwitching;
  /** Miner accounts (config `accounts`): the account API's deps, the cognito-local pool and the mail sink. */
  accounts?: LocalAccounts;
  httpPort: number;
  /** Resolves once every share acknowledged so far is ingested into storage. */
  settle(): Promise<void>;
  stop(opts?: { drainMs?: number }): Promise<void>;
}

/**
 * The whole pool on one machine: the same stratum servers as the Fargate container, the same ingest use case as the
 * ingest Lambda behind a local SQS-shaped queue, dynalite for DynamoDB, and the ops/API HTTP server.
 */
export async function startLocalPool(opts: {
  config: Readonly<PoolConfig>;
  dataDir: string;
  log: Logger;
  /** Run confirmation and payouts on timers (default); tests drive them by hand. */
  moneyTimers?: boolean;
  /** Where each coin's chain family is found (default: the pool's families, families/registry.ts). */
  families?: ChainFamilies;
  /** How soon a coin that could not start is tried again while the others run (default 10 s). */
  coinRetryMs?: number;
  /** The notification pass's timer, clock and Telegram environment (config `accounts`; local/notify.ts). */
  notify?: LocalNotifyOptions;
}): Promise<LocalPool> {
  const { config, dataDir, log } = opts;
  const families = opts.families ?? CHAIN_FAMILIES;
  // A coin no family serves is a config error before anything starts.
  families.check(config);
  // Conversion targets (BTC, USDT…) have ledgers too: converted proceeds are credited there.
  const ledgers = config.coins.flatMap((c) => [c.symbol, ...(c.conversion?.targets.map((t) => t.currency) ?? [])]);
  const storage = await startLocalStorage({ dataDir, coins: [...new Set(ledgers)] });
  // Merged mining: miners' aux payout addresses, AUXADDR items of the aux coins' ledger tables: offered by ingest
  // (passwords), set by the API (signed messages).
  const auxAddresses = new DynamoAuxAddressStore({
    doc: createDocumentClient(storage.client),
    ledgerTable: (c) => {
      const names = storage.tables.get(c);
      if (!names) throw new StorageError(`no tables for coin ${c}`);
      return names.ledger;
    },
  });
  // Miner accounts (config `accounts`): the money passes read their payout settings and referrals.
  const accountsMoney = await localAccountsMoney(storage.client, config);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = createStratumMetrics(registry);
  const coins = new Map<string, LocalCoin>();
  const auxMoney = new Map<string, MoneyRunner>();
  let http: Server | undefined;
  let switching: LocalSwitching | undefined;
  let accounts: LocalAccounts | undefined;
  let stopped = false;
  const retries = new Set<ReturnType<typeof setTimeout>>();
  const stopCoin = async (c: LocalCoin) => {
    c.money?.stop();
    await c.service.stop();
    await c.coordination.stop();
    await c.queue.close();
    await c.transport.idle();
    await c.transport.close();
  };
  const retryCoin = (coin: Readonly<CoinConfig>, err: unknown) => {
    const retryInMs = opts.coinRetryMs ?? COIN_RETRY_MS;
    log.error({ err, coin: coin.symbol, retryInMs }, 'coin could not start; the other coins run');
    const timer = setTimeout(() => {
      retries.delete(timer);
      startCoin(coin).then(
        (started) => {
          if (!stopped) coins.set(coin.symbol, started);
          // Started while the pool was stopping: storage may be gone already, so what fails to close is moot.
          else stopCoin(started).catch(() => {});
        },
        (again: unknown) => {
          if (!stopped) retryCoin(coin, again);
        },
      );
    }, retryInMs);
    retries.add(timer);
  };
  const stop = async (o: { drainMs?: number } = {}) => {
    stopped = true;
    for (const t of retries) clearTimeout(t);
    // Before the coins: a switching port mines on their job sources and queues.
    await switching?.stop();
    for (const c of coins.values()) await c.service.drain(o.drainMs ?? 0);
    for (const c of coins.values()) await stopCoin(c);
    for (const m of auxMoney.values()) m.stop();
    if (http) await new Promise((r) => http?.close(r));
    await accounts?.stop();
    await storage.close();
  };
  const startCoin = async (coin: Readonly<CoinConfig>): Promise<LocalCoin> => {
    const opened: Array<() => Promise<unknown>> = [];
    try {
      const queueDir = join(dataDir, 'queue');
      await mkdir(queueDir, { recursive: true });
      const credit = coinShareCredit(coin.rewards);
      const { work } = families.forCoin(coin);
      // Merged mining: the aux coins' blocks this coin's shares find, and their payout addresses, go to their tables.
      const auxCoins: ReadonlySet<string> = new Set(auxCoinsOf(config, coin.symbol).map((c) => c.symbol));
      const transport = new LocalQueue({
        name: `shares-${coin.symbol}`,
        handler: async (event) => {
          const { failed } = await ingestMessages(event.Records, {
            store: storage.shares.ingest,
            log,
            now: Date.now,
            leaseMs: LOCAL_INGEST_LEASE_MS,
            ...(credit && { credit }),
            ...(!work.boundToConnection && { claimShares: true }),
            auxCoinsOf: (c) => (c === coin.symbol ? auxCoins : new Set()),
            auxAddresses,
          });
          return { batchItemFailures: failed.map((id) => ({ itemIdentifier: id })) };
        },
        journalFile: join(queueDir, `${coin.symbol}.jsonl`),
        deadLetterFile: join(queueDir, `${coin.symbol}.dead.jsonl`),
        onError: (err) => log.error({ err, coin: coin.symbol }, 'ingest handler failed'),
      });
      const redelivered = await transport.open();
      opened.push(() => transport.close());
      if (redelivered > 0)
        log.info({ coin: coin.symbol, redelivered }, 'redelivering share batches left by the last run');
      const queue = new BatchingShareQueue({
        transport,
        spool: new FileShareSpool({ dir: join(dataDir, 'spool', coin.symbol) }),
        instanceId: `local-${randomUUID().slice(0, 8)}`,
        maxShares: config.queue.maxBatchShares,
        maxWaitMs: config.queue.maxWaitMs,
        ackAfter: config.queue.ackAfter,
        shipIntervalMs: config.queue.shipIntervalMs,
        // A share ingest must claim (not bound to its connection) travels whole: a summary entry carries no hash.
        summarize: work.boundToConnection ? journalSummarizer(credit) : undefined,
        minuteSummaryMs: LOCAL_MINUTE_SUMMARY_MS,
        log,
      });
      queue.start();
      opened.unshift(() => queue.close());
      const live = new LiveStatsTracker({ job: () => coins.get(coin.symbol)?.service.jobs.current(), now: Date.now });
      const coordination = await coordinateSolo({
        doc: createDocumentClient(storage.client),
        statsTable: storage.tables.get(coin.symbol)!.stats,
        prefixBytes: work.taskPrefixBytes,
        owner: `local-${randomUUID()}`,
        banMs: coin.security.banning.timeoutSeconds * 1000,
        log,
      });
      opened.unshift(() => coordination.stop());
      const service = await startCoinService({
        config,
        coin,
        shares: live.track(queue),
        log,
        metrics,
        instancePrefix: coordination.prefix,
        serverVersion: 'edgepool/local',
        families,
      });
      coordination.attach(service.policy);
      const money = startMoney({
        coin,
        shares: storage.shares,
        money: storage.money,
        conversions: storage.conversions,
        sources: config.coins,
        switching: config.switching,
        ...(accountsMoney && { accounts: accountsMoney }),
        log,
        families,
        timers: opts.moneyTimers,
      });
      return { service, coordination, queue, transport, money, live };
    } catch (err) {
      for (const close of opened) await close().catch(() => {});
      throw err;
    }
  };
  try {
    // Side by side (each coin waits for its own nodes' first template), each with its own queue, tables and lease.
    // The mined coins only: a merge-mined coin has no stratum, queue or ingest (its parent's job source mines it).
    const mined = minedCoins(config);
    const results = await Promise.allSettled(mined.map((c) => startCoin(c)));
    const failed: Array<{ coin: Readonly<CoinConfig>; err: unknown }> = [];
    results.forEach((r, i) => {
      const coin = mined[i]!;
      if (r.status === 'fulfilled') coins.set(coin.symbol, r.value);
      else failed.push({ coin, err: r.reason });
    });
    // No coin could start: nothing to serve, say why. Some could: a coin whose nodes do not answer yet must not keep
    // the others from mining (in AWS it is its own task), so it is started again in the background until it runs.
    if (coins.size === 0 && failed[0]) throw failed[0].err;
    for (const { coin, err } of failed) retryCoin(coin, err);
    if (config.switching.length > 0) {
      const retryMs = opts.coinRetryMs ?? COIN_RETRY_MS;
      switching = await startLocalSwitching({ config, coins, storage, log, metrics, families, retryMs });
    }
    // Merge-mined coins: their money passes like any coin's, on the parent's rounds (the shared share stores read
    // the parent's tables when asked for its coin) and paid at the miners' aux addresses.
    for (const coin of config.coins.filter(isMergedCoin)) {
      const money = startMoney({
        coin,
        shares: storage.shares,
        money: storage.money,
        auxAddresses,
        ...(accountsMoney && { accounts: accountsMoney }),
        log,
        families,
        timers: opts.moneyTimers,
      });
      if (money) auxMoney.set(coin.symbol, money);
    }
    accounts = await startLocalAccounts({
      config,
      dataDir,
      client: storage.client,
      money: storage.money,
      conversions: storage.conversions,
      watch: { shares: storage.shares, money: storage.money, ...(opts.notify ? { options: opts.notify } : {}) },
      log,
    });
    const api = createLocalApi({
      config,
      shares: storage.shares,
      money: storage.money,
      log,
      boundPorts: (symbol) => coins.get(symbol)?.service.ports,
      live: { get: async (symbol) => coins.get(symbol)?.live.snapshot() },
      conversion: {
        configs: new Map(config.coins.flatMap((c) => (c.conversion ? [[c.symbol, c.conversion] as const] : []))),
        // Quotes as in AWS: the ones the conversion pass stored.
        store: storage.conversions,
      },
      auxAddresses,
      ...(switching ? { switching: switching.store } : {}),
      ...(accounts ? { accounts: accounts.deps } : {}),
    });
    // The `pool` CLI's (and a daemon's -blocknotify) secret, owner-only in the data directory.
    const token = await ensureAdminToken(dataDir);
    // A conversion target's ledger (USDT…) answers the same balances, payouts and audit commands as a coin's.
    const admin = createAdminRoutes(
      (symbol) =>
        coins.get(symbol)?.money ??
        auxMoney.get(symbol) ??
        [...coins.values()].map((c) => c.money?.targets.get(symbol)).find((t) => t !== undefined),
      { token },
    );
    const dashboard = createStaticRoutes(await buildWeb());
    http = createOpsServer({
      registry,
      // A coin still waiting for its nodes is reported, degraded, rather than left out.
      health: () => ({
        draining: false,
        coins: mined.map(
          (c) => coins.get(c.symbol)?.service.health() ?? { coin: c.symbol, healthyDaemons: 0, connections: 0 },
        ),
      }),
      onBlockNotify: (symbol) => {
        const c = coins.get(symbol);
        c?.service.refresh();
        return c !== undefined;
      },
      blockNotifyToken: token,
      // The HTTP port also serves the dashboard and may listen beyond loopback (http.host): metrics stay local.
      metrics: 'loopback',
      extra: async (req, res) => (await admin(req, res)) || (await api(req, res)) || dashboard(req, res),
      log,
    });
    const address = await listen(http, config.http.port, config.http.host);
    return {
      config,
      storage,
      coins,
      auxMoney,
      switching,
      ...(accounts ? { accounts } : {}),
      httpPort: address.port,
      settle: async () => {
        for (const c of coins.values()) {
          await c.queue.flush({ minuteSummary: true });
          await c.transport.idle();
        }
      },
      stop,
    };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
