import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { DynamoShareIngestStore } from '../../adapters/aws/dynamo-share-ingest-store.js';
import { DEFAULT_LEASE_MS, type IngestDeps, ingestMessages } from '../../app/ingest/ingest.js';
import { jsonVar } from '../../core/config/env.js';
import { StorageError } from '../../core/errors.js';
import { potParamsSchema } from '../../core/rewards/config.js';
import { potShareCredit } from '../../core/rewards/pot.js';
import { emfRecord } from '../shared/emf.js';
import { poolHandler, poolLambda } from '../shared/pool-handler.js';

/**
 * The ingest Lambda: SQS events → the ingest use case (app/ingest/ingest.ts), with a partial batch response, so that
 * one bad record never holds the others back: SQS redelivers the failed ones until maxReceiveCount and then the
 * redrive policy moves them to the dead-letter queue.
 */

export interface IngestLambdaDeps extends IngestDeps {
  /** AWS: where CloudWatch metrics go (EMF lines on stdout): BlocksFound per coin, which the no-block alarm watches. */
  emit?: (line: string) => void;
}

export async function run(event: SQSEvent, deps: IngestLambdaDeps): Promise<SQSBatchResponse> {
  const { failed, blocksFound } = await ingestMessages(event.Records, deps);
  for (const [coin, blocks] of blocksFound) deps.emit?.(emfRecord(coin, { BlocksFound: blocks }, deps.now()));
  return { batchItemFailures: failed.map((id) => ({ itemIdentifier: id })) };
}

/** The ingest Lambda's environment, set by infra/stacks/coin-stack.ts (and checked there at synth). */
export const ingestEnvSchema = z.object({
  /** The one coin this function's queue carries; a batch of another coin is refused. */
  POOL_COIN: z.string().min(1),
  SHARES_TABLE: z.string().min(1),
  STATS_TABLE: z.string().min(1),
  BLOCKS_TABLE: z.string().min(1),
  INGEST_LEASE_MS: z.coerce.number().int().min(1000).default(DEFAULT_LEASE_MS),
  /** PoT coins only: the coin's `rewards.pot` ({ a, cap }) as JSON. */
  POOL_POT: jsonVar(potParamsSchema).optional(),
  /** "true" for a coin whose shares are not bound to their connection (its chain family says so): claim each share. */
  POOL_CLAIM_SHARES: z.enum(['true', 'false']).default('false'),
});

type StaticDeps = Omit<IngestLambdaDeps, 'log' | 'requestId' | 'emit'>;

/** Builds the AWS clients from the environment; called on the first invocation, never at import. */
function ingestDeps(cfg: z.output<typeof ingestEnvSchema>): StaticDeps {
  const store = new DynamoShareIngestStore({
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
    ...(cfg.POOL_CLAIM_SHARES === 'true' && { claimShares: true }),
  };
}

export const ingestLambda = poolLambda({
  name: 'ingest',
  env: ingestEnvSchema,
  build: ingestDeps,
  run: (event: SQSEvent, deps: StaticDeps, invocation): Promise<SQSBatchResponse> =>
    run(event, { ...deps, ...invocation }),
});

export const handler = poolHandler(ingestLambda);
