import cluster, { type Worker } from 'node:cluster';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { AggregatorRegistry, collectDefaultMetrics, Registry } from 'prom-client';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { putLiveSnapshot } from '../../adapters/aws/dynamo-live-stats.js';
import { DynamoPrefixLeases } from '../../adapters/aws/dynamo-stratum-coordination.js';
import { DynamoSwitchingStore } from '../../adapters/aws/dynamo-switching-store.js';
import { SqsTransport } from '../../adapters/aws/sqs-transport.js';
import { CcxtExchange } from '../../adapters/exchange/ccxt-exchange.js';
import { FileShareSpool } from '../../adapters/fs/spool.js';
import type { CoinConfig } from '../../core/config/schema.js';
import { ConfigError } from '../../core/errors.js';
import type { BanStore, PrefixLeaseStore } from '../../core/ports/stratum-coordination.js';
import { coinShareCredit } from '../../core/rewards/pot.js';
import { journalSummarizer } from '../../core/shares/summary.js';
import { CHAIN_FAMILIES } from '../../families/registry.js';
import { startCoinService } from './coin-service.js';
import {
  type ContainerSettings,
  type SwitchingSettings,
  settingsFromEnv,
  switchingSettingsFromEnv,
  type TaskSettings,
} from './container.js';
import { scryptKernel, sha256Kernel } from './hashing/index.js';
import { yieldHelperThreads } from './helper-threads.js';
import { type CoinHealth, createOpsServer, listen } from './http/ops-server.js';
import { LiveStatsTracker, publishLiveStats } from './live-stats.js';
import { releaseMemoryWhenQuiet } from './memory-release.js';
import { sumHealth } from './process-health.js';
import { BatchingShareQueue } from './queue/batching-share-queue.js';
import type { BanPolicy } from './stratum/ban-policy.js';
import type { ExtranonceLane } from './stratum/extranonce.js';
import { createStratumMetrics } from './stratum/metrics.js';
import { AllCoinsPrefixLeases } from './switching/prefix-leases.js';
import { startSwitchingService } from './switching/service.js';
import { type BanRelayMessage, isBanRelayMessage, relayPolicy, TaskBans } from './task-bans.js';
import { coordinationStores } from './task-coordination.js';
import { leaseTaskPrefix } from './task-prefix.js';

/**
 * The stratum container (ECS Fargate): one coin's stratum ports, shares to SQS through the batching queue with a
 * disk spool, /health and /metrics on the ops port. SIGTERM drains: client.reconnect, then close, then flush.
 *
 * The container's process is a supervisor (node:cluster primary) of `POOL_STRATUM_PROCESSES` = n stratum
 * processes (one per vCPU; the CDK app sets it from the task size; default 1) that share the stratum ports: the
 * primary accepts connections and hands them out in turn, so a new block's notifies and the share checks run on
 * every core. Each process has its own job manager, share queue and spool directory (`<spool>/<coin>/p<i>`) and its
 * own lane of the task's extranonce1 values. The primary keeps the ops port: /health sums the processes' reports,
 * /metrics aggregates their registries, blocknotify reaches each of them; on SIGTERM it drains them all before it
 * exits. The primary also holds what the task shares: the extranonce1 prefix, leased in the coin's stats table so
 * that no two live tasks have the same one (released after the drain), and the ban list and open-connection counts
 * of its processes, whose bans it writes to the stats table and whose other tasks' bans it polls from there.
 * When a stratum process dies, the primary forks another on the same spool within a second: with
 * `queue.ackAfter = journal` the acknowledged shares the dead one had not shipped are replayed from its journal
 * instead of being lost with the task (the task's volume outlives its processes, not the task).
 *
 * With POOL_SWITCHING=<name> instead of POOL_COIN the task serves a switching port (issue 17): each process starts
 * its own job source per coin of the port (startSwitchingService without shared sources), queues each share on its
 * coin's queue and reports live counts in each coin's stats table; the primary leases the prefix in every coin's
 * stats table (AllCoinsPrefixLeases; a lease lost in any coin drains the task), shares the first coin's bans, and
 * /health names each coin's nodes.
 */

/** Messages between the primary and its stratum processes. */
type FromWorker = { type: 'edgepool:health'; draining: boolean; coins: CoinHealth[] };
type ToWorker = { type: 'edgepool:blocknotify'; coin: string } | BanRelayMessage;

/**
 * What the primary holds for the task: the coins /health and blocknotify name, the extranonce1 prefix's leases and
 * the shared bans (a coin's task: its stats table; a switching task: the prefix in all its coins' tables, issue 17).
 */
interface TaskPlan {
  /** The coin, or the switching port's name (logs). */
  serves: string;
  coins: readonly string[];
  prefixBytes: number;
  leases?: PrefixLeaseStore;
  bans?: BanStore;
  banMs: number;
}

/** What the primary needs of a stratum process's service. */
interface ProcessService {
  health(): CoinHealth[];
  refresh(coin: string): void;
  policy: BanPolicy;
  ports: number[];
  drain(graceMs: number): Promise<void>;
  stop(): Promise<void>;
}

const HEALTH_REPORT_MS = 1_000;
const REFORK_DELAY_MS = 1_000;

async function main(): Promise<void> {
  // A switching port's task (issue 17) or a coin's: every variable it reads, checked at once (fargate/src/env.ts).
  const switching = process.env.POOL_SWITCHING ? switchingSettingsFromEnv(process.env) : undefined;
  const s = switching ?? settingsFromEnv(process.env);
  const log = pino({ name: 'stratum', level: s.logLevel });
  // A coin no chain family serves fails here, once, not in every stratum process the primary would fork again.
  CHAIN_FAMILIES.check(s.config);
  const processes = s.processes;
  if (cluster.isPrimary)
    return runPrimary(s, switching ? switchingPlan(switching) : coinPlan(s as ContainerSettings), log);
  if (s.processIndex === undefined || s.processIndex >= processes) {
    throw new ConfigError(`POOL_STRATUM_PROCESS must be a lane from 0 to ${processes - 1}, not ${s.processIndex}`);
  }
  const lane = { index: s.processIndex, count: processes };
  const plog = log.child({ process: lane.index });
  return switching ? runSwitching(switching, lane, plog) : runStratum(s as ContainerSettings, lane, plog);
}

function coinPlan(s: ContainerSettings): TaskPlan {
  const coin = s.config.coins.find((c) => c.symbol === s.coin)!;
  const doc = createDocumentClient(new DynamoDBClient({}));
  // The prefix's length is the family's: EthereumStratum/1.0.0's 3-byte extranonce holds only a 1-byte prefix.
  const prefixBytes = CHAIN_FAMILIES.forCoin(coin).work.taskPrefixBytes;
  const stores = s.statsTable ? coordinationStores(doc, s.statsTable, prefixBytes) : undefined;
  return {
    serves: s.coin,
    coins: [s.coin],
    prefixBytes,
    ...(stores && { leases: stores.leases, bans: stores.bans }),
    banMs: coin.security.banning.timeoutSeconds * 1000,
  };
}

/**
 * A switching task's prefix is leased in every coin's stats table (AllCoinsPrefixLeases): its job managers are its
 * own, one per coin, and must never hand out an extranonce1 a coin's own task hands out on the same template. Its
 * bans are the first coin's (the port's ban policy is that coin's `security`).
 */
function switchingPlan(s: SwitchingSettings): TaskPlan {
  const doc = createDocumentClient(new DynamoDBClient({}));
  const port = s.config.switching.find((p) => p.name === s.port)!;
  const first = s.config.coins.find((c) => c.symbol === port.coins[0])!;
  const prefixBytes = CHAIN_FAMILIES.forCoin(first).work.taskPrefixBytes;
  return {
    serves: `switching port ${port.name}`,
    coins: port.coins,
    prefixBytes,
    leases: new AllCoinsPrefixLeases(
      s.coins.map((c) => new DynamoPrefixLeases(doc, c.statsTable, { bytes: prefixBytes })),
    ),
    bans: coordinationStores(doc, s.coins[0]!.statsTable, prefixBytes).bans,
    banMs: first.security.banning.timeoutSeconds * 1000,
  };
}

async function runStratum(s: ContainerSettings, lane: ExtranonceLane, log: pino.Logger): Promise<void> {
  const coin = s.config.coins.find((c) => c.symbol === s.coin)!;
  const doc = createDocumentClient(new DynamoDBClient({}));
  const registry = processRegistry();
  const instanceId = `${s.instanceId}-p${lane.index}`;
  const queue = shareQueue(s, coin, s.queueUrl, lane, instanceId, log);
  // Miners/workers online and the current job, for the pool page: reported to the stats table every few seconds.
  // (`service` is declared below; the tracker asks for the job only once publishing starts, after it exists.)
  const live = new LiveStatsTracker({ job: () => service.jobs.current(), now: Date.now });
  const service = await startCoinService({
    config: s.config,
    coin,
    shares: live.track(queue),
    log,
    metrics: createStratumMetrics(registry),
    instancePrefix: s.instancePrefix,
    extranonceLane: lane,
    serverVersion: 'edgepool',
  });
  const statsTable = s.statsTable;
  const stopLive = statsTable ? publishLive(doc, statsTable, live, log) : () => undefined;
  serveProcess({
    s,
    service: { ...service, health: () => [service.health()], refresh: () => service.refresh() },
    close: async () => {
      stopLive();
      await queue.close(); // flushes; what SQS refuses stays in the spool for the next start
    },
    log,
    ready: { coin: s.coin, ports: service.ports, instance: instanceId },
  });
}

/**
 * A switching port's stratum process (issue 17): its own job source per coin (no coin's task shares this process),
 * each coin's shares to that coin's queue (its own spool directory) and live counts to that coin's stats table, the
 * port's state and switches in the first coin's stats table.
 */
async function runSwitching(s: SwitchingSettings, lane: ExtranonceLane, log: pino.Logger): Promise<void> {
  const port = s.config.switching.find((p) => p.name === s.port)!;
  const doc = createDocumentClient(new DynamoDBClient({}));
  const registry = processRegistry();
  const instanceId = `${s.instanceId}-p${lane.index}`;
  const coins = s.coins.map((c) => {
    const config = s.config.coins.find((x) => x.symbol === c.symbol)!;
    const queue = shareQueue(s, config, c.queueUrl, lane, instanceId, log);
    const live = new LiveStatsTracker({ job: () => service.job(c.symbol), now: Date.now });
    return { ...c, queue, live, tracked: live.track(queue) };
  });
  const bySymbol = new Map(coins.map((c) => [c.symbol, c]));
  const service = await startSwitchingService({
    config: s.config,
    port,
    shares: (coin) => bySymbol.get(coin)!.tracked,
    exchanges: port.prices.exchanges.map((x) => new CcxtExchange({ id: x.id, apiBaseUrl: x.apiBaseUrl })),
    store: new DynamoSwitchingStore(doc, () => s.coins[0]!.statsTable),
    log,
    metrics: createStratumMetrics(registry),
    instancePrefix: s.instancePrefix,
    extranonceLane: lane,
    serverVersion: 'edgepool',
  });
  const stopLive = coins.map((c) => publishLive(doc, c.statsTable, c.live, log));
  serveProcess({
    s,
    service: { ...service, refresh: (coin) => void service.refresh(coin) },
    close: async () => {
      for (const stop of stopLive) stop();
      await Promise.all(coins.map((c) => c.queue.close()));
    },
    log,
    ready: { port: port.name, ports: service.ports, instance: instanceId },
  });
}

/** The process's metrics registry, which the primary collects over IPC for /metrics. */
function processRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Constructing an AggregatorRegistry installs the listener the primary's collection talks to.
  AggregatorRegistry.setRegistries(registry);
  new AggregatorRegistry();
  return registry;
}

/** A coin's share queue in a stratum process: SQS through the batching queue, spooled under `<spool>/<coin>/p<i>`. */
function shareQueue(
  s: TaskSettings,
  coin: Readonly<CoinConfig>,
  queueUrl: string,
  lane: ExtranonceLane,
  instanceId: string,
  log: pino.Logger,
): BatchingShareQueue {
  const queue = new BatchingShareQueue({
    transport: new SqsTransport({ client: new SQSClient({}), queueUrl }),
    // The task's volume does not outlive the task, and its processes die without taking the page cache along: a
    // written batch survives everything the volume survives, so an fsync per ack would only add the disk's latency.
    spool: new FileShareSpool({ dir: join(s.spoolDir, coin.symbol, `p${lane.index}`), durability: 'write' }),
    instanceId,
    maxShares: s.config.queue.maxBatchShares,
    maxWaitMs: s.config.queue.maxWaitMs,
    ackAfter: s.config.queue.ackAfter,
    shipIntervalMs: s.config.queue.shipIntervalMs,
    // A share ingest must claim (not bound to its connection) travels whole: a summary entry carries no hash.
    summarize: CHAIN_FAMILIES.forCoin(coin).work.boundToConnection
      ? journalSummarizer(coinShareCredit(coin.rewards))
      : undefined,
    // queue mode: a worker's minute is one packed row per task-minute, not one per 25 ms batch window.
    minuteSummaryMs: 60_000,
    log,
  });
  queue.start();
  return queue;
}

function publishLive(
  doc: ReturnType<typeof createDocumentClient>,
  statsTable: string,
  tracker: LiveStatsTracker,
  log: pino.Logger,
): () => void {
  const processNumber = randomInt(2 ** 47);
  return publishLiveStats({ tracker, put: (snap) => putLiveSnapshot(doc, statsTable, processNumber, snap), log });
}

/**
 * A stratum process's life once its service is up: health reports and the primary's messages (blocknotify, the
 * task's bans), and on SIGTERM the drain, then `close` (queues flushed).
 */
function serveProcess(o: {
  s: TaskSettings;
  service: ProcessService;
  close: () => Promise<void>;
  log: pino.Logger;
  ready: Record<string, unknown>;
}): void {
  const { s, service, log } = o;
  let draining = false;
  // Bans and open connections per IP go through the primary to the task's other processes (and tasks).
  const relay = relayPolicy(service.policy, (msg) => process.send?.(msg));
  process.on('message', (msg: ToWorker) => {
    // The primary checked the coin of POST /blocknotify/<coin>.
    if (msg?.type === 'edgepool:blocknotify') service.refresh(msg.coin);
    else if (isBanRelayMessage(msg)) relay(msg);
  });
  const report = () => {
    const msg: FromWorker = { type: 'edgepool:health', draining, coins: service.health() };
    process.send?.(msg);
  };
  report();
  const reporter = setInterval(report, HEALTH_REPORT_MS);
  reporter.unref();
  // A connect burst's memory goes back to the system once the process is quiet (fargate/src/memory-release.ts).
  const stopRelease = releaseMemoryWhenQuiet(log);
  // V8's helper threads yield to the event loop: a helper woken on the loop's CPU no longer preempts a share or a
  // block in flight (fargate/src/helper-threads.ts).
  yieldHelperThreads(log);
  // Which native kernels this CPU got (AVX-512/AVX2/SSE2/NEON scrypt lanes, SHA-NI/ARMv8 SHA-2): the hash rate's why.
  log.info({ ...o.ready, kernels: { scrypt: scryptKernel(), sha256: sha256Kernel() } }, 'stratum process ready');

  const shutdown = async (signal: string) => {
    if (draining) return;
    draining = true;
    log.info({ signal }, 'draining');
    await service.drain(s.config.stratum.drainSeconds * 1000);
    await service.stop();
    await o.close();
    clearInterval(reporter);
    stopRelease();
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

async function runPrimary(s: TaskSettings, plan: TaskPlan, log: pino.Logger): Promise<void> {
  const count = s.processes;
  const workers = new Map<number, Worker>();
  const reports = new Map<number, { at: number; draining: boolean; coins: CoinHealth[] }>();
  let stopping = false;
  const prefix = await leaseTaskPrefix({
    ...(plan.leases && { leases: plan.leases }),
    bytes: plan.prefixBytes,
    owner: s.instanceId,
    now: Date.now,
    // Another task holds the prefix now (ours ran out while DynamoDB was away): stop before two miners share work.
    onLost: () => void shutdown('extranonce1 prefix lost', 1),
    log,
  });
  const bans = new TaskBans({
    ...(plan.bans && { store: plan.bans }),
    send: (index, msg) => workers.get(index)?.send(msg),
    now: Date.now,
    banMs: plan.banMs,
    log,
  });
  bans.start();
  const fork = (index: number) => {
    const worker = cluster.fork({
      POOL_STRATUM_PROCESS: String(index),
      // One task, one identity: the processes share its extranonce1 prefix (each in its own lane) and instance id.
      POOL_INSTANCE_ID: s.instanceId,
      POOL_INSTANCE_PREFIX: prefix.prefix,
    });
    workers.set(index, worker);
    worker.on('message', (msg: FromWorker | BanRelayMessage) => {
      if (isBanRelayMessage(msg)) bans.received(index, msg);
      else if (msg?.type === 'edgepool:health') {
        // The first report: the process listens for messages now, and learns the task's bans.
        if (!reports.has(index)) bans.joined(index);
        reports.set(index, { at: Date.now(), draining: msg.draining, coins: msg.coins });
      }
    });
    worker.on('exit', (code, signal) => {
      workers.delete(index);
      reports.delete(index);
      bans.left(index);
      if (stopping) return;
      log.error({ process: index, code, signal }, 'stratum process died; starting another on its spool');
      setTimeout(() => {
        if (!stopping) fork(index);
      }, REFORK_DELAY_MS);
    });
  };
  for (let i = 0; i < count; i++) fork(i);

  const aggregator = new AggregatorRegistry();
  let draining = false;
  const ops = createOpsServer({
    registry: { contentType: aggregator.contentType, metrics: () => aggregator.clusterMetrics() },
    health: () => ({
      draining: draining || [...reports.values()].some((r) => r.draining),
      coins: plan.coins.map((coin) => sumHealth(coin, count, healthOf(coin, reports))),
    }),
    onBlockNotify: (symbol) => {
      if (!plan.coins.includes(symbol)) return false;
      const msg: ToWorker = { type: 'edgepool:blocknotify', coin: symbol };
      for (const w of workers.values()) w.send(msg);
      return true;
    },
    // The ops port listens on every interface (the NLB's health checks): without a token, loopback callers only.
    blockNotifyToken: s.blockNotifyToken,
    log,
  });
  await listen(ops, s.opsPort, '0.0.0.0');
  log.info(
    { serves: plan.serves, processes: count, ops: s.opsPort, instance: s.instanceId, prefix: prefix.prefix },
    'stratum processes started',
  );

  async function shutdown(signal: string, exitCode = 0): Promise<void> {
    if (stopping) return;
    stopping = true;
    draining = true;
    log.info({ signal, processes: workers.size }, 'draining every stratum process');
    const exited = [...workers.values()].map((w) => new Promise<void>((resolve) => w.once('exit', () => resolve())));
    for (const w of workers.values()) w.process.kill('SIGTERM');
    const deadline = setTimeout(
      () => {
        log.error('stratum processes did not stop in time; killing them');
        for (const w of workers.values()) w.process.kill('SIGKILL');
      },
      (s.config.stratum.drainSeconds + 30) * 1000,
    );
    await Promise.all(exited);
    clearTimeout(deadline);
    ops.close();
    bans.stop();
    await bans.idle();
    // Every connection is closed: the prefix may serve another task now.
    await prefix.release().catch((err: unknown) => log.warn({ err }, 'extranonce1 prefix not released; it expires'));
    log.info('stopped');
    process.exit(exitCode);
  }
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/** One coin's reports of the processes (a process that has not reported the coin is left out: not serving it). */
function healthOf(
  coin: string,
  reports: ReadonlyMap<number, { at: number; coins: CoinHealth[] }>,
): Map<number, { at: number; coin: CoinHealth }> {
  return new Map(
    [...reports].flatMap(([i, r]) => {
      const health = r.coins.find((c) => c.coin === coin);
      return health ? [[i, { at: r.at, coin: health }] as const] : [];
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
