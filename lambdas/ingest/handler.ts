import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Logger } from 'pino';
import { z } from 'zod';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { DynamoShareStore } from '../../adapters/aws/dynamo-share-store.js';
import { ConfigError, StorageError } from '../../core/errors.js';
import type { ShareStore } from '../../core/ports/share-store.js';
import { potParamsSchema } from '../../core/rewards/config.js';
import { potShareCredit } from '../../core/rewards/pot.js';
import type { ShareCredit } from '../../core/shares/aggregate.js';
import { ingestBatch } from '../../core/shares/ingest-batch.js';
import { decodeMessage } from '../../core/shares/queue-message.js';
import type { ShareBatch } from '../../core/shares/share.js';
import { emfRecord } from '../shared/emf.js';
import { createLambdaLogger, invocationLogger, poolMiddleware } from '../shared/middleware.js';

/**
 * The share ingest consumer: SQS (or the local in-process queue) → idempotent counters in DynamoDB.
 *
 * Failure handling, per record (partial batch response, so one bad record never holds the others back):
 *  - a body that is not a valid ShareBatch will never become valid: it is logged and reported as a batch item
 *    failure, so SQS redelivers it until maxReceiveCount and then its redrive policy moves it to the dead-letter
 *    queue, where an operator can look at it. It never loops forever, and never blocks the queue.
 *  - a storage failure (throttling, timeouts) is reported as a batch item failure and retried by redelivery;
 *    ingest is idempotent per batch id, so a retry after a partial write counts every share once.
 */

/** The subset of a pino logger `run` uses. */
export interface IngestLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface IngestDeps {
  store: ShareStore;
  log: IngestLog;
  now: () => number;
  /** How long a claim on a batch holds off other consumers: longer than the function timeout. */
  leaseMs?: number;
  /** Makes claims unique per invocation (Lambda: awsRequestId). */
  requestId?: string;
  /** PoT coins: the credit difficulty of each share, summed per round next to the plain difficulty. */
  credit?: ShareCredit;
  /** AWS: where CloudWatch metrics go (EMF lines on stdout): BlocksFound per coin, which the no-block alarm watches. */
  emit?: (line: string) => void;
}

const DEFAULT_LEASE_MS = 120_000;

export async function run(event: SQSEvent, deps: IngestDeps): Promise<SQSBatchResponse> {
  const found = new Map<string, number>();
  const outcomes = await Promise.all(event.Records.map((record) => ingestRecord(record, deps, found)));
  for (const [coin, blocks] of found) deps.emit?.(emfRecord(coin, { BlocksFound: blocks }, deps.now()));
  return {
    batchItemFailures: event.Records.filter((_, i) => !outcomes[i]).map((r) => ({ itemIdentifier: r.messageId })),
  };
}

/** true when the record is done with (every batch in it counted, now or before). */
async function ingestRecord(record: SQSRecord, deps: IngestDeps, found: Map<string, number>): Promise<boolean> {
  const where = { messageId: record.messageId, receiveCount: record.attributes?.ApproximateReceiveCount };
  let batches: ShareBatch[];
  try {
    batches = decodeMessage(record.body);
  } catch (err) {
    deps.log.error(
      { ...where, reason: (err as Error).message, bodyBytes: record.body.length },
      'malformed share batch: reported as failed so that the redrive policy moves it to the dead-letter queue',
    );
    return false;
  }
  // One batch after the other: a failure leaves the rest for the redelivery, where the counted ones are duplicates.
  for (const batch of batches) {
    try {
      const result = await ingestBatch(deps.store, batch, {
        claim: `${deps.requestId ?? 'local'}:${record.messageId}`,
        now: deps.now,
        leaseMs: deps.leaseMs ?? DEFAULT_LEASE_MS,
        ...(deps.credit && { credit: deps.credit }),
        onRepeats: (repeats) =>
          deps.log.warn({ ...where, batchId: batch.batchId, repeats }, 'repeated shares (same hash) counted once'),
      });
      deps.log.info({ ...where, batchId: batch.batchId, shares: batch.shares.length, result }, 'share batch ingested');
      const blocks = result === 'applied' && batch.views !== 'minutes' ? batch.shares.filter((s) => s.block).length : 0;
      if (blocks > 0) found.set(batch.coin, (found.get(batch.coin) ?? 0) + blocks);
    } catch (err) {
      deps.log.warn({ ...where, batchId: batch.batchId, err }, 'share batch not ingested; it will be redelivered');
      return false;
    }
  }
  return true;
}

const envSchema = z.object({
  /** The one coin this function's queue carries; a batch of another coin is refused. */
  POOL_COIN: z.string().min(1),
  SHARES_TABLE: z.string().min(1),
  STATS_TABLE: z.string().min(1),
  BLOCKS_TABLE: z.string().min(1),
  INGEST_LEASE_MS: z.coerce.number().int().min(1000).default(DEFAULT_LEASE_MS),
  /** PoT coins only: the coin's `rewards.pot` ({ a, cap }) as JSON. */
  POOL_POT: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not JSON' });
        return z.NEVER;
      }
    })
    .pipe(potParamsSchema)
    .optional(),
});

type StaticDeps = Omit<IngestDeps, 'log' | 'requestId'>;

/** Builds the AWS clients from the environment; called on the first invocation, never at import. */
export function depsFromEnv(env: NodeJS.ProcessEnv = process.env): StaticDeps {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      'ingest environment is invalid',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    );
  }
  const cfg = parsed.data;
  const store = new DynamoShareStore({
    doc: createDocumentClient(new DynamoDBClient({})),
    tables: (coin) => {
      if (coin !== cfg.POOL_COIN) throw new StorageError(`this ingest function serves ${cfg.POOL_COIN}, not ${coin}`);
      return { shares: cfg.SHARES_TABLE, stats: cfg.STATS_TABLE, blocks: cfg.BLOCKS_TABLE };
    },
  });
  return {
    store,
    now: Date.now,
    leaseMs: cfg.INGEST_LEASE_MS,
    ...(cfg.POOL_POT && { credit: potShareCredit(cfg.POOL_POT) }),
  };
}

export function createHandler(
  makeDeps: () => StaticDeps = () => depsFromEnv(),
  log: Logger = createLambdaLogger('ingest'),
  emit: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
) {
  let deps: StaticDeps | undefined;
  const base = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    deps ??= makeDeps();
    return run(event, {
      ...deps,
      log: invocationLogger(log, context),
      requestId: context.awsRequestId,
      emit,
    });
  };
  return middy<SQSEvent, SQSBatchResponse, Error, Context>(base).use(poolMiddleware(log));
}

export const handler = createHandler();
