import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PoolStacks } from '../../infra/pool-app.js';
import { buildTestApp, coin, difficulty, testOutdir } from './helpers.js';

type Statement = { Action: string | string[]; Resource: unknown };

function allTemplates(stacks: PoolStacks): Template[] {
  return [stacks.network, stacks.alerts, ...stacks.coins, ...(stacks.api ? [stacks.api] : [])].map((s) =>
    Template.fromStack(s),
  );
}

describe('the whole pool app', () => {
  let app: App;
  let stacks: PoolStacks;
  let templates: Template[];
  beforeAll(() => {
    ({ app, stacks } = buildTestApp({
      coins: [
        coin('LTC', [{ port: 3333, difficulty }]),
        coin('BTC', [{ port: 4333, difficulty }]),
        coin('BCH', [{ port: 5333, difficulty }]), // a third Bitcoin-family coin: only its registry entry and config
      ],
    }));
    templates = allTemplates(stacks);
  });

  it('passes cdk-nag AwsSolutions with every finding acknowledged', () => {
    // Synthesis runs the nag plugin and throws with its report when any finding is unacknowledged.
    expect(() => app.synth()).not.toThrow();
  });

  it('gives every acknowledgement a written reason', () => {
    const acks = app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acks.length).toBeGreaterThan(0);
    for (const [id, reason] of acks) expect(reason.trim().length, id).toBeGreaterThan(20);
  });

  it('creates the shared stacks, one stack per coin, and the API stack', () => {
    expect(stacks.coins.map((s) => s.stackName)).toEqual([
      'edgepool-dev-coin-ltc',
      'edgepool-dev-coin-btc',
      'edgepool-dev-coin-bch',
    ]);
    expect(stacks.api?.stackName).toBe('edgepool-dev-api');
  });

  it('keeps each coin’s tables, share queue, stratum service and secrets in its own stack, naming no other coin', () => {
    const symbols = ['LTC', 'BTC', 'BCH'];
    for (const [i, stack] of stacks.coins.entries()) {
      const t = Template.fromStack(stack);
      t.resourceCountIs('AWS::DynamoDB::Table', 4); // shares, stats (bans, live), blocks, ledger
      t.resourceCountIs('AWS::SQS::Queue', 2); // the share queue and its DLQ
      t.resourceCountIs('AWS::ECS::Service', 1);
      t.resourceCountIs('AWS::SecretsManager::Secret', 2); // daemon RPC credentials, payout wallet
      for (const secret of Object.values(t.findResources('AWS::SecretsManager::Secret')))
        expect(secret.Properties.Description).toMatch(new RegExp(`^${symbols[i]} `));
      const text = JSON.stringify(t.toJSON());
      for (const other of symbols.filter((s) => s !== symbols[i])) expect(text).not.toMatch(new RegExp(other, 'i'));
      // What a coin stack takes from other stacks is the shared network and alarm topic, never another coin's.
      const imports = [...text.matchAll(/"Fn::ImportValue":"([^"]+)"/g)].map((m) => m[1]!);
      expect(imports.length).toBeGreaterThan(0);
      for (const name of imports) expect(name).toMatch(/^edgepool-dev-(network|alerts):/);
    }
    // Only the API stack (stats Lambda, dashboard) reads every coin.
    const api = JSON.stringify(Template.fromStack(stacks.api!).toJSON());
    for (const s of symbols) expect(api).toMatch(new RegExp(`coin-${s.toLowerCase()}`));
  });

  it('runs every Lambda on ARM64 with a Node runtime of 22 or newer', () => {
    let count = 0;
    for (const t of templates) {
      for (const fn of Object.values(t.findResources('AWS::Lambda::Function'))) {
        const props = fn.Properties as { Runtime: string; Architectures: string[] };
        expect(props.Architectures).toEqual(['arm64']);
        expect(Number(/^nodejs(\d+)\.x$/.exec(props.Runtime)?.[1])).toBeGreaterThanOrEqual(22);
        count++;
      }
    }
    expect(count).toBeGreaterThanOrEqual(3);
  });

  it('grants no wildcard actions on data services', () => {
    const data = /^(dynamodb|sqs|s3|secretsmanager|kms|sns):\*$|^\*$/;
    let statements = 0;
    for (const t of templates) {
      for (const policy of Object.values(t.findResources('AWS::IAM::Policy'))) {
        for (const st of (policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument
          .Statement) {
          for (const action of [st.Action].flat()) expect(action).not.toMatch(data);
          statements++;
        }
      }
    }
    expect(statements).toBeGreaterThan(0);
  });

  it('passes secrets to Lambdas by ARN only', () => {
    for (const t of templates) {
      for (const fn of Object.values(t.findResources('AWS::Lambda::Function'))) {
        const vars =
          (fn.Properties as { Environment?: { Variables?: Record<string, unknown> } }).Environment?.Variables ?? {};
        for (const [name, value] of Object.entries(vars)) {
          if (/SECRET|PASSWORD|KEY/i.test(name)) expect(JSON.stringify(value)).toMatch(/Secret|arn:/);
        }
      }
    }
  });

  it('puts the tasks behind VPC endpoints for DynamoDB, S3, SQS and Secrets Manager', () => {
    const net = templates[0]!;
    net.resourceCountIs('AWS::EC2::VPCEndpoint', 8);
    net.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: Match.objectLike({
        'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('\\.sqs$')])]),
      }),
    });
    net.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  it('sends alarms to one KMS-encrypted topic', () => {
    const alerts = templates[1]!;
    alerts.resourceCountIs('AWS::SNS::Topic', 1);
    alerts.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  it('tells the stats API the public pool config and every coin table, never a daemon credential', () => {
    const t = Template.fromStack(stacks.api!);
    const fn = Object.values(t.findResources('AWS::Lambda::Function')).find((r) =>
      String(r.Properties.Description).includes('statistics API'),
    )!;
    const env = fn.Properties.Environment.Variables as Record<string, unknown>;
    // The public config holds each coin's NLB DNS name (a cross-stack reference): a join of text and references.
    const parts = (env.POOL_PUBLIC_JSON as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    const pub = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'nlb.example')).join(''));
    expect(pub.coins.map((c: { symbol: string }) => c.symbol)).toEqual(['LTC', 'BTC', 'BCH']);
    expect(pub.coins.map((c: { stratumHost: string }) => c.stratumHost)).toEqual([
      'nlb.example',
      'nlb.example',
      'nlb.example',
    ]);
    // imported from the coin stacks' exports of their NLB DNS names
    const refs = JSON.stringify(parts.filter((p) => typeof p !== 'string'));
    expect(refs.match(/Fn::ImportValue/g)).toHaveLength(3);
    expect(refs).toMatch(/coin-ltc.*DNSName/i);
    expect(JSON.stringify(env)).not.toMatch(/password|daemons/i);
    expect(env.POOL_TABLES_JSON).toBeDefined();
  });

  it('serves the dashboard from a private bucket via OAC and routes /api/* to the stats function URL', () => {
    const api = Template.fromStack(stacks.api!);
    api.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    api.resourceCountIs('AWS::CloudFront::OriginAccessControl', 2); // the site bucket's and the API's
    api.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        CacheBehaviors: [Match.objectLike({ PathPattern: '/api/*', ViewerProtocolPolicy: 'https-only' })],
        DefaultRootObject: 'index.html',
      }),
    });
    // /api/* is cached as the API's Cache-Control says (never longer than 5 minutes), keyed on the parameters it reads
    api.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        DefaultTTL: 0,
        MaxTTL: 300,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: ['limit', 'hours'] },
        }),
      }),
    });
    const outputs = Object.keys(api.findOutputs('*'));
    expect(outputs).toEqual(expect.arrayContaining(['DashboardUrl', 'ApiUrl']));
  });
});

describe('the dashboard deployment', () => {
  it('uploads the built dashboard with the API stack, invalidates the distribution, and still passes cdk-nag', () => {
    const { app, stacks } = buildTestApp(
      { coins: [coin('LTC', [{ port: 3333, difficulty }])] },
      {},
      { siteDir: 'test/infra/fixtures/site' },
    );
    const api = Template.fromStack(stacks.api!);
    api.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: Match.anyValue(),
      DistributionId: Match.anyValue(),
      DistributionPaths: ['/*'],
      Prune: false,
    });
    expect(() => app.synth()).not.toThrow();
  });
});

describe('cdk-nag in this app', () => {
  it('fails synthesis on an unacknowledged finding', () => {
    const app = new App({ outdir: testOutdir() });
    const stack = new Stack(app, 'Bad');
    new Bucket(stack, 'Open'); // no access logs, no SSL enforcement
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-S1|Validation failed/);
  });
});
