import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCoin } from '../../../core/coins/index.js';
import { JobManager } from '../../../fargate/src/jobs/job-manager.js';
import type { DaemonCluster, TemplateDaemon } from '../../../fargate/src/jobs/ports.js';
import type { ShareSubmission, StratumJob } from '../../../fargate/src/jobs/types.js';
import { mineShare } from '../../helpers/scrypt-miner.js';
import { recordingLogger } from './fakes.js';

/**
 * The job manager against two real regtest litecoind nodes with MWEB active (local/devnet). Skipped until the devnet
 * module exists in the tree.
 */

interface DevnetClient extends TemplateDaemon {
  submitBlock(hex: string): Promise<string | null>;
  getBlockchainInfo(): Promise<{ bestblockhash: string; blocks: number }>;
  call?<T>(method: string, params?: unknown[]): Promise<T>;
}
interface Devnet {
  poolAddress: string;
  clientA: DevnetClient;
  clientB: DevnetClient;
  mine(n: number, address?: string): Promise<unknown>;
  stop(): Promise<void>;
}

const devnetModule = new URL('../../../local/devnet/index.ts', import.meta.url);
const EN1 = '0badc0de';
const DIFFICULTY = 0.001; // share target ≈ 2^250: a few dozen scrypt hashes, and below regtest's 7fffff… network target

describe.skipIf(!existsSync(devnetModule))('JobManager on a regtest litecoind devnet', () => {
  let devnet: Devnet;
  let manager: JobManager;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'jobs-devnet-'));
    const { startDevnet } = (await import(devnetModule.href)) as {
      startDevnet(o: { dataDir: string }): Promise<Devnet>;
    };
    devnet = await startDevnet({ dataDir });
    const clients = [devnet.clientA, devnet.clientB];
    const daemons: DaemonCluster = {
      primary: () => devnet.clientA,
      submitBlockEverywhere: (hex) => Promise.allSettled(clients.map((c) => c.submitBlock(hex))),
    };
    manager = new JobManager({
      coin: getCoin('LTC'),
      network: 'regtest',
      poolAddress: devnet.poolAddress,
      daemons,
      logger: recordingLogger(),
      now: Date.now,
      longPoll: true,
    });
    await manager.start();
  });

  afterAll(async () => {
    manager?.stop();
    await devnet?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function submit(job: StratumJob, extranonce2: string): ShareSubmission {
    const mined = mineShare({ job, extranonce1: EN1, extranonce2, difficulty: DIFFICULTY });
    return {
      jobId: job.jobId,
      extranonce1: EN1,
      extranonce2,
      ntime: mined.ntime,
      nonce: mined.nonce,
      difficulty: DIFFICULTY,
      miner: devnet.poolAddress,
      worker: 'it',
    };
  }

  it('mines a share that is a block litecoind accepts, paying the pool address', async () => {
    const job = manager.current()!;
    expect(job).toBeDefined();
    const before = await devnet.clientA.getBlockchainInfo();
    const share = submit(job, '00000001');
    const result = await manager.checkShare(share);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.block?.submitResult).toBe('accepted');
    const after = await devnet.clientA.getBlockchainInfo();
    expect(after.blocks).toBe(before.blocks + 1);
    expect(after.bestblockhash).toBe(result.block!.hash);

    // a resend of the same share is a duplicate, even after the block moved the chain on
    expect(await manager.checkShare(share)).toMatchObject({ ok: false, code: 22 });
  });

  it('gives a clean job on the new tip and calls shares for the old job stale', async () => {
    const old = manager.current()!;
    await devnet.mine(1);
    await manager.refresh();
    const fresh = manager.current()!;
    expect(fresh.height).toBeGreaterThan(old.height);
    expect(await manager.checkShare(submit(old, '00000002'))).toMatchObject({ ok: false, code: 21 });
    expect((await manager.checkShare(submit(fresh, '00000003'))).ok).toBe(true);
  });

  it('rejects a share above the share target with 23', async () => {
    const job = manager.current()!;
    const share = submit(job, '00000004');
    expect(await manager.checkShare({ ...share, difficulty: 1e12 })).toMatchObject({ ok: false, code: 23 });
  });
});
