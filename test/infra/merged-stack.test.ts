import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PoolStacks } from '../../infra/pool-app.js';
import { address, buildTestApp, coin, DAEMON_PASSWORD, difficulty } from './helpers.js';

const DOGE_PASSWORD = 'doge-only-password-91c2';

/** Every IAM statement of a stack's policies, flattened. */
function statements(t: Template): Array<Record<string, unknown>> {
  return Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }).Properties.PolicyDocument
        .Statement,
  );
}

/** Logical ids of the resources a reference (Ref, Fn::GetAtt, Fn::ImportValue) in `value` names, as text. */
const text = (value: unknown) => JSON.stringify(value);

/**
 * The CDK app with LTC and DOGE merged with LTC (offline synth): DOGE has its tables and secrets and its money
 * Lambdas (over LTC's shares table, read only), no stratum, NLB, queue or ingest; LTC's ingest may write DOGE blocks
 * and only the AUXADDR items of DOGE's ledger; LTC's stratum task reads DOGE's daemon secret.
 */
describe('CDK app: LTC merge-mining DOGE', () => {
  let stacks: PoolStacks;
  let ltc: Template;
  let doge: Template;
  let dogeMoney: Template;

  beforeAll(() => {
    ({ stacks } = buildTestApp({
      coins: [
        coin('LTC', [{ port: 3333, difficulty }]),
        {
          symbol: 'DOGE',
          network: 'mainnet',
          mergedWith: 'LTC',
          poolAddress: address('DOGE', 0x22),
          daemons: [{ url: 'http://10.0.100.20:22555', user: 'pool', password: DOGE_PASSWORD }],
          rewards: { scheme: 'PPLNS', feeWallets: [{ address: address('DOGE', 0x33) }] },
          payouts: { wallet: 'pool', intervalSeconds: 3600 },
        },
      ],
    }));
    ltc = Template.fromStack(stacks.coins[0]!);
    doge = Template.fromStack(stacks.auxCoins[0]!);
    dogeMoney = Template.fromStack(stacks.auxMoney[0]!);
  });

  it('gives DOGE blocks and ledger tables and its secrets, and no stratum, NLB, queue, ingest or shares of its own', () => {
    expect(stacks.coins.map((c) => c.symbol)).toEqual(['LTC']);
    doge.resourceCountIs('AWS::DynamoDB::Table', 2);
    doge.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byStatus' })],
    });
    doge.resourceCountIs('AWS::SecretsManager::Secret', 2);
    for (const t of [doge, dogeMoney]) {
      for (const type of [
        'AWS::ECS::Service',
        'AWS::ElasticLoadBalancingV2::LoadBalancer',
        'AWS::SQS::Queue',
        'AWS::Lambda::EventSourceMapping',
      ])
        t.resourceCountIs(type, 0);
    }
    doge.resourceCountIs('AWS::Lambda::Function', 0);
    dogeMoney.resourceCountIs('AWS::DynamoDB::Table', 0);
  });

  it("runs DOGE's confirmation and payouts over LTC's shares table, read only, and its own tables read-write", () => {
    const fns = dogeMoney.findResources('AWS::Lambda::Function');
    expect(Object.keys(fns)).toHaveLength(2);
    for (const fn of Object.values(fns)) {
      const env = (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment
        .Variables;
      expect(env.POOL_COIN).toBe('DOGE');
      expect(env.STATS_TABLE).toBeUndefined();
      expect(text(env.SHARES_TABLE)).toMatch(/ImportValue.*coin-ltc/);
      expect(text(env.BLOCKS_TABLE)).toMatch(/ImportValue.*coin-doge/);
      expect(text(env.DAEMON_SECRET_ARN)).toMatch(/ImportValue.*coin-doge/);
    }
    const onShares = statements(dogeMoney).filter((s) => /TablesShares/.test(text(s.Resource)));
    expect(onShares.length).toBeGreaterThan(0);
    for (const s of onShares) {
      for (const action of [s.Action].flat() as string[]) expect(action).toMatch(/Get|Query|Scan|Describe/);
    }
    const writes = statements(dogeMoney).filter((s) => [s.Action].flat().includes('dynamodb:PutItem'));
    expect(writes.map((s) => text(s.Resource)).join()).not.toMatch(/TablesShares/);
  });

  it("alarms on DOGE's money as on a mined coin's: its Lambdas' errors, suspended payouts, no DOGE block, to the pool's topic", () => {
    const alarms = Object.values(dogeMoney.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => (a as { Properties: Record<string, unknown> }).Properties,
    );
    const errors = alarms.filter((a) => a.MetricName === 'Errors');
    const fnIds = Object.keys(dogeMoney.findResources('AWS::Lambda::Function'));
    // One per money Lambda, each on its own function.
    expect(errors).toHaveLength(2);
    for (const id of fnIds)
      expect(
        errors.filter((a) => text(a.Dimensions).includes(id)),
        id,
      ).toHaveLength(1);
    for (const metric of ['PayoutsSuspended', 'BlocksFound']) {
      const alarm = alarms.find((a) => a.MetricName === metric);
      expect(alarm, metric).toMatchObject({ Namespace: 'Edgepool', Dimensions: [{ Name: 'Coin', Value: 'DOGE' }] });
    }
    expect(alarms.find((a) => a.MetricName === 'BlocksFound')).toMatchObject({ TreatMissingData: 'breaching' });
    for (const a of alarms) expect(text(a.AlarmActions)).toMatch(/ImportValue.*alerts/);
    // Nothing of a stratum, queue or NLB to watch in DOGE's stacks.
    expect(alarms.map((a) => a.MetricName).sort()).toEqual(['BlocksFound', 'Errors', 'Errors', 'PayoutsSuspended']);
    doge.resourceCountIs('AWS::CloudWatch::Alarm', 0);
  });

  it("lets LTC's ingest write DOGE blocks and only AUXADDR items of DOGE's ledger, naming them in POOL_AUX_COINS", () => {
    const ingest = Object.values(ltc.findResources('AWS::Lambda::Function')).find((f) =>
      text(f).includes('credits share batches'),
    ) as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    const aux = text(ingest.Properties.Environment.Variables.POOL_AUX_COINS);
    expect(aux).toMatch(/\\"coin\\":\\"DOGE\\"/);
    expect(aux).toMatch(/blocksTable/);
    expect(aux).toMatch(/ledgerTable/);
    const onDogeLedger = statements(ltc).filter((s) => /coin-doge.*TablesLedger/.test(text(s.Resource)));
    expect(onDogeLedger).toHaveLength(1);
    expect(onDogeLedger[0]!.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['AUXADDR'] },
    });
    expect([onDogeLedger[0]!.Action].flat()).not.toContain('dynamodb:Scan');
    const onDogeBlocks = statements(ltc).filter((s) => /coin-doge.*TablesBlocks/.test(text(s.Resource)));
    expect(onDogeBlocks).toHaveLength(1);
    expect([onDogeBlocks[0]!.Action].flat().sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
  });

  it("lets the stats API put only AUXADDR items of DOGE's ledger (a miner's signed aux address), nothing else of it", () => {
    const api = Template.fromStack(stacks.api!);
    const onDogeLedger = statements(api).filter((s) => /coin-doge.*TablesLedger/.test(text(s.Resource)));
    const writes = onDogeLedger.filter((s) =>
      ([s.Action].flat() as string[]).some((a) => !/Get|Query|Scan|Describe/.test(a)),
    );
    expect(writes).toHaveLength(1);
    // The adapter's setSignedAuxAddress is one conditional PutItem: no Get/Update needed to write.
    expect([writes[0]!.Action].flat()).toEqual(['dynamodb:PutItem']);
    expect(writes[0]!.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['AUXADDR'] } });
    // LTC (not merge-mined, no conversion) gets no write on its ledger.
    const onLtcLedger = statements(api).filter((s) => /coin-ltc.*TablesLedger/.test(text(s.Resource)));
    expect(onLtcLedger.length).toBeGreaterThan(0);
    for (const s of onLtcLedger) expect([s.Action].flat().join()).not.toMatch(/Put|Update|Delete|Write/);
  });

  it("gives LTC's stratum task DOGE's daemon credentials from DOGE's secret, and no secret value to any template", () => {
    const task = Object.values(ltc.findResources('AWS::ECS::TaskDefinition'))[0] as {
      Properties: { ContainerDefinitions: Array<{ Secrets: Array<{ Name: string; ValueFrom: unknown }> }> };
    };
    const secrets = task.Properties.ContainerDefinitions[0]!.Secrets;
    const doge = secrets.filter((s) => s.Name.startsWith('POOL_DOGE_DAEMON_'));
    expect(doge.map((s) => s.Name).sort()).toEqual(['POOL_DOGE_DAEMON_PASSWORD', 'POOL_DOGE_DAEMON_USER']);
    for (const s of doge) expect(text(s.ValueFrom)).toMatch(/coin-doge/);
    for (const t of [ltc, Template.fromStack(stacks.auxCoins[0]!), dogeMoney]) {
      const json = text(t.toJSON());
      expect(json).not.toContain(DOGE_PASSWORD);
      expect(json).not.toContain(DAEMON_PASSWORD);
    }
    // The stratum's config names DOGE's daemons with DOGE's own markers.
    const env = text(task.Properties.ContainerDefinitions[0]);
    expect(env).toContain('$POOL_DOGE_DAEMON_USER');
  });
});
