import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { putLiveSnapshot } from '../../adapters/aws/dynamo-live-stats.js';
import { SqsTransport } from '../../adapters/aws/sqs-transport.js';
import { FileShareSpool } from '../../adapters/local/spool.js';
import { coinShareCredit } from '../../core/rewards/pot.js';
import { BatchingShareQueue } from '../../core/shares/batching-share-queue.js';
import { journalSummarizer } from '../../core/shares/summary.js';
import { startCoinService } from './coin-service.js';
import { settingsFromEnv } from './container.js';
import { createOpsServer, listen } from './http/ops-server.js';
import { LiveStatsTracker, publishLiveStats } from './live-stats.js';
import { createStratumMetrics } from './stratum/metrics.js';

/**
 * The stratum container (ECS Fargate): one coin's stratum ports, shares to SQS through the batching queue with a
 * disk spool, /health and /metrics on the ops port. SIGTERM drains: client.reconnect, then close, then flush.
 */
async function main(): Promise<void> {
  const log = pino({ name: 'stratum', level: process.env.LOG_LEVEL ?? 'info' });
  const s = settingsFromEnv(process.env);
  const coin = s.config.coins.find((c) => c.symbol === s.coin)!;
  const doc = createDocumentClient(new DynamoDBClient({}));
  const processNumber = randomInt(2 ** 47);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const queue = new BatchingShareQueue({
    transport: new SqsTransport({ client: new SQSClient({}), queueUrl: s.queueUrl }),
    spool: new FileShareSpool({ dir: join(s.spoolDir, s.coin) }),
    instanceId: s.instanceId,
    maxShares: s.config.queue.maxBatchShares,
    maxWaitMs: s.config.queue.maxWaitMs,
    ackAfter: s.config.queue.ackAfter,
    shipIntervalMs: s.config.queue.shipIntervalMs,
    summarize: journalSummarizer(coinShareCredit(coin.rewards)),
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
  const ops = createOpsServer({
    registry,
    health: () => ({ draining, coins: [service.health()] }),
    onBlockNotify: (symbol) => {
      if (symbol !== s.coin) return false;
      service.refresh();
      return true;
    },
    log,
  });
  await listen(ops, s.opsPort, '0.0.0.0');
  log.info({ coin: s.coin, ports: service.ports, ops: s.opsPort, instance: s.instanceId }, 'stratum server ready');

  const shutdown = async (signal: string) => {
    if (draining) return;
    draining = true;
    log.info({ signal }, 'draining');
    await service.drain(s.config.stratum.drainSeconds * 1000);
    stopLive();
    await service.stop();
    await queue.close(); // flushes; what SQS refuses stays in the spool for the next start
    ops.close();
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
