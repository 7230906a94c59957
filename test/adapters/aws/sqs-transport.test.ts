import type { AddressInfo } from 'node:net';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { createSqsServer } from 'local-aws-sqs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { encodeBatch, packRequests, SQS_MAX_BYTES, SqsTransport } from '../../../adapters/aws/sqs-transport.js';
import { StorageError } from '../../../core/errors.js';
import { parseShareBatch } from '../../../core/shares/batch-schema.js';
import type { ShareBatch } from '../../../core/shares/share.js';
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

  it('sends at most 10 entries per request', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    await new SqsTransport({ client: new SQSClient({}), queueUrl: QUEUE }).send(batches(23));
    const requests = sentEntries(sqs);
    expect(requests.map((r) => r.length)).toEqual([10, 10, 3]);
    const ids = requests.flat().map((e) => parseShareBatch(e.MessageBody!).batchId);
    expect(ids).toEqual(batches(23).map((b) => b.batchId));
  });

  it('keeps every request under the 256 KiB payload limit', async () => {
    sqs.on(SendMessageBatchCommand).resolves({});
    const big = batches(6, 800); // ~100 KiB each
    const size = Buffer.byteLength(JSON.stringify(big[0]));
    expect(size).toBeGreaterThan(SQS_MAX_BYTES / 4);
    await new SqsTransport({ client: new SQSClient({}), queueUrl: QUEUE }).send(big);
    const requests = sentEntries(sqs);
    expect(requests.length).toBeGreaterThan(1);
    for (const r of requests) {
      expect(r.reduce((a, e) => a + Buffer.byteLength(e.MessageBody!), 0)).toBeLessThanOrEqual(SQS_MAX_BYTES);
    }
    expect(requests.flat()).toHaveLength(6);
  });

  it('splits a batch too big for one message into sub-batches with stable ids and no share lost', () => {
    const b = batch(
      'big',
      Array.from({ length: 10 }, (_, i) => share({ timestamp: i })),
    );
    const limit = Buffer.byteLength(JSON.stringify(b)) / 3;
    const bodies = encodeBatch(b, limit);
    const parts = bodies.map((body) => parseShareBatch(body));
    expect(parts.length).toBeGreaterThan(2);
    for (const body of bodies) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(limit);
    expect(parts.flatMap((p) => p.shares)).toEqual(b.shares);
    expect(new Set(parts.map((p) => p.batchId)).size).toBe(parts.length);
    expect(encodeBatch(b, limit)).toEqual(bodies); // a resend splits the same way
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
    await new SqsTransport({ client: new SQSClient({}), queueUrl: QUEUE, retryDelayMs: 1 }).send(batches(3));
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
  it('delivers batches that a consumer receives intact', async () => {
    const server = await createSqsServer({ port: 0, hostname: '127.0.0.1' });
    const { port } = server.address() as AddressInfo;
    const client = new SQSClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'shares' }));
      const sent = batches(12, 3);
      await new SqsTransport({ client, queueUrl: QueueUrl! }).send(sent);
      const received: ShareBatch[] = [];
      for (let i = 0; i < 10 && received.length < sent.length; i++) {
        const { Messages = [] } = await client.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        received.push(...Messages.map((m) => parseShareBatch(m.Body!)));
      }
      expect(received.map((b) => b.batchId).sort()).toEqual(sent.map((b) => b.batchId).sort());
      expect(received.find((b) => b.batchId === 'b5')).toEqual(sent[5]);
    } finally {
      client.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
