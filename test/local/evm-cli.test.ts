import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HardhatNode, startHardhat } from '../helpers/hardhat.js';
import { poolCli } from '../helpers/pool-cli.js';

const pool = (args: string[], env: Record<string, string>) => poolCli(args, { POOL_EVM_KEY: '', ...env });

describe('pool evm deploy-payout-batch (Hardhat)', () => {
  let node: HardhatNode;
  beforeAll(async () => {
    node = await startHardhat();
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('deploys the PayoutBatch contract from the key in POOL_EVM_KEY and prints what the payouts block needs', async () => {
    const wallet = node.wallet(3);
    const res = await pool(['evm', 'deploy-payout-batch', '--rpc-url', node.url], { POOL_EVM_KEY: wallet.privateKey });
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as { contract: string; deploymentBlock: number; from: string };
    expect(out.from).toBe(wallet.address);
    expect(await node.provider.getCode(out.contract)).not.toBe('0x');
    const receiptBlock = await node.provider.getBlockNumber();
    expect(out.deploymentBlock).toBeGreaterThan(0);
    expect(out.deploymentBlock).toBeLessThanOrEqual(receiptBlock);
  });

  it('refuses to run without the key or the RPC URL, naming what is missing', async () => {
    const noKey = await pool(['evm', 'deploy-payout-batch', '--rpc-url', node.url], {});
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/POOL_EVM_KEY must hold/);
    const noUrl = await pool(['evm', 'deploy-payout-batch'], { POOL_EVM_KEY: node.wallet(3).privateKey });
    expect(noUrl.code).toBe(1);
    expect(noUrl.stderr).toMatch(/--rpc-url/);
  });
});
