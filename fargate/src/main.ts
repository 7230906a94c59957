import cluster, { type Worker } from 'node:cluster';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { AggregatorRegistry, collectDefaultMetrics, Registry } from 'prom-client';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { putLiveSnapshot } from '../../adapters/aws/dynamo-live-stats.js';
import { SqsTransport } from '../../adapters/aws/sqs-transport.js';
import { FileShareSpool } from '../../adapters/fs/spool.js';
import { ConfigError } from '../../core/errors.js';
import { coinShareCredit } from '../../core/rewards/pot.js';
import { journalSummarizer } from '../../core/shares/summary.js';
import { CHAIN_FAMILIES } from '../../families/registry.js';
import { startCoinService } from './coin-service.js';
import { type ContainerSettings, settingsFromEnv } from './container.js';
import { type CoinHealth, createOpsServer, listen } from './http/ops-server.js';
import { LiveStatsTracker, publishLiveStats } from './live-stats.js';
import { sumHealth } from './process-health.js';
import { BatchingShareQueue } from './queue/batching-share-queue.js';
import type { ExtranonceLane } from './stratum/extranonce.js';
import { createStratumMetrics } from './stratum/metrics.js';
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
 */

/** Messages between the primary and its stratum processes. */
type FromWorker = { type: 'edgepool:health'; draining: boolean; coin: CoinHealth };
type ToWorker = { type: 'edgepool:blocknotify' } | BanRelayMessage;

const HEALTH_REPORT_MS = 1_000;
const REFORK_DELAY_MS = 1_000;

async function main(): Promise<void> {
  // Every variable the container reads, checked at once (fargate/src/env.ts): a ConfigError naming each bad one.
  const s = settingsFromEnv(process.env);
  const log = pino({ name: 'stratum', level: s.logLevel });
  // A coin no chain family serves fails here, once, not in every stratum process the primary would fork again.
  CHAIN_FAMILIES.check(s.config);
  const processes = s.processes;
  if (cluster.isPrimary) return runPrimary(s, processes, log);
  if (s.processIndex === undefined || s.processIndex >= processes) {
    throw new ConfigError(`POOL_STRATUM_PROCESS must be a lane from 0 to ${processes - 1}, not ${s.processIndex}`);
  }
  const lane = { index: s.processIndex, count: processes };
  return runStratum(s, lane, log.child({ process: lane.index }));
}

async function runStratum(s: ContainerSettings, lane: ExtranonceLane, log: pino.Logger): Promise<void> {
  const coin = s.config.coins.find((c) => c.symbol === s.coin)!;
  const doc = createDocumentClient(new DynamoDBClient({}));
  const processNumber = randomInt(2 ** 47);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // The primary collects this registry over IPC for /metrics (constructing one installs the listener).
  AggregatorRegistry.setRegistries(registry);
  new AggregatorRegistry();
  const instanceId = `${s.instanceId}-p${lane.index}`;
  const queue = new BatchingShareQueue({
    transport: new SqsTransport({ client: new SQSClient({}), queueUrl: s.queueUrl }),
    // The task's volume does not outlive the task, and its processes die without taking the page cache along: a
    // written batch survives everything the volume survives, so an fsync per ack would only add the disk's latency.
    spool: new FileShareSpool({ dir: join(s.spoolDir, s.coin, `p${lane.index}`), durability: 'write' }),
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
  const stopLive = statsTable
    ? publishLiveStats({
        tracker: live,
        put: (snap) => putLiveSnapshot(doc, statsTable, processNumber, snap),
        log,
      })
    : () => undefined;
  let draining = false;
  // Bans and open connections per IP go through the primary to the task's other processes (and tasks).
  const relay = relayPolicy(service.policy, (msg) => process.send?.(msg));
  process.on('message', (msg: ToWorker) => {
    // The primary checked the coin of POST /blocknotify/<coin>.
    if (msg?.type === 'edgepool:blocknotify') service.refresh();
    else if (isBanRelayMessage(msg)) relay(msg);
  });
  const report = () => {
    const msg: FromWorker = { type: 'edgepool:health', draining, coin: service.health() };
    process.send?.(msg);
  };
  report();
  const reporter = setInterval(report, HEALTH_REPORT_MS);
  reporter.unref();
  log.info({ coin: s.coin, ports: service.ports, instance: instanceId }, 'stratum process ready');

  const shutdown = async (signal: string) => {
    if (draining) return;
    draining = true;
    log.info({ signal }, 'draining');
    await service.drain(s.config.stratum.drainSeconds * 1000);
    stopLive();
    await service.stop();
    await queue.close(); // flushes; what SQS refuses stays in the spool for the next start
    clearInterval(reporter);
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

async function runPrimary(s: ContainerSettings, count: number, log: pino.Logger): Promise<void> {
  const workers = new Map<number, Worker>();
  const reports = new Map<number, { at: number; draining: boolean; coin: CoinHealth }>();
  let stopping = false;
  const coin = s.config.coins.find((c) => c.symbol === s.coin)!;
  const doc = createDocumentClient(new DynamoDBClient({}));
  // The prefix's length is the family's: EthereumStratum/1.0.0's 3-byte extranonce holds only a 1-byte prefix.
  const prefixBytes = CHAIN_FAMILIES.forCoin(coin).work.taskPrefixBytes;
  const stores = s.statsTable ? coordinationStores(doc, s.statsTable, prefixBytes) : undefined;
  const prefix = await leaseTaskPrefix({
    ...(stores && { leases: stores.leases }),
    bytes: prefixBytes,
    owner: s.instanceId,
    now: Date.now,
    // Another task holds the prefix now (ours ran out while DynamoDB was away): stop before two miners share work.
    onLost: () => void shutdown('extranonce1 prefix lost', 1),
    log,
  });
  const bans = new TaskBans({
    ...(stores && { store: stores.bans }),
    send: (index, msg) => workers.get(index)?.send(msg),
    now: Date.now,
    banMs: coin.security.banning.timeoutSeconds * 1000,
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
        reports.set(index, { at: Date.now(), draining: msg.draining, coin: msg.coin });
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
      coins: [sumHealth(s.coin, count, reports)],
    }),
    onBlockNotify: (symbol) => {
      if (symbol !== s.coin) return false;
      const msg: ToWorker = { type: 'edgepool:blocknotify' };
      for (const w of workers.values()) w.send(msg);
      return true;
    },
    // The ops port listens on every interface (the NLB's health checks): without a token, loopback callers only.
    blockNotifyToken: s.blockNotifyToken,
    log,
  });
  await listen(ops, s.opsPort, '0.0.0.0');
  log.info(
    { coin: s.coin, processes: count, ops: s.opsPort, instance: s.instanceId, prefix: prefix.prefix },
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

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
