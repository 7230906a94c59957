import { afterAll, beforeAll } from 'vitest';
import type { DaemonEndpoint } from '../../../adapters/rpc/daemon-client.js';
import { DaemonPool } from '../../../adapters/rpc/daemon-pool.js';
import { getCoin, type NetworkName } from '../../../core/coins/index.js';
import { JobManager } from '../../../fargate/src/jobs/job-manager.js';
import type { ShareSubmission, StratumJob } from '../../../fargate/src/jobs/types.js';
import { ALGORITHMS, type MinerAlgorithm, mineShare } from '../../helpers/scrypt-miner.js';
import { recordingLogger } from './fakes.js';

interface DevnetJobsSpec {
  coin: string;
  network: NetworkName;
  poolAddress: string;
  rpc: readonly DaemonEndpoint[];
}

/**
 * startDevnetJobs before the file's tests (after `prepare`, e.g. putting transactions in the mempool), stopped after
 * them. Call after the devnet's own hook (withDevnet / withBtcDevnet), which `spec` reads.
 */
export function withDevnetJobs(
  spec: () => DevnetJobsSpec,
  prepare?: () => Promise<void>,
): () => { manager: JobManager; daemons: DaemonPool } {
  let started: Awaited<ReturnType<typeof startDevnetJobs>> | undefined;
  beforeAll(async () => {
    await prepare?.();
    started = await startDevnetJobs(spec());
  });
  afterAll(() => started?.stop());
  return () => {
    if (!started) throw new Error('job manager not started');
    return started;
  };
}

/** A JobManager on real devnet daemons through a DaemonPool, long polling, started: what a stratum server runs. */
export async function startDevnetJobs(
  o: DevnetJobsSpec,
): Promise<{ manager: JobManager; daemons: DaemonPool; stop: () => void }> {
  const daemons = new DaemonPool(o.rpc, recordingLogger());
  await daemons.start();
  const manager = new JobManager({
    coin: getCoin(o.coin),
    network: o.network,
    poolAddress: o.poolAddress,
    daemons,
    logger: recordingLogger(),
    now: Date.now,
    longPoll: true,
  });
  await manager.start();
  return {
    manager,
    daemons,
    stop: () => {
      manager.stop();
      daemons.stop();
    },
  };
}

/** A share of `job` mined by the test miner, as mining.submit hands it to the job manager, and its hash value. */
export function mineSubmission(
  job: StratumJob,
  o: { extranonce1: string; extranonce2: string; difficulty: number; miner: string; worker: string },
  algorithm: MinerAlgorithm = 'scrypt',
): { share: ShareSubmission; hashValue: bigint } {
  const mined = mineShare({ job, ...o, ...ALGORITHMS[algorithm] });
  const { extranonce1, extranonce2, difficulty, miner, worker } = o;
  return {
    share: {
      jobId: job.jobId,
      extranonce1,
      extranonce2,
      ntime: mined.ntime,
      nonce: mined.nonce,
      difficulty,
      miner,
      worker,
    },
    hashValue: mined.hashValue,
  };
}
