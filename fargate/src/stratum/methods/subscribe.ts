import { StratumCode, StratumError } from '../../../../core/errors.js';
import type { JobProvider } from '../../jobs/types.js';
import { userAgent } from '../address-cache.js';
import { clientKey } from '../ban-policy.js';
import type { MethodHandler } from '../context.js';

/**
 * mining.subscribe [userAgent?, sessionId?] → [[["mining.set_difficulty", id], ["mining.notify", id]], extranonce1,
 * extranonce2_size]. The session id is the extranonce1: a miner reconnecting with it gets the same extranonce1 back
 * (if no one else has it and it comes from the same client), so work in flight stays valid.
 * Once per connection: a second subscribe is refused (20) and counts toward the malformed-request ban, since all it
 * could do is make the pool send the job again.
 */
export const subscribe =
  (jobs: Pick<JobProvider, 'extranonce2Size'>): MethodHandler =>
  (ctx, params) => {
    const { session } = ctx;
    if (session.subscribed) {
      ctx.onMalformed();
      throw new StratumError(StratumCode.Other, 'already subscribed');
    }
    const [agent, resumeId] = params;
    if (typeof agent === 'string') session.userAgent = userAgent(agent.slice(0, 128));
    if (!session.extranonce1) {
      const resumed =
        typeof resumeId === 'string'
          ? ctx.extranonces.resume(resumeId.toLowerCase(), ctx.now(), clientKey(session.remote.address))
          : undefined;
      session.extranonce1 = resumed ?? ctx.extranonces.allocate(ctx.now());
    }
    session.subscribed = true;
    const sid = session.extranonce1;
    // Work goes out after the response, once the miner knows its extranonce1 (authorize may already have happened).
    if (session.authorized) ctx.sendWork(true);
    return [
      [
        ['mining.set_difficulty', sid],
        ['mining.notify', sid],
      ],
      sid,
      jobs.extranonce2Size,
    ];
  };
