import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEVNET_READY_HEIGHT, devnetMine, startDevnet } from '../../local/devnet/index.js';

function litecoindProcessesUnder(dir: string): number {
  try {
    return execFileSync('pgrep', ['-f', `litecoind.*${dir}`])
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean).length;
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
}

describe('devnet', () => {
  let dir: string;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('starts two connected regtest nodes with MWEB active, resumes on restart, and leaves no process behind', async () => {
    dir = await mkdtemp(join(tmpdir(), 'devnet-test-'));
    const first = await startDevnet({ dataDir: dir });
    try {
      expect(await first.clientA.getBlockCount()).toBe(DEVNET_READY_HEIGHT);
      expect(await first.clientA.call<number>('getconnectioncount')).toBeGreaterThan(0);
      const template = (await first.clientA.getBlockTemplate(['mweb', 'segwit'])) as {
        mweb?: string;
        transactions: { data: string }[];
      };
      expect(typeof template.mweb).toBe('string');
      // the HogEx transaction is the template's last
      expect(template.transactions.length).toBeGreaterThan(0);
      const file = JSON.parse(await readFile(join(dir, 'devnet.json'), 'utf8'));
      expect(file.poolAddress).toBe(first.poolAddress);
      expect(file.poolAddress).toMatch(/^rltc1/);
      expect(file.rpc).toHaveLength(2);
      const mined = await devnetMine(dir, 5);
      expect(mined).toHaveLength(5);
      expect(await first.clientA.getBlockCount()).toBe(DEVNET_READY_HEIGHT + 5);
    } finally {
      await first.stop();
    }
    expect(litecoindProcessesUnder(dir)).toBe(0);
    await expect(devnetMine(dir, 1)).rejects.toThrow(/is not running/);

    const second = await startDevnet({ dataDir: dir });
    try {
      expect(await second.clientA.getBlockCount()).toBe(DEVNET_READY_HEIGHT + 5);
      expect(second.poolAddress).toBe(first.poolAddress);
    } finally {
      await second.stop();
    }
    expect(litecoindProcessesUnder(dir)).toBe(0);
  });
});
