import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { bitcoinFamily } from '../../families/bitcoin/index.js';
import { ChainFamilies } from '../../families/registry.js';
import { stratumProcesses } from '../../infra/constructs/stratum-service.js';
import { openNodesFamily } from '../helpers/test-family.js';
import { buildTestApp, coin, DAEMON_PASSWORD, difficulty } from './helpers.js';

/** Resources of a type, as [logicalId, properties] pairs. */
function resources(t: Template, type: string): [string, Record<string, unknown>][] {
  return Object.entries(t.findResources(type)).map(([id, r]) => [
    id,
    (r as { Properties: Record<string, unknown> }).Properties,
  ]);
}

const KEEPALIVE = 90;
const DRAIN = 25;

describe('coin stack (LTC, dev)', () => {
  let t: Template;
  beforeAll(() => {
    const { stacks } = buildTestApp({
      stratum: { keepAliveSeconds: KEEPALIVE, idleTimeoutSeconds: 600, drainSeconds: DRAIN },
      coins: [
        coin('LTC', [
          { port: 3333, difficulty },
          { port: 3334, difficulty: { initial: 4096, min: 512, max: 1 << 22 } },
        ]),
      ],
    });
    t = Template.fromStack(stacks.coins[0]!);
  });

  it('has one TCP listener per stratum port', () => {
    for (const port of [3333, 3334]) {
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: port, Protocol: 'TCP' });
    }
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
  });

  it('sets the NLB TCP idle timeout above the stratum keepalive and the server idle timeout', () => {
    for (const [, props] of resources(t, 'AWS::ElasticLoadBalancingV2::Listener')) {
      const attrs = props.ListenerAttributes as { Key: string; Value: string }[];
      const idle = Number(attrs.find((a) => a.Key === 'tcp.idle_timeout.seconds')?.Value);
      expect(idle).toBeGreaterThan(KEEPALIVE);
      expect(idle).toBeGreaterThan(600);
      expect(idle).toBeLessThanOrEqual(6000);
    }
  });

  it('sends PROXY protocol v2 and drains longer than the server does', () => {
    const groups = resources(t, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(groups).toHaveLength(2);
    for (const [, props] of groups) {
      const attrs = Object.fromEntries(
        (props.TargetGroupAttributes as { Key: string; Value: string }[]).map((a) => [a.Key, a.Value]),
      );
      expect(attrs['proxy_protocol_v2.enabled']).toBe('true');
      expect(Number(attrs['deregistration_delay.timeout_seconds'])).toBeGreaterThanOrEqual(DRAIN);
      expect(props).toMatchObject({
        Protocol: 'TCP',
        TargetType: 'ip',
        HealthCheckPort: '9100',
        HealthCheckPath: '/health',
      });
    }
  });

  it('spreads miners across zones', () => {
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Type: 'network',
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'load_balancing.cross_zone.enabled', Value: 'true' }]),
    });
  });

  it('runs the stratum container on ARM64 with raised nofile, a drain window and rollback', () => {
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          Ulimits: [{ Name: 'nofile', SoftLimit: 65536, HardLimit: 65536 }],
          StopTimeout: Match.anyValue(),
          ReadonlyRootFilesystem: true,
        }),
      ],
    });
    const [, task] = resources(t, 'AWS::ECS::TaskDefinition')[0]!;
    const container = (task.ContainerDefinitions as { StopTimeout: number }[])[0]!;
    expect(container.StopTimeout).toBeGreaterThan(DRAIN);
    t.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
    });
  });

  it('runs confirmation and payouts on schedules, in the VPC, with the daemon secret by ARN and neither ever concurrent', () => {
    const fns = resources(t, 'AWS::Lambda::Function').filter(([, p]) =>
      /confirms found blocks|pays confirmed balances/.test(String(p.Description)),
    );
    expect(fns).toHaveLength(2);
    for (const [, p] of fns) {
      expect(p.VpcConfig).toBeDefined();
      const env = (p.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env.DAEMON_SECRET_ARN).toMatchObject({ Ref: expect.stringMatching(/DaemonRpc/) });
      expect(JSON.stringify(env)).not.toContain(DAEMON_PASSWORD);
      expect(Object.keys(env)).toEqual(
        expect.arrayContaining(['LEDGER_TABLE', 'BLOCKS_TABLE', 'SHARES_TABLE', 'POOL_CONFIG_JSON']),
      );
    }
    for (const [, p] of fns) expect(p.ReservedConcurrentExecutions).toBe(1);
    const rates = resources(t, 'AWS::Events::Rule').map(([, p]) => p.ScheduleExpression);
    expect(rates).toEqual(expect.arrayContaining(['rate(2 minutes)', 'rate(1 hour)']));
  });

  it('gives the read-only container a writable volume for the share spool', () => {
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Volumes: [{ Name: 'spool' }],
      ContainerDefinitions: [
        Match.objectLike({
          MountPoints: [{ ContainerPath: '/var/spool/edgepool', SourceVolume: 'spool', ReadOnly: false }],
        }),
      ],
    });
  });

  it('scales on CPU and on connections per task', () => {
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      }),
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 5000,
        CustomizedMetricSpecification: {
          Metrics: Match.arrayWith([Match.objectLike({ Expression: 'flows / tasks', ReturnData: true })]),
        },
      }),
    });
  });

  it('gives the share queue a DLQ with redrive and encryption', () => {
    t.resourceCountIs('AWS::SQS::Queue', 2);
    t.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
      SqsManagedSseEnabled: true,
    });
  });

  it('consumes the queue with a batching window and partial batch failures', () => {
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumBatchingWindowInSeconds: Match.anyValue(),
      BatchSize: Match.anyValue(),
    });
  });

  it('updates the ingest function and its queue mapping before the stratum service (a newer message format)', () => {
    const services = Object.values(t.findResources('AWS::ECS::Service')) as { DependsOn?: string[] }[];
    expect(services).toHaveLength(1);
    const dependsOn = services[0]!.DependsOn ?? [];
    for (const type of ['AWS::Lambda::Function', 'AWS::Lambda::EventSourceMapping']) {
      const ingest = Object.entries(t.findResources(type)).filter(([id]) => id.startsWith('Ingest'));
      expect(ingest).toHaveLength(1);
      expect(dependsOn).toContain(ingest[0]![0]);
    }
  });

  it('makes on-demand tables with PITR where the spec asks and TTL for stats buckets', () => {
    const tables = resources(t, 'AWS::DynamoDB::Table');
    // shares, stats, blocks and the ledger
    expect(tables).toHaveLength(4);
    for (const [, props] of tables) expect(props.BillingMode).toBe('PAY_PER_REQUEST');
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: Match.arrayWith([{ AttributeName: 'sk', KeyType: 'RANGE' }]),
      AttributeDefinitions: Match.arrayWith([{ AttributeName: 'sk', AttributeType: 'N' }]),
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    const withPitr = tables.filter(
      ([, p]) =>
        (p.PointInTimeRecoverySpecification as { PointInTimeRecoveryEnabled?: boolean })?.PointInTimeRecoveryEnabled,
    );
    expect(withPitr.length).toBe(3); // all but the short-lived stats buckets
    for (const [, props] of tables) expect(props.DeletionProtectionEnabled ?? false).toBe(false);
  });

  it('keeps daemon credentials out of the task definition: markers in the config, values from Secrets Manager', () => {
    const json = JSON.stringify(t.toJSON());
    expect(json).not.toContain(DAEMON_PASSWORD);
    const [, task] = resources(t, 'AWS::ECS::TaskDefinition')[0]!;
    const container = (
      task.ContainerDefinitions as { Environment: { Name: string; Value: string }[]; Secrets: { Name: string }[] }[]
    )[0]!;
    const env = Object.fromEntries(container.Environment.map((e) => [e.Name, e.Value]));
    const config = JSON.parse(env.POOL_CONFIG_JSON!);
    expect(config.coins).toHaveLength(1);
    expect(config.coins[0].daemons[0].password).toBe('$POOL_DAEMON_PASSWORD');
    expect(config.stratum.proxyProtocol).toBe(true);
    expect(container.Secrets.map((s) => s.Name).sort()).toEqual(['POOL_DAEMON_PASSWORD', 'POOL_DAEMON_USER']);
    expect(env.POOL_COIN).toBe('LTC');
    expect(env.SHARE_QUEUE_URL).toBeDefined();
    expect(env.STATS_TABLE).toBeDefined(); // live snapshots for the pool page
    const { Cpu } = task as { Cpu: string };
    expect(env.POOL_STRATUM_PROCESSES).toBe(String(Math.max(1, Math.floor(Number(Cpu) / 1024))));
  });

  it('runs one stratum process per whole vCPU of the task', () => {
    expect([256, 512, 1024, 2048, 4096].map(stratumProcesses)).toEqual([1, 1, 1, 2, 4]);
  });

  it('lets the stratum task write its live snapshot, bans and prefix lease to the stats table, and read only bans', () => {
    const policies = resources(t, 'AWS::IAM::Policy').filter(([id]) => id.includes('TaskTaskRole'));
    const statements = policies.flatMap(
      ([, p]) =>
        (p.PolicyDocument as { Statement: { Action: string | string[]; Condition?: Record<string, unknown> }[] })
          .Statement,
    );
    const dynamo = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    const leadingKeys = (s: (typeof dynamo)[number]) =>
      (s.Condition?.['ForAllValues:StringEquals'] as Record<string, string[]> | undefined)?.['dynamodb:LeadingKeys'];
    expect(dynamo.map((s) => [[s.Action].flat().sort(), leadingKeys(s)])).toEqual([
      [
        ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        ['LIVE', 'BAN', 'PREFIX'],
      ],
      [['dynamodb:Query'], ['BAN']],
    ]);
  });

  it('encrypts the coin secrets with its own rotating KMS key', () => {
    t.resourceCountIs('AWS::SecretsManager::Secret', 2);
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const [, props] of resources(t, 'AWS::SecretsManager::Secret')) expect(props.KmsKeyId).toBeDefined();
  });

  it('alarms on queue age, DLQ depth, Lambda errors, missing blocks, suspended payouts and unhealthy ports', () => {
    for (const metricName of ['ApproximateAgeOfOldestMessage', 'ApproximateNumberOfMessagesVisible', 'Errors']) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: metricName, AlarmActions: Match.anyValue() });
    }
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'BlocksFound',
      Namespace: 'Edgepool',
      TreatMissingData: 'breaching',
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'PayoutsSuspended', Namespace: 'Edgepool' });
    expect(t.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'HealthyHostCount' } })).toSatisfy(
      (r: object) => Object.keys(r).length === 2,
    );
  });

  it('outputs a stratum URL per port', () => {
    const outputs = Object.values(t.findOutputs('*')).map((o) => JSON.stringify(o.Value));
    expect(outputs.filter((v) => v.includes('stratum+tcp://'))).toHaveLength(2);
  });
});

describe('coin stacks (LTC with stratum+ssl, BTC; prod)', () => {
  const cert = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';
  let ltc: Template;
  let btc: Template;
  beforeAll(() => {
    const { stacks } = buildTestApp(
      {
        coins: [
          coin('LTC', [
            { port: 3333, difficulty },
            { port: 3443, difficulty, tls: { certFile: '/etc/pool/cert.pem', keyFile: '/etc/pool/key.pem' } },
          ]),
          coin('BTC', [{ port: 4333, difficulty }]),
        ],
      },
      { stage: 'prod', coins: { LTC: { certificateArn: cert } } },
    );
    expect(stacks.coins.map((s) => s.stackName)).toEqual(['edgepool-prod-coin-ltc', 'edgepool-prod-coin-btc']);
    [ltc, btc] = stacks.coins.map((s) => Template.fromStack(s)) as [Template, Template];
  });

  it('terminates stratum+ssl on a TLS listener with the configured certificate and strips TLS from the container', () => {
    ltc.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 3443,
      Protocol: 'TLS',
      Certificates: [{ CertificateArn: cert }],
      SslPolicy: Match.stringLikeRegexp('TLS'),
    });
    ltc.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 3333, Protocol: 'TCP' });
    const env = JSON.stringify(ltc.findResources('AWS::ECS::TaskDefinition'));
    expect(env).not.toContain('cert.pem');
  });

  it('gives every coin its own queues, tables, secrets and load balancer', () => {
    for (const t of [ltc, btc]) {
      t.resourceCountIs('AWS::SQS::Queue', 2);
      t.resourceCountIs('AWS::DynamoDB::Table', 4);
      t.resourceCountIs('AWS::SecretsManager::Secret', 2);
      t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    }
    btc.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 4333, Protocol: 'TCP' });
    expect(btc.findResources('AWS::ElasticLoadBalancingV2::Listener', { Properties: { Port: 3333 } })).toEqual({});
  });

  it('protects tables from deletion and keeps data on stack removal in prod', () => {
    for (const [, props] of resources(ltc, 'AWS::DynamoDB::Table')) expect(props.DeletionProtectionEnabled).toBe(true);
    for (const r of Object.values(ltc.findResources('AWS::DynamoDB::Table'))) expect(r.DeletionPolicy).toBe('Retain');
    for (const r of Object.values(ltc.findResources('AWS::SecretsManager::Secret')))
      expect(r.DeletionPolicy).toBe('Retain');
  });

  it('runs at least two tasks in prod', () => {
    ltc.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 2 });
  });
});

describe('coin stack (PoT coin)', () => {
  it('gives the ingest function the coin PoT parameters, and no other coin gets them', () => {
    const pot = { a: 0.5, cap: 3 };
    const ltc = { ...coin('LTC', [{ port: 3333, difficulty }]) };
    ltc.rewards = { ...ltc.rewards, scheme: 'POT', pot } as typeof ltc.rewards;
    const { stacks } = buildTestApp({ coins: [ltc, coin('BTC', [{ port: 4333, difficulty }])] });
    const [potStack, ppsStack] = stacks.coins.map((s) => Template.fromStack(s)) as [Template, Template];
    const ingestEnv = (t: Template) =>
      resources(t, 'AWS::Lambda::Function')
        .filter(([, p]) => String(p.Description).includes('credits share batches'))
        .map(([, p]) => (p.Environment as { Variables: Record<string, unknown> }).Variables);
    expect(ingestEnv(potStack)).toHaveLength(1);
    expect(JSON.parse(String(ingestEnv(potStack)[0]!.POOL_POT))).toEqual(pot);
    expect(ingestEnv(ppsStack)[0]!.POOL_POT).toBeUndefined();
  });
});

describe('coin stack (a chain family whose shares are not bound to their connection)', () => {
  it('has its ingest function claim each share, and a Bitcoin-family coin’s not', () => {
    const { family } = openNodesFamily();
    const unbound = { ...family, name: 'unbound', work: { taskPrefixBytes: 1, boundToConnection: false } };
    const { stacks } = buildTestApp(
      {
        coins: [
          { ...coin('LTC', [{ port: 3333, difficulty }]), family: unbound.name },
          coin('BTC', [{ port: 4333, difficulty }]),
        ],
      },
      {},
      { families: new ChainFamilies([unbound, bitcoinFamily]) },
    );
    const [claiming, plain] = stacks.coins.map((s) => Template.fromStack(s)) as [Template, Template];
    const ingestEnv = (t: Template) =>
      resources(t, 'AWS::Lambda::Function')
        .filter(([, p]) => String(p.Description).includes('credits share batches'))
        .map(([, p]) => (p.Environment as { Variables: Record<string, unknown> }).Variables);
    expect(ingestEnv(claiming).map((v) => v.POOL_CLAIM_SHARES)).toEqual(['true']);
    expect(ingestEnv(plain).map((v) => v.POOL_CLAIM_SHARES)).toEqual([undefined]);
  });
});

describe('coin stack (a chain family whose nodes take no credentials and are public)', () => {
  const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:pool/binance-AbCdEf';
  let t: Template;
  let synth: () => unknown;
  beforeAll(() => {
    const { family } = openNodesFamily();
    const { app, stacks } = buildTestApp(
      {
        coins: [
          {
            ...coin('LTC', [{ port: 3333, difficulty }]),
            family: family.name,
            conversion: {
              exchanges: [{ id: 'binance', secretArn, deposit: {} }],
              targets: [{ currency: 'USDT', feeWallets: [{ address: '0x52908400098527886E0F7030069857D2E4169EE7' }] }],
            },
          },
        ],
      },
      {},
      { families: new ChainFamilies([family]) },
    );
    synth = () => app.synth();
    t = Template.fromStack(stacks.coins[0]!);
  });

  const moneyFunctions = () =>
    resources(t, 'AWS::Lambda::Function').filter(([, p]) =>
      /confirms|pays confirmed|converts/.test(String(p.Description)),
    ) as [string, { Environment: { Variables: Record<string, unknown> }; VpcConfig?: unknown }][];

  it('synthesizes: the money Lambdas’ env schemas accept no DAEMON_SECRET_ARN', () => {
    expect(() => synth()).not.toThrow();
  });

  it('passes no daemon secret to confirmation, payouts and conversion deposits, and runs them outside the VPC', () => {
    const fns = moneyFunctions();
    expect(fns.map(([, p]) => String((p as { Description?: unknown }).Description))).toHaveLength(3);
    for (const [, p] of fns) {
      expect(p.Environment.Variables).not.toHaveProperty('DAEMON_SECRET_ARN');
      expect(p.VpcConfig).toBeUndefined();
    }
    const [, task] = resources(t, 'AWS::ECS::TaskDefinition')[0]!;
    expect((task.ContainerDefinitions as { Secrets?: unknown }[])[0]!.Secrets).toBeUndefined();
  });
});

describe('coin stack (BTC paying through btcwallet)', () => {
  const fnEnv = (t: Template, description: RegExp) => {
    const [, p] = resources(t, 'AWS::Lambda::Function').find(([, p]) => description.test(String(p.Description)))!;
    return (p.Environment as { Variables: Record<string, unknown> }).Variables;
  };
  const stack = (walletRpc: 'core' | 'btcwallet') => {
    const btc = coin('BTC', [{ port: 4333, difficulty }]);
    const payouts = { ...btc.payouts, walletRpc, walletUrl: 'http://10.0.100.11:8332' };
    const { stacks } = buildTestApp({ coins: [{ ...btc, payouts }] });
    return Template.fromStack(stacks.coins[0]!);
  };

  it('gives the PayoutWallet secret (the wallet passphrase) to the payouts Lambda only', () => {
    const t = stack('btcwallet');
    expect(fnEnv(t, /pays confirmed balances/).PAYOUT_WALLET_SECRET_ARN).toMatchObject({
      Ref: expect.stringMatching(/PayoutWallet/),
    });
    expect(fnEnv(t, /confirms found blocks/)).not.toHaveProperty('PAYOUT_WALLET_SECRET_ARN');
    const readers = resources(t, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p).includes('PayoutWallet'));
    expect(readers).toHaveLength(1);
    expect(JSON.stringify(readers[0]![1].Roles)).toMatch(/Payouts/);
  });

  it('gives it to nobody when the coin pays through Bitcoin Core', () => {
    const t = stack('core');
    expect(fnEnv(t, /pays confirmed balances/)).not.toHaveProperty('PAYOUT_WALLET_SECRET_ARN');
    expect(resources(t, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p).includes('PayoutWallet'))).toEqual([]);
  });

  it('refuses a passphrase written in the config', () => {
    const btc = coin('BTC', [{ port: 4333, difficulty }]);
    const payouts = { ...btc.payouts, walletRpc: 'btcwallet' as const, walletUrl: 'http://10.0.100.11:8332' };
    expect(() =>
      buildTestApp({ coins: [{ ...btc, payouts: { ...payouts, walletPassphrase: 'open sesame' } }] }),
    ).toThrow(/PayoutWallet secret/);
  });
});
