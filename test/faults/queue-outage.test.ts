import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { SqsTransport } from '../../adapters/aws/sqs-transport.js';
import { FileShareSpool } from '../../adapters/fs/spool.js';
import { decodeMessage } from '../../core/shares/queue-message.js';
import { BatchingShareQueue } from '../../fargate/src/queue/batching-share-queue.js';
import { run as ingest } from '../../lambdas/ingest/handler.js';
import { share } from '../core/shares/fixtures.js';
import { type Dynamo, minerTotal, silentLog, sqsEvent, startDynamo } from '../helpers/dynamo.js';

type Mode = 'up' | 'ack-lost' | 'down';

/**
 * SQS in front of which the network fails on demand: 'up' passes requests to the SQS emulator, 'ack-lost' passes
 * them and answers 503 (SQS took the messages, the sender does not know), 'down' resets the connection.
 */
async function flakySqs(target: number): Promise<{ server: Server; port: number; mode: Mode; requests: number }> {
  const state = { mode: 'up' as Mode, requests: 0 };
  const server = createServer((req, res) => {
    state.requests++;
    if (state.mode === 'down') return req.socket.destroy();
    const mode = state.mode;
    const upstream = request(
      { host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        if (mode === 'ack-lost') {
          answer.resume();
          res.writeHead(503).end('Service Unavailable');
          return;
        }
        res.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(state, { server, port: (server.address() as AddressInfo).port });
}

const MINERS = ['rltc1qoutage0', 'rltc1qoutage1', 'rltc1qoutage2', 'rltc1qoutage3'];
/** ms from the start: the queue answers, then loses its answers, then is unreachable, then answers again. */
const PHASES: Array<[number, Mode]> = [
  [0, 'up'],
  [800, 'ack-lost'],
  [1600, 'down'],
  [3600, 'up'],
];
const LOAD_MS = 4_500;

/**
 * The stratum server's real ShareQueue (BatchingShareQueue, file spool) on the SQS transport, to the SQS emulator
 * through a network that fails for a while, drained by the ingest handler into dynalite. Shares keep being
 * acknowledged during the outage (spooled, fsynced), are replayed with their batch ids once SQS answers, and every
 * acknowledged share is counted exactly once — also those whose batch reached SQS twice.
 */
describe('the share queue unreachable for a while', () => {
  let dir: string | undefined;
  let dynamo: Dynamo | undefined;
  const closers: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await dynamo?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('spools while SQS is away, replays when it answers, loses nothing and counts nothing twice', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fault-queue-'));
    dynamo = await startDynamo();
    const store = await dynamo.freshStore();
    const sqsServer = await createSqsServer({ port: 0, hostname: '127.0.0.1' });
    closers.push(() => new Promise((r) => sqsServer.close(r)));
    const sqsPort = (sqsServer.address() as AddressInfo).port;
    const net = await flakySqs(sqsPort);
    closers.push(() => new Promise((r) => net.server.close(r)));
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const direct = new SQSClient({ endpoint: `http://127.0.0.1:${sqsPort}`, region: 'us-east-1', credentials });
    const viaNet = new SQSClient({
      endpoint: `http://127.0.0.1:${net.port}`,
      region: 'us-east-1',
      credentials,
      maxAttempts: 2,
    });
    closers.push(async () => {
      direct.destroy();
      viaNet.destroy();
    });
    const { QueueUrl } = await direct.send(new CreateQueueCommand({ QueueName: 'shares-LTC' }));

    const spoolDir = join(dir, 'spool');
    const queue = new BatchingShareQueue({
      transport: new SqsTransport({ client: viaNet, queueUrl: QueueUrl!, retryDelayMs: 10 }),
      spool: new FileShareSpool({ dir: spoolDir }),
      instanceId: 'outage',
      maxShares: 20,
      maxWaitMs: 10,
      replayIntervalMs: 200,
    });
    queue.start();
    closers.push(() => queue.close());

    // The consumer: the ingest Lambda handler on what SQS hands out, deleting what it reports done.
    const receivedIds = new Map<string, number>();
    let consuming = true;
    const consumer = (async () => {
      while (consuming) {
        const { Messages = [] } = await direct.send(
          new ReceiveMessageCommand({
            QueueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            VisibilityTimeout: 1,
            AttributeNames: ['All'],
          }),
        );
        if (Messages.length === 0) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        for (const m of Messages) {
          for (const { batchId } of decodeMessage(m.Body!))
            receivedIds.set(batchId, (receivedIds.get(batchId) ?? 0) + 1);
        }
        const res = await ingest(sqsEvent(Messages.map((m) => ({ messageId: m.MessageId!, body: m.Body! }))), {
          store: store.ingest,
          log: silentLog,
          now: Date.now,
        });
        const failed = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
        const done = Messages.filter((m) => !failed.has(m.MessageId!));
        if (done.length > 0) {
          await direct.send(
            new DeleteMessageBatchCommand({
              QueueUrl,
              Entries: done.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        }
      }
    })();

    // The stratum side: each miner submits a share, waits for its acknowledgement, submits the next.
    const t0 = performance.now();
    const acked = MINERS.map(() => 0);
    const refused = MINERS.map(() => 0);
    const producers = MINERS.map(async (miner, i) => {
      while (performance.now() - t0 < LOAD_MS) {
        try {
          await queue.enqueue(share({ miner, worker: 'rig', difficulty: 1, timestamp: Date.now() }));
          acked[i]!++;
        } catch {
          refused[i]!++;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    });
    const ackedAt: Record<string, number> = {};
    const spoolAt: Record<string, number> = {};
    for (const [at, mode] of PHASES) {
      const wait = at - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      net.mode = mode;
      ackedAt[`${mode}@${at}`] = acked.reduce((a, b) => a + b, 0);
      spoolAt[`${mode}@${at}`] = queue.stats().spooledBatches;
    }
    const recoveredAt = performance.now();
    await Promise.all(producers);
    await queue.flush();
    // Back to normal: the replayer leaves degraded mode once the spool is empty.
    while (queue.stats().degraded) await new Promise((r) => setTimeout(r, 20));
    const replayedMs = Math.round(performance.now() - recoveredAt);
    const spoolLeft = (await readdir(spoolDir)).length;

    const totalAcked = acked.reduce((a, b) => a + b, 0);
    const drainStart = performance.now();
    let recorded = await Promise.all(MINERS.map((m) => minerTotal(store.miners, 'LTC', m)));
    while (recorded.reduce((a, r) => a + r.shares, 0) < totalAcked && performance.now() - drainStart < 15_000) {
      await new Promise((r) => setTimeout(r, 100));
      recorded = await Promise.all(MINERS.map((m) => minerTotal(store.miners, 'LTC', m)));
    }
    // Anything still arriving would show up now.
    await new Promise((r) => setTimeout(r, 1_500));
    recorded = await Promise.all(MINERS.map((m) => minerTotal(store.miners, 'LTC', m)));
    consuming = false;
    await consumer;

    const stats = queue.stats();
    const twice = [...receivedIds.values()].filter((n) => n > 1).length;
    console.log(
      `phases ${PHASES.map(([at, m]) => `${m}@${at}ms`).join(' → ')}; acknowledged so far at each switch ` +
        `${JSON.stringify(ackedAt)}, batches spooled so far ${JSON.stringify(spoolAt)}`,
    );
    console.log(
      `${totalAcked} shares acknowledged, ${refused.reduce((a, b) => a + b, 0)} refused; batches: ${stats.sentBatches} ` +
        `sent, ${stats.spooledBatches} spooled, ${stats.replayedBatches} replayed; spool empty ${replayedMs} ms after ` +
        `SQS answered again (${spoolLeft} file(s) left); SQS handed out ${receivedIds.size} distinct batches, ` +
        `${twice} of them more than once; proxy saw ${net.requests} requests`,
    );
    console.table(
      MINERS.map((m, i) => ({ miner: m, acknowledged: acked[i], recorded: recorded[i]!.shares, refused: refused[i] })),
    );

    expect(refused.every((n) => n === 0)).toBe(true);
    expect(recorded.map((r) => r.shares)).toEqual(acked);
    expect(recorded.map((r) => r.difficulty)).toEqual(acked);
    expect(stats.spooledBatches).toBeGreaterThan(0);
    expect(stats.replayedBatches).toBeGreaterThanOrEqual(stats.spooledBatches);
    expect(twice).toBeGreaterThan(0);
    expect(spoolLeft).toBe(0);
  }, 60_000);
});
