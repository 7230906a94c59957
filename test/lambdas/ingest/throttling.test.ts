import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoShareIngestStore } from '../../../adapters/aws/dynamo-share-ingest-store.js';
import { tableNames } from '../../../adapters/aws/tables.js';
import { StorageError } from '../../../core/errors.js';
import { aggregateBatch } from '../../../core/shares/aggregate.js';
import { run } from '../../../lambdas/ingest/handler.js';
import { batch, share } from '../../core/shares/fixtures.js';
import { silentLog, sqsEvent } from '../../helpers/dynamo.js';

describe('ingest under DynamoDB throttling', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  afterEach(() => ddb.reset());

  const store = () =>
    new DynamoShareIngestStore({
      doc: createDocumentClient(new DynamoDBClient({ region: 'us-east-1' })),
      tables: (c) => tableNames('p', c),
    });
  const throttled = () =>
    new ProvisionedThroughputExceededException({
      message: 'Rate of requests exceeds the allowed throughput',
      $metadata: {},
    });

  it('reports only the throttled record as failed', async () => {
    ddb.onAnyCommand().resolves({});
    ddb.on(PutCommand, { Item: { pk: 'BATCH#b2' } }).rejects(throttled());
    const records = ['b1', 'b2', 'b3'].map((id) => ({ messageId: id, body: JSON.stringify(batch(id, [share()])) }));
    const res = await run(sqsEvent(records), { store: store(), log: silentLog, now: () => 0 });
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'b2' }]);
  });

  it('maps throttling to StorageError and a failed condition to a normal answer', async () => {
    ddb.on(PutCommand).rejects(throttled());
    const agg = aggregateBatch(batch('b1', [share()]));
    const err = await store()
      .beginBatch(agg, { claim: 'c', now: 0, leaseMs: 1000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(/ProvisionedThroughputExceeded/);
  });
});
