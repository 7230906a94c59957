import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PoolStacks } from '../../infra/pool-app.js';
import { address, buildTestApp, coin, DAEMON_PASSWORD, difficulty, testAuxChain } from './helpers.js';

const secret = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:pool/${name}-AbCdEf`;

const TSWAUX = testAuxChain('TSWAUX', 'BTC');
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';

/** A sha256d switching port over BTC (merging TSWAUX) and BCH paying in BTC (BCH converts to BTC). */
const SWITCHING_CONFIG = {
  auxChains: [TSWAUX.definition],
  coins: [
    coin('BTC', [{ port: 3333, difficulty }]),
    {
      ...coin('BCH', [{ port: 3334, difficulty }]),
      conversion: {
        exchanges: [{ id: 'binance' as const, secretArn: secret('binance') }],
        targets: [
          { currency: 'BTC' as const, wallet: address('BTC', 0x44), feeWallets: [{ address: address('BTC', 0x45) }] },
        ],
      },
    },
    TSWAUX.coin,
  ],
  switching: [
    {
      name: 'sha',
      algorithm: 'sha256d',
      coins: ['BTC', 'BCH'],
      payoutCurrency: 'BTC',
      ports: [
        { port: 3340, difficulty },
        { port: 3341, difficulty, tls: { certFile: '/etc/pool/cert.pem', keyFile: '/etc/pool/key.pem' } },
      ],
      prices: { exchanges: [{ id: 'binance' as const }] },
    },
  ],
};

type Fn = { Properties: { Description?: string; Environment?: { Variables?: Record<string, unknown> } } };

describe('switching ports in the CDK app: foreign accounts and the API', () => {
  let app: App;
  let stacks: PoolStacks;
  beforeAll(() => {
    ({ app, stacks } = buildTestApp(SWITCHING_CONFIG, { coins: { BTC: { certificateArn: CERT } } }));
  });
  const fn = (symbol: string, description: string) => {
    const stack = stacks.coins.find((s) => s.stackName.endsWith(`coin-${symbol.toLowerCase()}`))!;
    return Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).find((r) =>
      String((r as Fn).Properties.Description).includes(description),
    ) as Fn;
  };
  const env = (f: Fn) => f.Properties.Environment?.Variables ?? {};
  const statsFunction = () =>
    Object.values(Template.fromStack(stacks.api!).findResources('AWS::Lambda::Function')).find((r) =>
      String((r as Fn).Properties.Description).includes('statistics'),
    ) as Fn;

  it('synthesizes with cdk-nag clean (the coins’ container configs leave the switching ports out)', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it("gives BCH's payouts and conversion Lambdas BTC as the payout currency of its foreign accounts, BTC's none", () => {
    const foreign = JSON.stringify([{ symbol: 'BTC', network: 'mainnet' }]);
    expect(env(fn('BCH', 'pays confirmed')).FOREIGN_PAYOUT_CURRENCIES).toBe(foreign);
    expect(env(fn('BCH', 'converts')).FOREIGN_PAYOUT_CURRENCIES).toBe(foreign);
    expect(env(fn('BCH', 'confirms')).FOREIGN_PAYOUT_CURRENCIES).toBeUndefined();
    expect(env(fn('BTC', 'pays confirmed')).FOREIGN_PAYOUT_CURRENCIES).toBeUndefined();
    expect(String(env(fn('BCH', 'pays confirmed')).POOL_CONFIG_JSON)).toContain('"switching":[]');
  });

  it('gives the stats Lambda the switching ports, without their price sources (it reads every coin’s stats table already)', () => {
    const stats = statsFunction();
    const switching = JSON.stringify(env(stats).POOL_SWITCHING_JSON);
    for (const part of ['\\"name\\":\\"sha\\"', '\\"payoutCurrency\\":\\"BTC\\"', '\\"BTC\\",\\"BCH\\"'])
      expect(switching).toContain(part);
    expect(switching).not.toContain('binance');
  });

  it("names the switching port's NLB as its stratumHost in the stats Lambda's POOL_SWITCHING_JSON", () => {
    const stats = statsFunction();
    const json = JSON.stringify(env(stats).POOL_SWITCHING_JSON);
    expect(json).toContain('stratumHost');
    expect(json).toMatch(/switching-sha[^"]*:ExportsOutputFnGetAttStratumNlb[0-9A-Za-z]*DNSName/);
  });
});

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };
type Props = Record<string, unknown>;

describe('a switching port’s stack: its own NLB and Fargate tasks over its coins’ queues, tables and secrets', () => {
  let app: App;
  let stacks: PoolStacks;
  let t: Template;
  let templates: string;
  beforeAll(() => {
    ({ app, stacks } = buildTestApp(SWITCHING_CONFIG, { coins: { BTC: { certificateArn: CERT } } }));
    expect(stacks.switching.map((s) => s.stackName)).toEqual(['edgepool-dev-switching-sha']);
    t = Template.fromStack(stacks.switching[0]!);
    const assembly = app.synth();
    templates = assembly.stacks.map((s) => JSON.stringify(s.template)).join('\n');
  });
  const only = <T>(type: string): T => {
    const found = Object.values(t.findResources(type));
    expect(found).toHaveLength(1);
    return (found[0] as { Properties: T }).Properties;
  };
  const container = () =>
    only<{
      ContainerDefinitions: Array<{
        Environment: Array<{ Name: string; Value: unknown }>;
        Secrets: Array<{ Name: string; ValueFrom: unknown }>;
      }>;
    }>('AWS::ECS::TaskDefinition').ContainerDefinitions[0]!;
  const statements = (role: string): Statement[] =>
    Object.values(t.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify((p as { Properties: Props }).Properties.Roles).includes(role))
      .flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
      );
  const actions = (s: Statement) => [s.Action].flat();
  const taskRole = () => {
    const roles = Object.keys(t.findResources('AWS::IAM::Role'));
    return roles.find((r) => r.includes('TaskRole'))!;
  };
  const executionRole = () => Object.keys(t.findResources('AWS::IAM::Role')).find((r) => r.includes('ExecutionRole'))!;

  it('listens on the port’s ports: TCP, and TLS terminated with the first coin’s certificate, PROXY v2 to the tasks', () => {
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 3340, Protocol: 'TCP' });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 3341,
      Protocol: 'TLS',
      Certificates: [{ CertificateArn: CERT }],
    });
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    for (const port of [3340, 3341])
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        Port: port,
        TargetGroupAttributes: Match.arrayWith([{ Key: 'proxy_protocol_v2.enabled', Value: 'true' }]),
      });
    t.resourceCountIs('AWS::ECS::Service', 1);
    // Nothing of a coin's own: no queue, table or secret lives here.
    for (const type of ['AWS::SQS::Queue', 'AWS::DynamoDB::Table', 'AWS::SecretsManager::Secret'])
      t.resourceCountIs(type, 0);
  });

  it('runs the container with POOL_SWITCHING, each coin’s queue and stats table, and every daemon secret by name', () => {
    const c = container();
    const envNames = c.Environment.map((e) => e.Name).sort();
    expect(envNames).toEqual(
      [
        'POOL_SWITCHING',
        'POOL_CONFIG_JSON',
        'POOL_STRATUM_PROCESSES',
        'POOL_BTC_SHARE_QUEUE_URL',
        'POOL_BTC_STATS_TABLE',
        'POOL_BCH_SHARE_QUEUE_URL',
        'POOL_BCH_STATS_TABLE',
      ].sort(),
    );
    expect(c.Environment.find((e) => e.Name === 'POOL_SWITCHING')!.Value).toBe('sha');
    expect(JSON.stringify(c.Environment.find((e) => e.Name === 'POOL_BCH_SHARE_QUEUE_URL')!.Value)).toMatch(
      /coin-bch:ExportsOutputRefSharesQueue/,
    );
    expect(JSON.stringify(c.Environment.find((e) => e.Name === 'POOL_BTC_STATS_TABLE')!.Value)).toMatch(
      /coin-btc:ExportsOutputRefTablesStats/,
    );
    expect(c.Secrets.map((x) => x.Name).sort()).toEqual(
      ['BTC', 'BCH', 'TSWAUX'].flatMap((s) => [`POOL_${s}_DAEMON_USER`, `POOL_${s}_DAEMON_PASSWORD`]).sort(),
    );
    const config = JSON.parse(String(c.Environment.find((e) => e.Name === 'POOL_CONFIG_JSON')!.Value)) as {
      switching: Array<{ name: string }>;
      coins: Array<{ symbol: string }>;
    };
    expect(config.switching.map((p) => p.name)).toEqual(['sha']);
    expect(config.coins.map((x) => x.symbol)).toEqual(['BTC', 'BCH', 'TSWAUX']);
  });

  it('may send to its coins’ share queues only', () => {
    const send = statements(taskRole()).filter((s) => actions(s).some((a) => a.startsWith('sqs:')));
    const queues = send.flatMap((s) => [s.Resource].flat().map((r) => JSON.stringify(r)));
    expect(queues).toHaveLength(2);
    expect(queues.some((q) => /coin-btc:ExportsOutputFnGetAttSharesQueue/.test(q))).toBe(true);
    expect(queues.some((q) => /coin-bch:ExportsOutputFnGetAttSharesQueue/.test(q))).toBe(true);
    for (const s of send)
      for (const a of actions(s)) expect(a).toMatch(/^sqs:(SendMessage|GetQueueAttributes|GetQueueUrl)$/);
  });

  it('touches only its items of the coins’ stats tables: PREFIX and LIVE in each, BAN and the port’s state in the first', () => {
    const dynamo = statements(taskRole()).filter((s) => actions(s).some((a) => a.startsWith('dynamodb:')));
    // Every statement is limited to partitions, on a stats table of the port's coins.
    for (const s of dynamo) {
      expect(s.Condition?.['ForAllValues:StringEquals']?.['dynamodb:LeadingKeys']).toBeDefined();
      expect(JSON.stringify(s.Resource)).toMatch(/coin-(btc|bch):ExportsOutputFnGetAttTablesStats/);
    }
    const keys = (coin: string, action: string) =>
      dynamo
        .filter((s) => JSON.stringify(s.Resource).includes(`coin-${coin}:`) && actions(s).includes(action))
        .flatMap((s) => s.Condition!['ForAllValues:StringEquals']!['dynamodb:LeadingKeys'] as string[])
        .sort();
    expect(keys('btc', 'dynamodb:UpdateItem')).toEqual(['BAN', 'LIVE', 'PREFIX']);
    expect(keys('bch', 'dynamodb:UpdateItem')).toEqual(['LIVE', 'PREFIX']);
    expect(keys('btc', 'dynamodb:PutItem')).toEqual(['BAN', 'LIVE', 'PREFIX', 'SWITCH#sha', 'SWITCHING#sha']);
    expect(keys('bch', 'dynamodb:PutItem')).toEqual(['LIVE', 'PREFIX']);
    expect(keys('btc', 'dynamodb:Query')).toEqual(['BAN']);
    expect(keys('bch', 'dynamodb:Query')).toEqual([]);
    expect(dynamo.flatMap(actions).filter((a) => !/^dynamodb:(PutItem|UpdateItem|DeleteItem|Query)$/.test(a))).toEqual(
      [],
    );
  });

  it('reads the coins’ and the aux coin’s daemon secrets by ARN, decrypting through Secrets Manager only', () => {
    const exec = statements(executionRole());
    const secretReads = exec.filter((s) => actions(s).includes('secretsmanager:GetSecretValue'));
    const read = JSON.stringify(secretReads.map((s) => s.Resource));
    for (const coin of ['btc', 'bch', 'tswaux'])
      expect(read).toMatch(new RegExp(`coin-${coin}:ExportsOutputRefSecretsDaemonRpc`));
    // Never the payout wallets.
    expect(read).not.toMatch(/PayoutWallet/);
    const decrypt = exec.filter((s) => actions(s).includes('kms:Decrypt'));
    expect(decrypt).toHaveLength(3);
    for (const s of decrypt) expect(JSON.stringify(s.Condition)).toContain('kms:ViaService');
  });

  it('synthesizes the whole app cdk-nag clean, with no daemon password in any template', () => {
    expect(templates.length).toBeGreaterThan(0);
    expect(templates).not.toContain(DAEMON_PASSWORD);
  });
});
