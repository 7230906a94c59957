import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HardhatNode, startHardhat } from '../helpers/hardhat.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '../../bin/pool.mjs');

async function pool(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      env: { ...process.env, NODE_NO_WARNINGS: '1', POOL_EVM_KEY: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

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
