import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { DynamoAuxAddressStore } from '../../adapters/aws/dynamo-aux-address-store.js';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { DynamoShareIngestStore } from '../../adapters/aws/dynamo-share-ingest-store.js';
import type { ShareTables } from '../../adapters/aws/share-items.js';
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

/** An aux chain merge-mined under the function's coin: where ingest records its blocks and keeps payout addresses. */
const auxCoinTablesSchema = z.strictObject({
  coin: z.string().min(1).max(16),
  blocksTable: z.string().min(1),
  ledgerTable: z.string().min(1),
});

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
  /**
   * Merged mining: the aux coins merged with POOL_COIN (core/config/merged.ts `auxCoinsOf`) as JSON
   * `[{ coin, blocksTable, ledgerTable }]`: their blocks found by POOL_COIN's shares go to their blocks tables, miners'
   * password payout addresses to their ledger tables. Absent: none (a batch naming an aux coin records nothing of it).
   */
  POOL_AUX_COINS: jsonVar(
    z.array(auxCoinTablesSchema).refine((l) => new Set(l.map((a) => a.coin)).size === l.length, 'each aux coin once'),
  ).default([]),
});

type IngestEnv = z.output<typeof ingestEnvSchema>;

/**
 * The tables of the function's coin, and the blocks table of each of its aux coins (ingest writes an aux coin
 * nothing else; asking for another of its tables is a bug, refused by name). Any other coin is refused.
 */
export function ingestTables(cfg: IngestEnv): ShareTables {
  return (coin) => {
    if (coin === cfg.POOL_COIN) return { shares: cfg.SHARES_TABLE, stats: cfg.STATS_TABLE, blocks: cfg.BLOCKS_TABLE };
    const aux = cfg.POOL_AUX_COINS.find((a) => a.coin === coin);
    if (!aux) throw new StorageError(`this ingest function serves ${cfg.POOL_COIN}, not ${coin}`);
    const notHere = (table: string): never => {
      throw new StorageError(`ingest writes only the blocks table of aux coin ${coin}, not its ${table} table`);
    };
    return {
      blocks: aux.blocksTable,
      get shares() {
        return notHere('shares');
      },
      get stats() {
        return notHere('stats');
      },
    };
  };
}

type StaticDeps = Omit<IngestLambdaDeps, 'log' | 'requestId' | 'emit'>;

/** Builds the AWS clients from the environment; called on the first invocation, never at import. */
function ingestDeps(cfg: IngestEnv): StaticDeps {
  const doc = createDocumentClient(new DynamoDBClient({}));
  const store = new DynamoShareIngestStore({ doc, tables: ingestTables(cfg) });
  const auxCoins: ReadonlySet<string> = new Set(cfg.POOL_AUX_COINS.map((a) => a.coin));
  const none: ReadonlySet<string> = new Set();
  return {
    store,
    ...(auxCoins.size > 0 && {
      auxCoinsOf: (coin: string) => (coin === cfg.POOL_COIN ? auxCoins : none),
      auxAddresses: new DynamoAuxAddressStore({
        doc,
        ledgerTable: (coin) => {
          const aux = cfg.POOL_AUX_COINS.find((a) => a.coin === coin);
          if (!aux) throw new StorageError(`${coin} is not an aux coin of ${cfg.POOL_COIN} here`);
          return aux.ledgerTable;
        },
      }),
    }),
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
