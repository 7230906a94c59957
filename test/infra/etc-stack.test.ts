import { Template } from 'aws-cdk-lib/assertions';
import { Wallet } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { maskSecrets } from '../../core/config/credentials.js';
import { parseConfig } from '../../core/config/load.js';
import type { PoolConfigInput } from '../../core/config/schema.js';
import { buildTestApp, DAEMON_PASSWORD, difficulty } from './helpers.js';

const KEY = Wallet.createRandom();
const ETC = {
  symbol: 'ETC',
  network: 'mainnet' as const,
  poolAddress: KEY.address,
  daemons: [{ url: 'http://10.0.100.20:8545', user: 'pool', password: DAEMON_PASSWORD }],
  ports: [{ port: 8008, difficulty }],
  rewards: { feeWallets: [{ address: Wallet.createRandom().address }] },
  payouts: {
    contract: Wallet.createRandom().address,
    maxRecipients: 100,
    minimum: '100000000000000000',
    intervalSeconds: 600,
  },
};

function resources(t: Template, type: string): [string, Record<string, unknown>][] {
  return Object.entries(t.findResources(type)).map(([id, r]) => [
    id,
    (r as { Properties: Record<string, unknown> }).Properties,
  ]);
}

const fn = (t: Template, description: RegExp) =>
  resources(t, 'AWS::Lambda::Function').find(([, p]) => description.test(String(p.Description)))![1] as {
    Environment: { Variables: Record<string, unknown> };
    VpcConfig?: unknown;
  };

/**
 * The CDK app with an ETC coin (the ethereum chain family): its own stack with the stratum service behind the NLB,
 * the money Lambdas in the VPC with the node credentials' secret, and the pool key in the coin's PayoutWallet secret,
 * which only the payouts Lambda may read; a key written in the config is refused, and masked when printed.
 */
describe('ETC coin stack', () => {
  let t: Template;
  beforeAll(() => {
    const { stacks } = buildTestApp({ coins: [ETC] });
    t = Template.fromStack(stacks.coins[0]!);
  });

  it('serves the ETC port on the NLB', () => {
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 8008, Protocol: 'TCP' });
  });

  it('runs confirmation and payouts in the VPC with the node credentials from the DaemonRpc secret', () => {
    for (const d of [/confirms found blocks/, /pays confirmed balances/]) {
      const f = fn(t, d);
      expect(f.VpcConfig).toBeDefined();
      expect(f.Environment.Variables.DAEMON_SECRET_ARN).toMatchObject({ Ref: expect.stringMatching(/DaemonRpc/) });
      expect(JSON.stringify(f.Environment.Variables)).not.toContain(DAEMON_PASSWORD);
    }
  });

  it('gives the pool key secret (PayoutWallet) to the payouts Lambda only', () => {
    expect(fn(t, /pays confirmed balances/).Environment.Variables.PAYOUT_WALLET_SECRET_ARN).toMatchObject({
      Ref: expect.stringMatching(/PayoutWallet/),
    });
    expect(fn(t, /confirms found blocks/).Environment.Variables).not.toHaveProperty('PAYOUT_WALLET_SECRET_ARN');
    const readers = resources(t, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p).includes('PayoutWallet'));
    expect(readers).toHaveLength(1);
    expect(JSON.stringify(readers[0]![1].Roles)).toMatch(/Payouts/);
    // The secret is created empty of any key: the operator writes it after deploy.
    expect(JSON.stringify(t.toJSON())).not.toMatch(/0x[0-9a-fA-F]{64}/);
  });

  it('refuses a pool key written in the config, and `pool config check` masks it', () => {
    const withKey: PoolConfigInput = { coins: [{ ...ETC, payouts: { ...ETC.payouts, privateKey: KEY.privateKey } }] };
    expect(() => buildTestApp(withKey)).toThrow(/payouts\.privateKey is for local mode.*PayoutWallet secret/);
    const masked = maskSecrets(parseConfig(withKey));
    expect(masked.coins[0]!.payouts!.privateKey).toBe('***');
    expect(JSON.stringify(masked)).not.toContain(KEY.privateKey.slice(2));
  });
});
