import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { createDynamoShareStores, type DynamoShareStores } from '../../adapters/aws/dynamo-share-store.js';
import { ensureTables, type TableNames, tableNames } from '../../adapters/aws/tables.js';
import { type DynaliteServer, startDynalite } from '../../adapters/local/dynalite-server.js';
import type { MinerActivityReader, RoundShareReader, ShareIngestStore } from '../../core/ports/share-store.js';
import type { Tally } from '../../core/shares/aggregate.js';

export const silentLog = { info() {}, warn() {}, error() {} };

export interface Dynamo {
  server: DynaliteServer;
  client: DynamoDBClient;
  /** Fresh tables under a new prefix, and the share stores on them. */
  freshStore(coin?: string): Promise<DynamoShareStores>;
  /** The tables of the last fresh store. */
  lastTables?: TableNames;
  close(): Promise<void>;
}

let prefixSeq = 0;

/**
 * Points the AWS SDK clients a Lambda builds from its environment (`new DynamoDBClient({})`) at this dynalite, with
 * a region and dummy credentials; returns the function that puts the process environment back.
 */
export function useDynamoEnv(dynamo: Pick<Dynamo, 'server'>): () => void {
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.server.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  return () => {
    process.env = saved;
  };
}

export async function startDynamo(): Promise<Dynamo> {
  const server = await startDynalite();
  const client = new DynamoDBClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const dynamo: Dynamo = {
    server,
    client,
    async freshStore(coin = 'LTC') {
      const prefix = `t${prefixSeq++}`;
      dynamo.lastTables = await ensureTables(client, prefix, coin);
      return createDynamoShareStores({ doc: createDocumentClient(client), tables: (c) => tableNames(prefix, c) });
    },
    async close() {
      client.destroy();
      await server.close();
    },
  };
  return dynamo;
}

/** Every share of a miner the store recorded (its minute items from minute 0 on: nothing expires in dynalite). */
export async function minerTotal(store: MinerActivityReader, coin: string, miner: string): Promise<Tally> {
  return (await store.getMinerStats(coin, miner, 0)).total;
}

/** Per miner, the shares the rewards see: the round sums of `heights` (money-grade, unlike the minute views). */
export async function roundTotals(
  store: RoundShareReader,
  coin: string,
  heights: number[],
): Promise<Map<string, Tally>> {
  const out = new Map<string, Tally>();
  for (const h of heights) {
    for (const m of (await store.getRoundShares(coin, h)).miners) {
      const t = out.get(m.miner) ?? { shares: 0, difficulty: 0 };
      out.set(m.miner, { shares: t.shares + m.shares, difficulty: t.difficulty + m.difficulty });
    }
  }
  return out;
}

export function sqsEvent(records: Array<{ messageId: string; body: string; receiveCount?: number }>): SQSEvent {
  return {
    Records: records.map((r) => ({
      messageId: r.messageId,
      receiptHandle: `rh-${r.messageId}`,
      body: r.body,
      attributes: {
        ApproximateReceiveCount: String(r.receiveCount ?? 1),
        SentTimestamp: '0',
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:shares',
      awsRegion: 'us-east-1',
    })),
  };
}

const WRITES = new Set([
  'beginBatch',
  'claimShare',
  'addToCounter',
  'putSlices',
  'putBlock',
  'markBatchApplied',
  'releaseCounterGuard',
  'markBatchCleaned',
  'releaseBatch',
]);

/**
 * A store that dies at its `crashAt`-th write (counting from 0): that write either never reaches the table or
 * reaches it and its answer is lost (`afterWrite`); every later call fails too, as in a process that died.
 */
export function crashingStore(inner: ShareIngestStore, crashAt: number, afterWrite: boolean): ShareIngestStore {
  let writes = 0;
  let dead = false;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || !WRITES.has(String(prop))) return value;
      return async (...args: unknown[]) => {
        if (dead) throw new Error('process is gone');
        if (writes++ === crashAt) {
          dead = true;
          if (afterWrite) await value.apply(target, args);
          throw new Error(`crash at write ${crashAt} (${String(prop)})`);
        }
        return value.apply(target, args);
      };
    },
  });
}
