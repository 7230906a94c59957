import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/config/load.js';
import { auxCoinsOf } from '../../../core/config/merged.js';
import { bitcoinJobs, bitcoinStratum } from '../../../families/bitcoin/stratum.js';
import type { JobSource } from '../../../families/chain-family.js';
import { mineSubmission } from '../../fargate/jobs/devnet-jobs.js';
import { recordingLogger } from '../../fargate/jobs/fakes.js';
import { withDevnet } from '../../helpers/devnet.js';
import { withDogeStandin } from '../../helpers/doge-standin.js';

/**
 * The Bitcoin family's job source as the stratum runtimes start it, from a config where DOGE is merged with LTC:
 * LTC on the regtest litecoind devnet, DOGE on the stand-in DOGE node (local/devnet: verifies AuxPoW by Dogecoin's
 * rules; not a real dogecoind). One share found by the test miner is an LTC block and a DOGE block: litecoind and
 * the stand-in both accept theirs.
 */
describe('LTC merged with the stand-in DOGE node, through the family job source', () => {
  const ltc = withDevnet();
  const doge = withDogeStandin();
  let jobs: JobSource | undefined;

  beforeAll(async () => {
    const d = doge.get();
    const config = parseConfig({
      coins: [
        {
          symbol: 'LTC',
          network: 'regtest',
          poolAddress: ltc.get().poolAddress,
          daemons: ltc.get().rpc,
          ports: [{ port: 0, difficulty: { initial: 0.01, min: 0.001, max: 1000 } }],
          jobs: { longPoll: false },
        },
        {
          symbol: 'DOGE',
          network: 'regtest',
          mergedWith: 'LTC',
          poolAddress: d.poolAddress,
          daemons: [{ url: d.url, user: d.rpcUser, password: d.rpcPassword }],
        },
      ],
    });
    jobs = await bitcoinStratum.startJobs({
      config,
      coin: config.coins[0]!,
      network: 'regtest',
      extranonce1Size: 4,
      auxCoins: auxCoinsOf(config, 'LTC'),
      log: recordingLogger(),
      now: Date.now,
    });
  });
  afterAll(() => jobs?.stop());

  it('a share that is an LTC block is a DOGE block too: both nodes accept theirs', async () => {
    const manager = bitcoinJobs(jobs!);
    const job = manager.current()!;
    expect(job.coinb1).toContain('fabe6d6d');
    const dogeHeight = await doge.get().client.getBlockCount();
    let found: Awaited<ReturnType<typeof manager.checkShare>> | undefined;
    for (let n = 1; n < 64 && !(found?.ok && found.block); n++) {
      const o = { extranonce1: '0badc0de', extranonce2: n.toString(16).padStart(8, '0'), difficulty: 0.001 };
      found = await manager.checkShare(mineSubmission(job, { ...o, miner: ltc.get().poolAddress, worker: 'm' }).share);
    }
    if (!found?.ok || !found.block) throw new Error('no LTC block in 64 shares');
    expect(found.block.submitResult).toBe('accepted');
    expect(found.auxBlocks).toHaveLength(1);
    const aux = found.auxBlocks![0]!;
    expect(aux).toMatchObject({ coin: 'DOGE', height: dogeHeight + 1, submitResult: 'accepted' });
    expect(await doge.get().client.getBlockCount()).toBe(dogeHeight + 1);
    expect(await doge.get().client.call<string>('getbestblockhash')).toBe(aux.hash);
  });
});
