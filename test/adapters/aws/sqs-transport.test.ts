import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { createSqsServer } from 'local-aws-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { packRequests, SQS_MAX_BYTES, SqsTransport } from '../../../adapters/aws/sqs-transport.js';
import { FileShareSpool } from '../../../adapters/fs/spool.js';
import { StorageError } from '../../../core/errors.js';
import { parseShareBatch } from '../../../core/shares/batch-schema.js';
import { decodeMessage, encodeMessages, TABLE_PREFIX } from '../../../core/shares/queue-message.js';
import type { ShareBatch } from '../../../core/shares/share.js';
import { BatchingShareQueue } from '../../../fargate/src/queue/batching-share-queue.js';
import { batch, share } from '../../core/shares/fixtures.js';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/000000000000/shares';

function batches(n: number, sharesEach = 1): ShareBatch[] {
  return Array.from({ length: n }, (_, i) =>
    batch(
      `b${i}`,
      Array.from({ length: sharesEach }, () => share()),
    ),
  );
}

function sentEntries(mock: ReturnType<typeof mockClient>) {
  return mock
    .commandCalls(SendMessageBatchCommand)
    .map((c) => (c.args[0].input as SendMessageBatchCommandInput).Entries ?? []);
}

describe('SqsTransport (mocked SQS)', () => {
  const sqs = mockClient(SQSClient);
  afterEach(() => sqs.reset());
  afterAll(() => sqs.restore());

  it('uncompressed: one message per batch, at most 10 entries per request', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    await new SqsTransport({ client: new SQSClient({}), queueUrl: QUEUE, compress: false }).send(batches(23));
    const requests = sentEntries(sqs);
    expect(requests.map((r) => r.length)).toEqual([10, 10, 3]);
    const ids = requests.flat().map((e) => parseShareBatch(e.MessageBody!).batchId);
    expect(ids).toEqual(batches(23).map((b) => b.batchId));
  });

  it('compressed (default): many batches in one gzip message, every batch intact and in order', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const sent = batches(23, 40);
    await new SqsTransport({ client: new SQSClient({}), queueUrl: QUEUE }).send(sent);
    const bodies = sentEntries(sqs)
      .flat()
      .map((e) => e.MessageBody!);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.startsWith(TABLE_PREFIX)).toBe(true);
    expect(decodeMessage(bodies[0]!)).toEqual(sent);
    const plain = sent.reduce((n, b) => n + Buffer.byteLength(JSON.stringify(b)), 0);
    console.log(`23 batches × 40 shares: ${plain} bytes as JSON, ${bodies[0]!.length} bytes compressed in one message`);
    expect(bodies[0]!.length * 4).toBeLessThan(plain);
  });

  it('keeps every request under the 256 KiB payload limit', async () => {
    sqs.on(SendMessageBatchCommand).resolves({});
    const big = batches(6, 800); // ~100 KiB each
    const size = Buffer.byteLength(JSON.stringify(big[0]));
    expect(size).toBeGreaterThan(SQS_MAX_BYTES / 4);
    await new SqsTransport({ client: new SQSClient({}), queueUrl: QUEUE, compress: false }).send(big);
    const requests = sentEntries(sqs);
    expect(requests.length).toBeGreaterThan(1);
    for (const r of requests) {
      expect(r.reduce((a, e) => a + Buffer.byteLength(e.MessageBody!), 0)).toBeLessThanOrEqual(SQS_MAX_BYTES);
    }
    expect(requests.flat()).toHaveLength(6);
  });

  it('splits a batch too big for one message into sub-batches with stable ids and no share lost', () => {
    const small = batch(
      'big',
      Array.from({ length: 10 }, (_, i) => share({ timestamp: i })),
    );
    const limit = Buffer.byteLength(JSON.stringify(small)) / 3;
    // compressed: enough distinct shares that a half compresses well below the whole
    const many = batch(
      'many',
      Array.from({ length: 400 }, (_, i) => share({ timestamp: i * 7919, actualDifficulty: 8 + ((i * 31) % 97) })),
    );
    for (const [compress, b] of [
      [false, small],
      [true, many],
    ] as const) {
      const max = compress ? Buffer.byteLength(encodeMessages([b], SQS_MAX_BYTES)[0]!) * 0.8 : limit;
      const bodies = encodeMessages([b], max, compress);
      const parts = bodies.flatMap((body) => decodeMessage(body));
      expect(parts.length).toBeGreaterThan(1);
      for (const body of bodies) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(max);
      expect(parts.flatMap((p) => p.shares)).toEqual(b.shares);
      expect(new Set(parts.map((p) => p.batchId)).size).toBe(parts.length);
      expect(encodeMessages([b], max, compress)).toEqual(bodies); // a resend splits the same way
    }
  });

  it('packs bodies in order without exceeding either limit', () => {
    const bodies = ['a'.repeat(100), 'b'.repeat(100), 'c'.repeat(100)];
    expect(packRequests(bodies, 250).map((r) => r.map((e) => e.MessageBody![0]))).toEqual([['a', 'b'], ['c']]);
  });

  it('resends only the entries SQS listed as Failed', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Failed: [{ Id: 'm1', SenderFault: false, Code: 'InternalError' }] })
      .resolves({});
    await new SqsTransport({ client: new SQSClient({}), queueUrl: QUEUE, retryDelayMs: 1, compress: false }).send(
      batches(3),
    );
    const requests = sentEntries(sqs);
    expect(requests).toHaveLength(2);
    expect(requests[1]!.map((e) => e.Id)).toEqual(['m1']);
  });

  it('rejects when entries keep failing, so that the queue spools the batch', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Failed: [{ Id: 'm0', SenderFault: false, Code: 'ServiceUnavailable' }] });
    const t = new SqsTransport({ client: new SQSClient({}), queueUrl: QUEUE, retryDelayMs: 1, maxAttempts: 3 });
    await expect(t.send(batches(1))).rejects.toBeInstanceOf(StorageError);
    expect(sentEntries(sqs)).toHaveLength(3);
  });

  it('does not retry an entry SQS refused as the sender’s fault', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Failed: [{ Id: 'm0', SenderFault: true, Code: 'InvalidMessageContents' }] });
    const t = new SqsTransport({ client: new SQSClient({}), queueUrl: QUEUE, retryDelayMs: 1 });
    await expect(t.send(batches(1))).rejects.toThrow(/InvalidMessageContents/);
    expect(sentEntries(sqs)).toHaveLength(1);
  });

  it('turns a network error into StorageError', async () => {
    sqs.on(SendMessageBatchCommand).rejects(new Error('ECONNREFUSED'));
    const t = new SqsTransport({ client: new SQSClient({}), queueUrl: QUEUE });
    await expect(t.send(batches(2))).rejects.toBeInstanceOf(StorageError);
  });
});

describe('SqsTransport against local-aws-sqs', () => {
  let server: Awaited<ReturnType<typeof createSqsServer>>;
  let client: SQSClient;
  beforeAll(async () => {
    server = await createSqsServer({ port: 0, hostname: '127.0.0.1' });
    const { port } = server.address() as AddressInfo;
    client = new SQSClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    client.destroy();
    await new Promise((r) => server.close(r));
  });

  it('journal mode end to end: acks from the fsynced spool, then ships compressed batches a consumer receives', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-'));
    try {
      const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'journal' }));
      const transport = new SqsTransport({ client, queueUrl: QueueUrl! });
      const send = vi.spyOn(transport, 'send');
      const queue = new BatchingShareQueue({
        transport,
        spool: new FileShareSpool({ dir }),
        instanceId: 'j',
        maxShares: 10,
        maxWaitMs: 5,
        ackAfter: 'journal',
        shipIntervalMs: 200,
      });
      const shares = Array.from({ length: 100 }, (_, i) => share({ timestamp: i }));
      await Promise.all(shares.map((s) => queue.enqueue(s))); // acked from the journal
      await vi.waitFor(() => expect(send).toHaveBeenCalled(), { timeout: 3000 });
      await queue.close();
      const received: ShareBatch[] = [];
      for (let i = 0; i < 10; i++) {
        const { Messages = [] } = await client.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (Messages.length === 0) break;
        received.push(...Messages.flatMap((m) => decodeMessage(m.Body!)));
      }
      console.log(
        `journal mode: 100 shares acked, ${send.mock.calls.length} transport call(s), ${received.length} batches received`,
      );
      expect(
        received
          .flatMap((b) => b.shares)
          .map((s) => s.timestamp)
          .sort((a, b) => a - b),
      ).toEqual(shares.map((s) => s.timestamp));
      expect(send.mock.calls.length).toBeLessThan(received.length); // several batches per call
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('delivers batches that a consumer receives intact', async () => {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'shares' }));
    const sent = batches(12, 3);
    await new SqsTransport({ client, queueUrl: QueueUrl! }).send(sent);
    const received: ShareBatch[] = [];
    for (let i = 0; i < 10 && received.length < sent.length; i++) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      received.push(...Messages.flatMap((m) => decodeMessage(m.Body!)));
    }
    expect(received.map((b) => b.batchId).sort()).toEqual(sent.map((b) => b.batchId).sort());
    expect(received.find((b) => b.batchId === 'b5')).toEqual(sent[5]);
  });
});
