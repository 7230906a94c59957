// The scrypt share path end to end in one process: a real JobManager on a Litecoin template, the native scrypt batch
// behind its turn hasher, the stratum server over TCP. A miner that sends two shares in one write gets both checked in
// the turn they arrive, hashed in one batch, queued and answered `true` in order.
import { afterEach, describe, expect, it } from 'vitest';
import { validateAddress } from '../../../core/coins/index.js';
import { scryptBatch, turnHasher } from '../../../fargate/src/hashing/index.js';
import { TurnBatchHasher } from '../../../fargate/src/hashing/turn-batch.js';
import type { PortDifficulty } from '../../../fargate/src/stratum/context.js';
import { jobFromNotify, mineShare } from '../../helpers/scrypt-miner.js';
import { fixture, ltc, poolAddress } from '../jobs/fakes.js';
import { fixtureJobManager } from '../jobs/fixture-manager.js';
import { startTcp } from './tcp-harness.js';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** A share in a few dozen scrypt hashes, below the fixture's network target (no share is a block). */
const DIFFICULTY = 0.001;
const PORT: PortDifficulty = {
  initial: DIFFICULTY,
  min: DIFFICULTY,
  max: DIFFICULTY,
  targetShareSeconds: 10,
  retargetSeconds: 60,
  variancePercent: 30,
};

describe('the scrypt share path over TCP (real JobManager, native scrypt batch)', () => {
  // Always the turn's batch: both shares in one. The default: the first share of the write finds a loop that slept
  // (waiting for it) and is hashed at once; the second, with no sleep since, waits for the turn's batch.
  it.each([
    ['always waits for the turn', { idleMs: Number.POSITIVE_INFINITY }, [2]],
    ['hashes at once when idle (the default)', {}, [1, 1]],
  ] as const)(
    'checks two shares of one write in the same turn, answers both true in order (%s)',
    async (_, options, expected) => {
      const batches: number[] = [];
      const { manager: jobs, daemons } = fixtureJobManager({
        powHash: turnHasher(
          new TurnBatchHasher((headers) => {
            batches.push(headers.length);
            return scryptBatch(headers);
          }, options),
        ),
      });
      daemons.templates = [{ ...fixture, bits: '1d00ffff' }];
      await jobs.refresh();
      cleanup.push(() => jobs.stop());
      const { client, queue } = await startTcp((fn) => cleanup.push(fn), {
        over: { coin: ltc, network: 'regtest', difficulty: PORT },
        deps: { jobs, validateAddress: (a) => validateAddress(ltc, 'regtest', a) },
      });
      const c = await client();
      const user = `${poolAddress}.rig1`;
      const sub = await c.request(1, 'mining.subscribe', ['test/1.0']);
      await c.request(2, 'mining.authorize', [user, 'x']);
      const job = jobFromNotify((await c.notification('mining.notify')).params as unknown[]);
      const extranonce1 = (sub.result as [unknown, string])[1];
      const line = (id: number, extranonce2: string) => {
        const mined = mineShare({ job, extranonce1, extranonce2, difficulty: DIFFICULTY });
        const params = [user, mined.jobId, mined.extranonce2, mined.ntime, mined.nonce];
        return `${JSON.stringify({ id, method: 'mining.submit', params })}\n`;
      };
      c.raw(line(3, '00000001') + line(4, '00000002'));
      await c.waitFor(() => c.responses.length === 4, 'both answers');
      expect(c.responses.slice(2).map((r) => [r.id, r.result, r.error])).toEqual([
        [3, true, null],
        [4, true, null],
      ]);
      expect(batches).toEqual(expected);
      expect(queue.shares.map((s) => [s.worker, s.difficulty])).toEqual([
        ['rig1', DIFFICULTY],
        ['rig1', DIFFICULTY],
      ]);
    },
  );
});
