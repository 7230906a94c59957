import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PoolStacks } from '../../infra/pool-app.js';
import { address, buildTestApp, coin, difficulty } from './helpers.js';

const secret = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:pool/${name}-AbCdEf`;

/** A sha256d switching port over BTC and BCH paying in BTC (BCH converts to BTC). */
const SWITCHING_CONFIG = {
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
  ],
  switching: [
    {
      name: 'sha',
      algorithm: 'sha256d',
      coins: ['BTC', 'BCH'],
      payoutCurrency: 'BTC',
      ports: [{ port: 3340, difficulty }],
      prices: { exchanges: [{ id: 'binance' as const }] },
    },
  ],
};

type Fn = { Properties: { Description?: string; Environment?: { Variables?: Record<string, unknown> } } };

describe('switching ports in the CDK app: foreign accounts and the API', () => {
  let app: App;
  let stacks: PoolStacks;
  beforeAll(() => {
    ({ app, stacks } = buildTestApp(SWITCHING_CONFIG));
  });
  const fn = (symbol: string, description: string) => {
    const stack = stacks.coins.find((s) => s.stackName.endsWith(`coin-${symbol.toLowerCase()}`))!;
    return Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).find((r) =>
      String((r as Fn).Properties.Description).includes(description),
    ) as Fn;
  };
  const env = (f: Fn) => f.Properties.Environment?.Variables ?? {};

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
    const api = Template.fromStack(stacks.api!);
    const stats = Object.values(api.findResources('AWS::Lambda::Function')).find((r) =>
      String((r as Fn).Properties.Description).includes('statistics'),
    ) as Fn;
    const switching = JSON.stringify(env(stats).POOL_SWITCHING_JSON);
    for (const part of ['\\"name\\":\\"sha\\"', '\\"payoutCurrency\\":\\"BTC\\"', '\\"BTC\\",\\"BCH\\"'])
      expect(switching).toContain(part);
    expect(switching).not.toContain('binance');
  });
});
