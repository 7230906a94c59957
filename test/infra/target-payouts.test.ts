import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PoolStacks } from '../../infra/pool-app.js';
import { address, buildTestApp, coin, difficulty } from './helpers.js';

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

const WALLET_PASSWORD = 'btc-wallet-password-local-only';
const WALLET_RPC_PAYOUTS = {
  kind: 'wallet-rpc' as const,
  daemon: { url: 'http://10.0.100.20:8332', user: 'pool', password: WALLET_PASSWORD, wallet: 'proceeds' },
  reserve: '100000',
  minimum: '50000',
  maxRecipients: 100,
  intervalSeconds: 1800,
};

function ltcToBtc(payouts: typeof WALLET_RPC_PAYOUTS & { secretArn?: string }) {
  return {
    ...coin('LTC', [{ port: 3333, difficulty }]),
    conversion: {
      exchanges: [{ id: 'binance' as const, secretArn: secret('binance') }],
      targets: [{ currency: 'BTC' as const, feeWallets: [{ address: address('BTC', 0x44) }], payouts }],
    },
  };
}

/** LTC converts to BTC, paid from a Bitcoin wallet through its daemon's wallet RPC (sendmany). */
describe('wallet-rpc payouts of a conversion target in the CDK app', () => {
  let app: App;
  let template: Template;
  beforeAll(() => {
    let stacks: PoolStacks;
    ({ app, stacks } = buildTestApp({ coins: [ltcToBtc({ ...WALLET_RPC_PAYOUTS, secretArn: secret('btc-rpc') })] }));
    template = Template.fromStack(stacks.coins[0]!);
  });

  const btcPayouts = () => {
    const found = template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('pays BTC') },
    });
    expect(Object.keys(found)).toHaveLength(1);
    const [id, resource] = Object.entries(found)[0]!;
    return {
      id,
      props: resource.Properties as {
        ReservedConcurrentExecutions?: number;
        VpcConfig?: { SubnetIds: unknown[] };
        Environment: { Variables: Record<string, unknown> };
      },
    };
  };

  it('synthesizes with cdk-nag clean', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('runs the BTC payouts Lambda in the VPC like the coin payouts, one at a time, on its interval', () => {
    const { id, props } = btcPayouts();
    expect(props.ReservedConcurrentExecutions).toBe(1);
    expect(props.VpcConfig?.SubnetIds.length).toBeGreaterThan(0);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(30 minutes)',
      Targets: Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [id, 'Arn'] } })]),
    });
  });

  it('reads the wallet daemon credentials from their secret by ARN; the template never holds the password', () => {
    const { id, props } = btcPayouts();
    const env = props.Environment.Variables;
    expect(env.TARGET_CURRENCY).toBe('BTC');
    expect(env.WALLET_RPC_SECRET_ARN).toBe(secret('btc-rpc'));
    expect(env.EVM_KEY_SECRET_ARN).toBeUndefined();
    expect(JSON.stringify(env.LEDGER_TABLE)).toContain('LedgerBTC');
    const config = JSON.parse(env.POOL_CONFIG_JSON as string) as {
      coins: Array<{ conversion: { targets: Array<{ payouts: { daemon: Record<string, string> } }> } }>;
    };
    expect(config.coins[0]!.conversion.targets[0]!.payouts.daemon).toMatchObject({
      user: '$POOL_DAEMON_USER',
      password: '$POOL_DAEMON_PASSWORD',
      wallet: 'proceeds',
    });
    expect(JSON.stringify(template.toJSON())).not.toContain(WALLET_PASSWORD);
    const role = (
      template.findResources('AWS::Lambda::Function')[id]!.Properties as { Role: { 'Fn::GetAtt': [string, string] } }
    ).Role['Fn::GetAtt'][0];
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['secretsmanager:GetSecretValue']), Resource: secret('btc-rpc') }),
        ]),
      },
    });
  });

  it('refuses a wallet-rpc target without its secret', () => {
    expect(() => buildTestApp({ coins: [ltcToBtc(WALLET_RPC_PAYOUTS)] })).toThrow(
      `payouts.secretArn (the wallet daemon's {"user","password"})`,
    );
  });
});
