import { JobManager, type JobManagerOptions } from '../../../fargate/src/jobs/job-manager.js';
import { FakeDaemons, fixture, ltc, poolAddress, recordingLogger } from './fakes.js';

/**
 * The tests' common job manager: LTC regtest paying `poolAddress`, on FakeDaemons (set `daemons.templates` before
 * the first refresh; the MWEB fixture by default), its clock 5 s after the fixture's time, no long poll; `overrides`
 * on top. The caller stops it.
 */
export function fixtureJobManager(overrides: Partial<JobManagerOptions> = {}) {
  const daemons = new FakeDaemons();
  const logger = recordingLogger();
  const manager = new JobManager({
    coin: ltc,
    network: 'regtest',
    poolAddress,
    daemons,
    logger,
    now: () => (fixture.curtime + 5) * 1000,
    longPoll: false,
    ...overrides,
  });
  return { daemons, logger, manager };
}
