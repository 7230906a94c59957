import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PoolStacks } from '../../infra/pool-app.js';
import { buildTestApp, coin, difficulty } from './helpers.js';

const secret = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:pool/${name}-AbCdEf`;
const EVM_PAYOUTS = {
  kind: 'evm' as const,
  rpcUrl: 'https://rpc.example.org',
  token: '0xdAC17F958D2ee523a2206206994597C13D831ec7',
  contract: `0x${'22'.repeat(20)}`,
  deploymentBlock: 19_000_000,
  minimum: '10000000',
  maxRecipients: 100,
  intervalSeconds: 1800,
};

function ltc(payouts: typeof EVM_PAYOUTS & { secretArn?: string; privateKey?: string }) {
  return {
    ...coin('LTC', [{ port: 3333, difficulty }]),
    conversion: {
      exchanges: [{ id: 'binance' as const, secretArn: secret('binance') }],
      targets: [
        { currency: 'USDT' as const, feeWallets: [{ address: '0x52908400098527886E0F7030069857D2E4169EE7' }], payouts },
        { currency: 'USDC' as const, feeWallets: [{ address: '0x52908400098527886E0F7030069857D2E4169EE7' }] },
      ],
    },
  };
}

/** LTC converts to USDT (paid out on an EVM chain) and USDC (no payouts block: credited only). */
describe('payouts of a conversion target in the CDK app', () => {
  let app: App;
  let stacks: PoolStacks;
  let template: Template;
  beforeAll(() => {
    ({ app, stacks } = buildTestApp({ coins: [ltc({ ...EVM_PAYOUTS, secretArn: secret('usdt-key') })] }));
    template = Template.fromStack(stacks.coins[0]!);
  });

  /** The one USDT payouts function: its logical id and properties. */
  const payoutsFunction = () => {
    const found = template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('pays USDT') },
    });
    const [id, ...others] = Object.keys(found);
    expect(others).toEqual([]);
    const props = found[id!]!.Properties as { ReservedConcurrentExecutions?: number; VpcConfig?: unknown };
    return { id: id!, props: props as typeof props & { Environment: { Variables: Record<string, unknown> } } };
  };

  it('synthesizes with cdk-nag clean', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('runs one payouts Lambda for the USDT target on its interval, one at a time, outside the VPC', () => {
    const { id, props } = payoutsFunction();
    expect(props.ReservedConcurrentExecutions).toBe(1);
    expect(props.VpcConfig).toBeUndefined();
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(30 minutes)',
      Targets: Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [id, 'Arn'] } })]),
    });
    expect(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Description: Match.stringLikeRegexp('pays USDC') },
      }),
    ).toEqual({});
  });

  it('gives it the USDT ledger and the wallet key secret by ARN, nothing else', () => {
    const env = payoutsFunction().props.Environment.Variables;
    expect(env.TARGET_CURRENCY).toBe('USDT');
    expect(env.EVM_KEY_SECRET_ARN).toBe(secret('usdt-key'));
    expect(JSON.stringify(env.LEDGER_TABLE)).toContain('LedgerUSDT');
    for (const k of ['POOL_COIN', 'POOL_CONFIG_JSON']) expect(env[k], k).toBeDefined();
    for (const k of ['BLOCKS_TABLE', 'SHARES_TABLE', 'DAEMON_SECRET_ARN']) expect(env[k], k).toBeUndefined();
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['secretsmanager:GetSecretValue']),
            Resource: secret('usdt-key'),
          }),
        ]),
      },
    });
  });

  it('refuses an inline key or a missing secret: the key never goes into a template', () => {
    const pk = { ...EVM_PAYOUTS, privateKey: `0x${'33'.repeat(32)}`, secretArn: secret('k') };
    expect(() => buildTestApp({ coins: [ltc(pk)] })).toThrow('payouts.privateKey is for local mode');
    expect(() => buildTestApp({ coins: [ltc(EVM_PAYOUTS)] })).toThrow('payouts.secretArn');
  });
});
