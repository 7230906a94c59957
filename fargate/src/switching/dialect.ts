import type { JobMultiplexer } from '../jobs/multiplex.js';
import type { StratumDialect } from '../stratum/context.js';
import type { Session } from '../stratum/session.js';
import { stratumV1 } from '../stratum/stratum-v1.js';

/**
 * Stratum V1 on a switching port's multiplexer: the first work a connection gets for another coin than its last
 * carries mining.set_difficulty again, in the new coin's scale (the session's difficulty times the new coin's stratum
 * multiplier over the old one's: the same hashes per share; the coins of one algorithm usually share the multiplier,
 * and then it is the same number, announced again so the miner is told the new coin's scale without a reconnect).
 */
export function switchingStratumV1(mux: JobMultiplexer, multiplierOf: (coin: string) => number): StratumDialect {
  const base = stratumV1(mux);
  const coinOf = new WeakMap<Session, string>();
  return {
    ...base,
    work: (session, clean) => {
      const coin = mux.currentName;
      const last = coinOf.get(session);
      if (last !== undefined && last !== coin) {
        session.difficulty = (session.difficulty * multiplierOf(coin)) / multiplierOf(last);
        session.announcedDifficulty = undefined;
      }
      const work = base.work(session, clean);
      if (work) coinOf.set(session, coin);
      return work;
    },
  };
}
