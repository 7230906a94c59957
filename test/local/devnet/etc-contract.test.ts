import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { type EtcDevnetFile, etcDevnetFile, startEtcDevnet } from '../../../local/devnet/core-geth.js';
import { withEtcDevnet } from '../../helpers/etc-devnet.js';

/** npm start's ETC devnet deploys the PayoutBatch contract its payouts go through, once. */
describe('the ETC devnet with the payout contract', () => {
  const net = withEtcDevnet({ payoutContract: true });

  it('deploys PayoutBatch from the pool key at the first start and names it in devnet-etc.json', async () => {
    const devnet = net.get();
    expect(devnet.payoutContract).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const code = await devnet.nodeB.client.call<string>('eth_getCode', [devnet.payoutContract, 'latest']);
    expect(code.length).toBeGreaterThan(100);
    const file = JSON.parse(await readFile(etcDevnetFile(net.dataDir()), 'utf8')) as EtcDevnetFile;
    expect(file.payoutContract).toBe(devnet.payoutContract);
    // the pool key paid the deployment's gas from its genesis float (blocks mined meanwhile paid it 5 ETC each)
    const nonce = await devnet.nodeA.client.call<string>('eth_getTransactionCount', [devnet.poolAddress, 'latest']);
    expect(Number(nonce)).toBe(1);
  });

  it('a restart finds the contract in the chain and deploys nothing', async () => {
    const before = net.get();
    const height = await before.nodeA.client.blockNumber();
    const again = await startEtcDevnet({ dataDir: net.dataDir(), payoutContract: true });
    try {
      expect(again.payoutContract).toBe(before.payoutContract);
      expect(await again.nodeA.client.blockNumber()).toBe(height);
    } finally {
      await again.stop();
    }
  });
});
