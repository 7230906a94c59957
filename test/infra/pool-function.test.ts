import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PoolFunction } from '../../infra/constructs/pool-function.js';
import { PoolTables } from '../../infra/constructs/pool-tables.js';
import { FIXTURE_ENTRY, testOutdir } from './helpers.js';

function stack() {
  const app = new App({ outdir: testOutdir(), context: { 'aws:cdk:bundling-stacks': [] } });
  return { app, stack: new Stack(app, 'Fn') };
}

const envSchema = z.object({ POOL_COIN: z.string().min(1), SHARES_TABLE: z.string().min(1) });

describe('PoolFunction', () => {
  it('fails synthesis when the environment does not satisfy the handler schema', () => {
    const { app, stack: s } = stack();
    new PoolFunction(s, 'Fn', {
      entry: FIXTURE_ENTRY,
      description: 'test',
      logRetention: RetentionDays.ONE_DAY,
      environment: { POOL_COIN: 'LTC' },
      environmentSchema: envSchema,
    });
    expect(() => app.synth()).toThrow(/SHARES_TABLE/);
  });

  it('sets the env var and a least-privilege grant together with useTable', () => {
    const { app, stack: s } = stack();
    const tables = new PoolTables(s, 'Tables', {
      specs: [
        {
          name: 'shares',
          partitionKey: { name: 'pk', type: 'S' },
          globalSecondaryIndexes: [{ indexName: 'byMiner', partitionKey: { name: 'miner', type: 'S' } }],
        },
      ],
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
    });
    new PoolFunction(s, 'Fn', {
      entry: FIXTURE_ENTRY,
      description: 'test',
      logRetention: RetentionDays.ONE_DAY,
      environment: { POOL_COIN: 'LTC' },
      environmentSchema: envSchema,
    }).useTable('SHARES_TABLE', tables.get('shares'), 'read');
    expect(() => app.synth()).not.toThrow();
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SHARES_TABLE: { Ref: Match.anyValue() } }) },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
      TracingConfig: { Mode: 'Active' },
    });
    const policy = JSON.stringify(t.findResources('AWS::IAM::Policy'));
    expect(policy).toContain('dynamodb:Query');
    expect(policy).not.toContain('dynamodb:PutItem');
    expect(policy).toContain('/index/byMiner');
    expect(policy).not.toContain('/index/*');
  });

  it('passes a secret by ARN and grants reading it', () => {
    const { stack: s } = stack();
    const secret = new Secret(s, 'Wallet');
    new PoolFunction(s, 'Fn', {
      entry: FIXTURE_ENTRY,
      description: 'test',
      logRetention: RetentionDays.ONE_DAY,
      environmentSchema: z.object({ WALLET_SECRET_ARN: z.string().min(1) }),
    }).useSecret('WALLET_SECRET_ARN', secret);
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WALLET_SECRET_ARN: { Ref: Match.stringLikeRegexp('Wallet') } }) },
    });
    expect(JSON.stringify(t.findResources('AWS::IAM::Policy'))).toContain('secretsmanager:GetSecretValue');
  });

  it('runs on a schedule with runEvery', () => {
    const { stack: s } = stack();
    new PoolFunction(s, 'Payouts', {
      entry: FIXTURE_ENTRY,
      description: 'test',
      logRetention: RetentionDays.ONE_DAY,
      timeout: Duration.minutes(2),
      environmentSchema: z.object({}),
    }).runEvery(Duration.minutes(30));
    Template.fromStack(s).hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(30 minutes)' });
  });
});
