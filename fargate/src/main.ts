import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { SqsTransport } from '../../adapters/aws/sqs-transport.js';
import { FileShareSpool } from '../../adapters/local/spool.js';
import { BatchingShareQueue } from '../../core/shares/batching-share-queue.js';
import { startCoinService } from './coin-service.js';
import { settingsFromEnv } from './container.js';
import { createOpsServer, listen } from './http/ops-server.js';
import { createStratumMetrics } from './stratum/metrics.js';

/**
 * The stratum container (ECS Fargate): one coin's stratum ports, shares to SQS through the batching queue with a
 * disk spool, /health and /metrics on the ops port. SIGTERM drains: client.reconnect, then close, then flush.
 */
async function main(): Promise<void> {
  const log = pino({ name: 'stratum', level: process.env.LOG_LEVEL ?? 'info' });
  const s = settingsFromEnv(process.env);
  const coin = s.config.coins.find((c) => c.symbol === s.coin)!;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const queue = new BatchingShareQueue({
    transport: new SqsTransport({ client: new SQSClient({}), queueUrl: s.queueUrl }),
    spool: new FileShareSpool({ dir: join(s.spoolDir, s.coin) }),
    instanceId: s.instanceId,
    maxShares: s.config.queue.maxBatchShares,
    maxWaitMs: s.config.queue.maxWaitMs,
    log,
  });
  queue.start();
  const service = await startCoinService({
    config: s.config,
    coin,
    shares: queue,
    log,
    metrics: createStratumMetrics(registry),
    instancePrefix: s.instancePrefix,
    serverVersion: 'edgepool',
  });
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
