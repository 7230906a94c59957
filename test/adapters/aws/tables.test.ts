import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { BLOCKS_TABLE, createTableInput, ensureTables, POOL_TABLES, tableNames } from '../../../adapters/aws/tables.js';
import { startDynalite } from '../../../adapters/local/dynalite-server.js';

describe('table definitions', () => {
  it('name tables per coin and prefix', () => {
    expect(tableNames('edge', 'LTC')).toEqual({
      shares: 'edge-ltc-shares',
      stats: 'edge-ltc-stats',
      blocks: 'edge-ltc-blocks',
      ledger: 'edge-ltc-ledger',
    });
  });

  it('are on-demand and declare each key attribute once, GSI keys included', () => {
    const input = createTableInput(BLOCKS_TABLE, 't');
    expect(input.BillingMode).toBe('PAY_PER_REQUEST');
    expect(input.AttributeDefinitions?.map((a) => a.AttributeName).sort()).toEqual(['pk', 'sk', 'status']);
    expect(input.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('byStatus');
    for (const def of Object.values(POOL_TABLES)) expect(def.billing).toBe('PAY_PER_REQUEST');
  });

  it('ensureTables creates the tables in dynalite and is safe to call again', async () => {
    const server = await startDynalite();
    const client = new DynamoDBClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    });
    try {
      const names = await ensureTables(client, 'edge', 'LTC');
      expect(await ensureTables(client, 'edge', 'LTC')).toEqual(names);
      for (const name of Object.values(names)) {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
        expect(Table?.TableStatus).toBe('ACTIVE');
      }
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
