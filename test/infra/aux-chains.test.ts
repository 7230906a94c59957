import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { isKnownCoin } from '../../core/coins/registry.js';
import type { AuxChainConfig } from '../../core/config/aux-chains.js';
import type { PoolStacks } from '../../infra/pool-app.js';
import { TAUX, tauxAddress } from '../helpers/aux-chains.js';
import { address, buildTestApp, coin, difficulty } from './helpers.js';

/** TAUX (chain id 63) on mainnet: the CDK tests' coins are mainnet coins. */
const TAUX_MAIN: AuxChainConfig = { ...TAUX, networks: { mainnet: { pubKeyHash: 50, scriptHash: 85 } } };

const aux = (symbol: string, poolAddress: string, fee: string) => ({
  symbol,
  network: 'mainnet' as const,
  mergedWith: 'LTC',
  poolAddress,
  daemons: [{ url: 'http://10.0.100.20:22555', user: 'pool', password: 'aux-password' }],
  rewards: { scheme: 'PPLNS' as const, feeWallets: [{ address: fee }] },
  payouts: { wallet: 'pool', intervalSeconds: 3600 },
});

type Env = Record<string, unknown>;

/** Every environment of a template's Lambda functions and ECS containers, by logical id. */
function environments(t: Template): [string, Env][] {
  const lambdas = Object.entries(t.findResources('AWS::Lambda::Function')).map(
    ([id, r]) => [id, (r.Properties.Environment?.Variables ?? {}) as Env] as [string, Env],
  );
  const containers = Object.entries(t.findResources('AWS::ECS::TaskDefinition')).flatMap(([id, r]) =>
    (r.Properties.ContainerDefinitions as { Environment?: { Name: string; Value: unknown }[] }[]).map(
      (c) => [id, Object.fromEntries((c.Environment ?? []).map((e) => [e.Name, e.Value]))] as [string, Env],
    ),
  );
  return [...lambdas, ...containers];
}

/**
 * parseConfigText in a fresh module graph, so with a coin registry that knows only its built-in coins: whether an
 * emitted config parses on its own, as in the task or the Lambda it is given to (a process that parsed no other).
 */
async function parseAlone(text: string, source: string) {
  vi.resetModules();
  const registry = await import('../../core/coins/registry.js');
  const { parseConfigText } = await import('../../core/config/load.js');
  if (registry.isKnownCoin('TAUX')) throw new Error('the fresh registry already knows TAUX');
  return parseConfigText(text, source);
}

/**
 * The CDK app with LTC merging DOGE and TAUX, an aux chain defined only in the config's `auxChains`, beside BTC (offline
 * synth): TAUX gets its stacks as DOGE does, and every config the app gives a task or a Lambda defines every aux chain
 * it names, so that it parses in a process that has parsed nothing else.
 */
describe('CDK app: an aux chain defined in the pool config (auxChains)', () => {
  let app: App;
  let stacks: PoolStacks;

  beforeAll(() => {
    ({ app, stacks } = buildTestApp({
      auxChains: [TAUX_MAIN],
      coins: [
        coin('LTC', [{ port: 3333, difficulty }]),
        coin('BTC', [{ port: 3334, difficulty }]),
        aux('DOGE', address('DOGE', 0x22), address('DOGE', 0x33)),
        aux('TAUX', tauxAddress(0x22, 'mainnet'), tauxAddress(0x33, 'mainnet')),
      ],
    }));
  });

  it('synthesizes with cdk-nag clean', () => {
    expect(isKnownCoin('TAUX')).toBe(true); // buildTestApp parsed the config in this process
    expect(() => app.synth()).not.toThrow();
  });

  it("gives TAUX its tables, secrets and money Lambdas as DOGE's, and no stratum, queue or ingest", () => {
    expect(stacks.coins.map((c) => c.symbol).sort()).toEqual(['BTC', 'LTC']);
    expect(stacks.auxCoins.map((c) => c.symbol).sort()).toEqual(['DOGE', 'TAUX']);
    const shape = (symbol: string) => {
      const i = stacks.auxCoins.findIndex((c) => c.symbol === symbol);
      const [tables, money] = [Template.fromStack(stacks.auxCoins[i]!), Template.fromStack(stacks.auxMoney[i]!)];
      return Object.fromEntries(
        [
          'AWS::DynamoDB::Table',
          'AWS::SecretsManager::Secret',
          'AWS::Lambda::Function',
          'AWS::ECS::Service',
          'AWS::SQS::Queue',
          'AWS::CloudWatch::Alarm',
        ].map((type) => [
          type,
          Object.keys(tables.findResources(type)).length + Object.keys(money.findResources(type)).length,
        ]),
      );
    };
    expect(shape('TAUX')).toEqual(shape('DOGE'));
    expect(shape('TAUX')['AWS::Lambda::Function']).toBe(2);
    const money = environments(Template.fromStack(stacks.auxMoney.find((s) => s.node.id.includes('taux'))!));
    expect(money.map(([, env]) => env.POOL_COIN)).toEqual(['TAUX', 'TAUX']);
  });

  it('gives the stats Lambda the definitions (POOL_AUX_CHAINS_JSON)', () => {
    const stats = environments(Template.fromStack(stacks.api!)).filter(([, e]) => e.POOL_PUBLIC_JSON);
    expect(stats).toHaveLength(1);
    expect(JSON.parse(stats[0]![1].POOL_AUX_CHAINS_JSON as string)).toEqual([TAUX_MAIN]);
  });

  it('gives every task and Lambda a config that parses on its own, defining each aux chain it names', async () => {
    const all = [...stacks.coins, ...stacks.auxCoins, ...stacks.auxMoney, ...stacks.switching].flatMap((s) =>
      environments(Template.fromStack(s)).map(([id, env]) => [`${s.stackName}/${id}`, env] as const),
    );
    const configs = all.filter(([, env]) => typeof env.POOL_CONFIG_JSON === 'string');
    const named = new Map<string, string[]>();
    for (const [where, env] of configs) {
      const text = env.POOL_CONFIG_JSON as string;
      const config = await parseAlone(text, where);
      const symbols = config.coins.map((c) => c.symbol);
      named.set(where, symbols);
      expect(
        config.auxChains.map((c) => c.symbol),
        where,
      ).toEqual(symbols.includes('TAUX') ? ['TAUX'] : []);
    }
    const naming = [...named].filter(([, s]) => s.includes('TAUX'));
    // LTC's stratum task (it polls TAUX's nodes) and TAUX's confirmation and payouts Lambdas, at least.
    expect(naming.some(([w, s]) => /coin-ltc/.test(w) && s[0] === 'LTC')).toBe(true);
    expect(naming.filter(([w, s]) => /taux/.test(w) && s[0] === 'TAUX')).toHaveLength(2);
    // BTC's and DOGE's configs neither name nor define TAUX.
    expect([...named].filter(([, s]) => s[0] === 'BTC' || s[0] === 'DOGE').length).toBeGreaterThan(0);
  });
});
