// Pipeline cost per million accepted shares: SQS requests made by the real BatchingShareQueue + SqsTransport, and
// DynamoDB write units consumed by the real ingest use case (app/ingest, what the Lambda runs) on dynalite, for a
// realistic miner population.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SqsTransport } from '../adapters/aws/sqs-transport.js';
import { ingestMessages } from '../app/ingest/ingest.js';
import { decodeMessage } from '../core/shares/queue-message.js';
import type { Share, ShareBatch } from '../core/shares/share.js';
import { summarizeBatches } from '../core/shares/summary.js';
import { BatchingShareQueue } from '../fargate/src/queue/batching-share-queue.js';
import { sqsEvent, startDynamo } from '../test/helpers/dynamo.js';
import { fmt, goal, heading, info, NO_SPOOL, record } from './harness.js';

/**
 * Prices, us-east-1, from the AWS price list as quoted in issue 6 (2024 list): SQS standard $0.40 per million
 * requests (each 64 KiB of payload counts as one request), DynamoDB on-demand $1.25 per million write request units.
 * On-demand DynamoDB was halved on 2024-11-01 ($0.625); check current prices before quoting these in dollars.
 */
const SQS_USD_PER_MILLION_REQUESTS = 0.4;
const DYNAMO_USD_PER_MILLION_WRU = 1.25;
const SQS_BILLING_CHUNK_BYTES = 64 * 1024;
/** The ingest event source (infra/stacks/coin-stack.ts): up to 10 messages per Lambda invocation. */
const LAMBDA_BATCH_SIZE = 10;
const SECONDS_PER_MONTH = 30 * 86_400;
const GOAL_SQS_PER_MILLION = 200;
const GOAL_WCU_PER_MILLION = 1_000;

export interface PipelineOptions {
  /** Shares through the queue and SqsTransport (in memory, fast). */
  shares: number;
  /** Of their SQS messages, how many the ingest handler applies on dynalite (a few hundred writes/s there). */
  ingestMessages: number | 'all';
  miners: number;
  workersPerMiner: number;
  /** Accepted shares per second reaching one stratum process: with the 25 ms queue timer it sets the batch size. */
  sharesPerSecond: number;
  maxWaitMs: number;
  /**
   * queue.ackAfter: 'queue' sends each batch window as it closes; 'journal' journals the windows and ships them every
   * `shipIntervalMs` in one transport call (what BatchingShareQueue's journal mode does, unit-tested in
   * test/fargate/queue/batching-share-queue.test.ts), so the transport packs a second of shares per request.
   */
  ackAfter?: 'queue' | 'journal';
  shipIntervalMs?: number;
  /** Journal mode: ship each interval's summary (what the stratum task does, core/shares/summary.ts), not its shares. */
  summarize?: boolean;
}

export const defaultPipeline: PipelineOptions = {
  shares: Number(process.env.BENCH_PIPELINE_SHARES ?? 200_000),
  ingestMessages: Number(process.env.BENCH_INGEST_MESSAGES ?? 4),
  miners: 2_000,
  workersPerMiner: 3,
  sharesPerSecond: 6_000,
  maxWaitMs: 25,
};

/** SQS as the transport sees it: accepts everything, counts requests and billed 64 KiB chunks, keeps the bodies. */
class CountingSqs {
  requests = 0;
  billedRequests = 0;
  bytes = 0;
  readonly bodies: string[] = [];
  async send(command: SendMessageBatchCommand) {
    const entries = command.input.Entries ?? [];
    const bytes = entries.reduce((n, e) => n + Buffer.byteLength(e.MessageBody ?? ''), 0);
    this.requests += 1;
    this.bytes += bytes;
    this.billedRequests += Math.max(1, Math.ceil(bytes / SQS_BILLING_CHUNK_BYTES));
    for (const e of entries) this.bodies.push(e.MessageBody ?? '');
    return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: e.Id, MD5OfMessageBody: '' })), Failed: [] };
  }
}

interface DynamoCounts {
  writeRequests: number;
  writeUnits: number;
  readRequests: number;
}

/** Asks dynalite for ConsumedCapacity on every write and adds it up (a failed condition costs a unit too). */
function countCapacity(client: DynamoDBClient): DynamoCounts {
  const counts: DynamoCounts = { writeRequests: 0, writeUnits: 0, readRequests: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const write = /Put|Update|Delete|BatchWrite/.test(context.commandName ?? '');
      if (!write) {
        counts.readRequests += 1;
        return next(args);
      }
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      counts.writeRequests += 1;
      try {
        const out = await next(args);
        const used = (out.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity;
        counts.writeUnits += used?.CapacityUnits ?? 1;
        return out;
      } catch (err) {
        counts.writeUnits += 1;
        throw err;
      }
    },
    { step: 'initialize', name: 'benchConsumedCapacity' },
  );
  return counts;
}

/** A deterministic PRNG (mulberry32), so every run draws the same population (and a simulation the same luck). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Shares of a population where vardiff gives every worker about the same share rate: workers drawn uniformly. */
function* shareStream(o: PipelineOptions): Generator<Share> {
  const next = random(6);
  const start = Date.UTC(2026, 0, 1);
  for (let i = 0; i < o.shares; i++) {
    const m = Math.floor(next() * o.miners);
    yield {
      coin: 'LTC',
      miner: `ltc1q${m.toString(36).padStart(38, '0')}`, // the length of a real bech32 address
      worker: `rig${1 + Math.floor(next() * o.workersPerMiner)}`,
      height: 2_900_000 + Math.floor(i / (o.sharesPerSecond * 150)), // a block every 2.5 minutes
      difficulty: 2 ** (10 + Math.floor(next() * 8)),
      actualDifficulty: 70_000,
      timestamp: start + Math.floor((i / o.sharesPerSecond) * 1000),
      ip: `203.0.113.${m % 256}`,
    };
  }
}

export interface PipelineResult {
  shares: number;
  batches: number;
  /** Shares in the messages ingest applied: what the DynamoDB counts are per. */
  ingestedShares: number;
  sqsSendRequests: number;
  sqsBilledSends: number;
  sqsBytes: number;
  lambdaInvocations: number;
  /** queue mode: messages of minute summaries (all ingested). */
  minuteSummaries: number;
  /** Per million shares: the sampled batches' writes per share, plus the minute summaries' per all shares. */
  dynamo: DynamoCounts;
  seconds: number;
}

export async function measurePipeline(o: PipelineOptions): Promise<PipelineResult> {
  const started = performance.now();
  const sqs = new CountingSqs();
  const transport = new SqsTransport({ client: sqs as unknown as SQSClient, queueUrl: 'https://sqs.bench/shares' });
  const queue = new BatchingShareQueue({
    transport,
    spool: NO_SPOOL,
    instanceId: 'bench',
    maxWaitMs: 60_000, // the loop below plays the 25 ms timer, on the shares' own clock
    minuteSummaryMs: 60_000, // as the stratum task (fargate/src/main.ts); the loop plays this timer too
  });
  const windowsPerMinute = Math.round(60_000 / o.maxWaitMs);
  // The shares of each maxWaitMs window go out together, as the queue's timer sends them at this rate.
  const perWindow = Math.max(1, Math.round((o.sharesPerSecond * o.maxWaitMs) / 1000));
  // Journal mode: the windows of one ship interval reach the transport in one call.
  const windowsPerShip =
    o.ackAfter === 'journal' ? Math.max(1, Math.round((o.shipIntervalMs ?? 1000) / o.maxWaitMs)) : 1;
  let journaled: ShareBatch[] = [];
  const windowQueue = new BatchingShareQueue({
    transport: { send: async (batches) => void journaled.push(...batches) },
    spool: NO_SPOOL,
    instanceId: 'bench',
    maxWaitMs: 60_000,
  });
  const ship = async () => {
    if (journaled.length > 0)
      await transport.send(
        o.summarize ? summarizeBatches(journaled, { id: `sum-${journaled[0]!.batchId}` }) : journaled,
      );
    journaled = [];
  };
  let window: Promise<void>[] = [];
  let windows = 0;
  for (const share of shareStream(o)) {
    window.push((o.ackAfter === 'journal' ? windowQueue : queue).enqueue(share));
    if (window.length === perWindow) {
      await (o.ackAfter === 'journal' ? windowQueue : queue).flush();
      await Promise.all(window);
      window = [];
      if (++windows % windowsPerShip === 0) await ship();
      if (o.ackAfter !== 'journal' && windows % windowsPerMinute === 0) await queue.flush({ minuteSummary: true });
    }
  }
  await queue.flush();
  await windowQueue.flush();
  await Promise.all(window);
  await ship();
  await queue.close();
  await windowQueue.close();

  const dynamo = await startDynamo();
  try {
    const store = await dynamo.freshStore('LTC');
    const counts = countCapacity(dynamo.client);
    const log = { info() {}, warn() {}, error() {} };
    // queue mode: the batch windows (rounds) are sampled; the minute summaries are few and all ingested.
    const isMinutes = (body: string) => decodeMessage(body).every((b) => b.views === 'minutes');
    const raw = sqs.bodies.filter((b) => !isMinutes(b));
    const minutes = sqs.bodies.filter(isMinutes);
    const sample = o.ingestMessages === 'all' ? raw : raw.slice(0, o.ingestMessages);
    let ingestedShares = 0;
    for (const body of sample)
      ingestedShares += decodeMessage(body).reduce((n, b) => n + b.shares.reduce((k, s) => k + (s.count ?? 1), 0), 0);
    let seq = 0;
    const apply = async (bodies: string[]) => {
      for (let i = 0; i < bodies.length; i += LAMBDA_BATCH_SIZE) {
        const records = bodies.slice(i, i + LAMBDA_BATCH_SIZE).map((body) => ({ messageId: `m${seq++}`, body }));
        const { failed } = await ingestMessages(sqsEvent(records).Records, { store: store.ingest, log, now: Date.now });
        if (failed.length > 0) throw new Error(`ingest failed ${failed.length} records`);
      }
    };
    await apply(sample);
    const sampled = { ...counts };
    await apply(minutes);
    const perMillion = (k: keyof DynamoCounts) =>
      (sampled[k] / ingestedShares) * 1e6 + ((counts[k] - sampled[k]) / o.shares) * 1e6;
    return {
      shares: o.shares,
      batches: sqs.bodies.length,
      ingestedShares,
      sqsSendRequests: sqs.requests,
      sqsBilledSends: sqs.billedRequests,
      sqsBytes: sqs.bytes,
      lambdaInvocations: Math.ceil(sqs.bodies.length / LAMBDA_BATCH_SIZE),
      minuteSummaries: minutes.length,
      dynamo: {
        writeRequests: perMillion('writeRequests'),
        writeUnits: perMillion('writeUnits'),
        readRequests: perMillion('readRequests'),
      },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await dynamo.close();
  }
}

export async function benchPipeline(o: PipelineOptions = defaultPipeline): Promise<void> {
  heading('5. Pipeline cost per million accepted shares (real queue + SqsTransport, real ingest on dynalite)');
  info(
    'sample',
    `${o.shares} shares from ${o.miners} miners × ${o.workersPerMiner} workers, ${o.sharesPerSecond}/s into one stratum process`,
  );
  // queue.ackAfter 'queue': ack once SQS took the batch, every batch window its own message of raw shares.
  // 'journal': ack once fsynced; the task ships each interval's summary (1 s, or 60 s on the minute for cost).
  const minute = o.sharesPerSecond * 60;
  const modes = [
    { mode: 'queue', r: await measurePipeline({ ...o, ackAfter: 'queue' }) },
    {
      mode: 'journal 1 s',
      r: await measurePipeline({ ...o, ackAfter: 'journal', shipIntervalMs: 1000, summarize: true }),
    },
    {
      mode: 'journal 60 s',
      // Three whole minutes, every summary ingested: what a minute costs does not depend on sampling.
      r: await measurePipeline({
        ...o,
        shares: 3 * minute,
        ingestMessages: 'all',
        ackAfter: 'journal',
        shipIntervalMs: 60_000,
        summarize: true,
      }),
    },
  ] as const;
  const cost: Record<string, { sqs: number; wcu: number }> = {};
  for (const { mode, r: m } of modes) {
    const perMillion = (n: number) => (n / m.shares) * 1e6;
    info(`[${mode}] SQS messages / shares per message`, `${m.batches} / ${fmt(m.shares / m.batches)}`);
    // The Lambda event source receives and deletes: at least one ReceiveMessage and one DeleteMessageBatch per
    // invocation, each billed per 64 KiB of payload like the sends (the receive carries the same bodies).
    const billedSends = perMillion(m.sqsBilledSends);
    const sqs = billedSends * 2 + perMillion(m.lambdaInvocations);
    info(
      `[${mode}] SendMessageBatch calls per million`,
      `${fmt(perMillion(m.sqsSendRequests))} (billed per 64 KiB: ${fmt(billedSends)}; ${fmt(m.sqsBytes / m.shares)} bytes/share)`,
    );
    info(`[${mode}]   + ReceiveMessage + DeleteMessageBatch (est.)`, `${fmt(sqs - billedSends)}`);
    info(
      `[${mode}] ingest sample`,
      `${m.ingestedShares} shares in ${o.ingestMessages === 'all' || mode === 'journal 60 s' ? 'every' : `the first ${o.ingestMessages}`} message(s)` +
        `${m.minuteSummaries > 0 ? ` + all ${m.minuteSummaries} minute summary message(s)` : ''}, applied on dynalite`,
    );
    info(
      `[${mode}] DynamoDB write / read requests per million`,
      `${fmt(m.dynamo.writeRequests)} / ${fmt(m.dynamo.readRequests)}`,
    );
    cost[mode] = { sqs, wcu: m.dynamo.writeUnits };
    goal({
      label: `[${mode}] SQS billed requests per million shares`,
      key: `pipeline.sqs.${mode}`,
      measured: sqs,
      unit: 'requests',
      better: 'lower',
      target: GOAL_SQS_PER_MILLION,
      whyMissed:
        mode === 'queue'
          ? `every ${o.maxWaitMs} ms window is its own request (${fmt(m.shares / m.batches)} shares): the ack waits for SQS, so batches cannot wait longer; see ackAfter journal`
          : 'each interval is at least one send, one receive and one delete: a longer interval packs more shares per request',
    });
    goal({
      label: `[${mode}] DynamoDB write units per million shares`,
      key: `pipeline.wcu.${mode}`,
      measured: cost[mode]!.wcu,
      unit: 'WCU',
      better: 'lower',
      target: GOAL_WCU_PER_MILLION,
      whyMissed:
        mode === 'queue'
          ? 'a batch window of a few hundred shares is its own unit: its batch item, round part and the pool, round and minute counters (written, then released) are ~10 writes per batch'
          : 'every interval writes each active worker once (a packed row per round and per minute) plus the counters: at 1 s the workers of a second are almost all the workers; ship every 60 s',
    });
  }
  const monthlyShares = o.sharesPerSecond * SECONDS_PER_MONTH;
  for (const mode of Object.keys(cost)) {
    const c = cost[mode]!;
    const sqsUsd = (c.sqs / 1e6) * (monthlyShares / 1e6) * SQS_USD_PER_MILLION_REQUESTS;
    const dynamoUsd = (c.wcu / 1e6) * (monthlyShares / 1e6) * DYNAMO_USD_PER_MILLION_WRU;
    info(
      `[${mode}] monthly at ${o.sharesPerSecond} shares/s (30 days)`,
      `SQS $${fmt(sqsUsd)} + DynamoDB writes $${fmt(dynamoUsd)}`,
    );
    record({
      key: `pipeline.monthly.${mode}`,
      measured: sqsUsd + dynamoUsd,
      unit: 'USD',
      note: `SQS $${fmt(sqsUsd)} + DynamoDB $${fmt(dynamoUsd)}`,
    });
  }
  info(
    '  prices',
    `SQS $${SQS_USD_PER_MILLION_REQUESTS}/M requests, DynamoDB $${DYNAMO_USD_PER_MILLION_WRU}/M WRU (us-east-1, 2024 list)`,
  );
}
