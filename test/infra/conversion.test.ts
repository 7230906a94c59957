import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PoolStacks } from '../../infra/pool-app.js';
import { address, buildTestApp, coin, difficulty } from './helpers.js';

const secret = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:pool/${name}-AbCdEf`;

/** LTC converts to BTC (also mined here: its stack's ledger) and USDT (a ledger table of the LTC stack). */
describe('auto-conversion in the CDK app', () => {
  let app: App;
  let stacks: PoolStacks;
  let ltc: Template;
  beforeAll(() => {
    ({ app, stacks } = buildTestApp({
      coins: [
        {
          ...coin('LTC', [{ port: 3333, difficulty }]),
          conversion: {
            exchanges: [
              { id: 'binance', secretArn: secret('binance') },
              { id: 'kraken', secretArn: secret('kraken') },
            ],
            targets: [
              { currency: 'BTC', wallet: address('BTC', 0x44), feeWallets: [{ address: address('BTC', 0x45) }] },
              { currency: 'USDT', feeWallets: [{ address: '0x52908400098527886E0F7030069857D2E4169EE7' }] },
            ],
            scheduleMinutes: 30,
          },
        },
        coin('BTC', [{ port: 4333, difficulty }]),
      ],
    }));
    ltc = Template.fromStack(stacks.coins[0]!);
  });

  const convertFunction = () => {
    const [id, fn] = Object.entries(ltc.findResources('AWS::Lambda::Function')).find(([, r]) =>
      String(r.Properties.Description).includes('converts'),
    )!;
    return {
      id,
      props: fn.Properties as {
        ReservedConcurrentExecutions?: number;
        VpcConfig?: unknown;
        Environment: { Variables: Record<string, unknown> };
      },
    };
  };

  it('synthesizes with cdk-nag clean', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('runs the conversion Lambda of a converting coin on its schedule, one at a time, outside the VPC', () => {
    const { id, props } = convertFunction();
    expect(props.ReservedConcurrentExecutions).toBe(1);
    expect(props.VpcConfig).toBeUndefined();
    ltc.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(30 minutes)',
      Targets: Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [id, 'Arn'] } })]),
    });
    expect(
      Template.fromStack(stacks.coins[1]!).findResources('AWS::Lambda::Function', {
        Properties: { Description: Match.stringLikeRegexp('converts') },
      }),
    ).toEqual({});
  });

  it('gives it the coin ledger, both target ledgers and the exchanges secrets by ARN', () => {
    const env = convertFunction().props.Environment.Variables;
    expect(env.DAEMON_SECRET_ARN).toBeUndefined(); // no exchange takes deposits: no daemon access
    for (const k of ['POOL_COIN', 'POOL_CONFIG_JSON', 'BLOCKS_TABLE', 'LEDGER_TABLE', 'TARGET_LEDGER_TABLES']) {
      expect(env[k], k).toBeDefined();
    }
    const targets = JSON.stringify(env.TARGET_LEDGER_TABLES);
    expect(targets).toContain('BTC');
    expect(targets).toContain('Fn::ImportValue'); // BTC's ledger lives in the BTC stack
    expect(targets).toContain('USDT');
    ltc.resourceCountIs('AWS::DynamoDB::Table', 5); // the coin's four + the USDT ledger
    ltc.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['secretsmanager:GetSecretValue']), Resource: secret('binance') }),
          Match.objectLike({ Action: Match.arrayWith(['secretsmanager:GetSecretValue']), Resource: secret('kraken') }),
        ]),
      },
    });
  });

  it('lets the stats API write miners payout-currency items only, and CloudFront pass the POST', () => {
    const api = Template.fromStack(stacks.api!);
    api.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'dynamodb:PutItem',
            Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['CONVPREF'] } },
          }),
        ]),
      },
    });
    api.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POOL_CONVERSION_JSON: Match.stringLikeRegexp('"USDT"') }) },
    });
    api.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: {
        CacheBehaviors: Match.arrayWith([
          Match.objectLike({ PathPattern: '/api/*', AllowedMethods: Match.arrayWith(['POST']) }),
        ]),
      },
    });
  });

  it('refuses a converting coin whose exchange has no secret ARN', () => {
    expect(() =>
      buildTestApp({
        coins: [
          {
            ...coin('LTC', [{ port: 3333, difficulty }]),
            conversion: {
              exchanges: [{ id: 'okx' }],
              targets: [{ currency: 'BTC', feeWallets: [{ address: address('BTC', 0x45) }] }],
            },
          },
        ],
      }),
    ).toThrow('needs secretArn');
  });

  it('runs it in the VPC with the daemon secret when an exchange takes deposits from the pool wallet', () => {
    const { app: withDeposits, stacks: built } = buildTestApp({
      coins: [
        {
          ...coin('LTC', [{ port: 3333, difficulty }]),
          conversion: {
            exchanges: [{ id: 'binance', secretArn: secret('binance'), deposit: {} }],
            targets: [{ currency: 'BTC', feeWallets: [{ address: address('BTC', 0x45) }] }],
            depositAlarmHours: 12,
          },
        },
      ],
    });
    const template = Template.fromStack(built.coins[0]!);
    const [, fn] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, r]) =>
      String(r.Properties.Description).includes('converts'),
    )!;
    const props = fn.Properties as { VpcConfig?: { SubnetIds: unknown[] }; Environment: { Variables: object } };
    expect(props.VpcConfig?.SubnetIds.length).toBeGreaterThan(0);
    const env = props.Environment.Variables as Record<string, unknown>;
    expect(JSON.stringify(env.DAEMON_SECRET_ARN)).toContain('Secrets'); // the coin's daemon RPC secret
    const role = (fn.Properties as { Role: { 'Fn::GetAtt': [string, string] } }).Role['Fn::GetAtt'][0];
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['secretsmanager:GetSecretValue']),
            Resource: env.DAEMON_SECRET_ARN,
          }),
        ]),
      },
    });
    // A deposit waiting over depositAlarmHours for the exchange's credit alarms the operator.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DepositWaitHours',
      Namespace: 'Edgepool',
      Dimensions: [{ Name: 'Coin', Value: 'LTC' }],
      Statistic: 'Maximum',
      Threshold: 12,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: Match.anyValue(),
    });
    // A conversion open longer than openAlarmHours (default 24) alarms too.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ConversionOpenHours',
      Namespace: 'Edgepool',
      Dimensions: [{ Name: 'Coin', Value: 'LTC' }],
      Threshold: 24,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(() => withDeposits.synth()).not.toThrow(); // cdk-nag clean
  });

  it('has no deposit alarm when no exchange takes deposits', () => {
    expect(ltc.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'DepositWaitHours' } })).toEqual({});
  });
});
