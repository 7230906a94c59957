import type { JobProvider } from '../jobs/types.js';
import { methodTable, type StratumDialect } from './context.js';
import { authorize } from './methods/authorize.js';
import { configure } from './methods/configure.js';
import { extranonceSubscribe } from './methods/extranonce-subscribe.js';
import { getTransactions, getVersion } from './methods/misc.js';
import { submit } from './methods/submit.js';
import { subscribe } from './methods/subscribe.js';
import { suggestDifficulty, suggestTarget } from './methods/suggest-difficulty.js';
import { notifyLine, stratumWork } from './notify-line.js';
import { encodeNotification, STRATUM_WIRE } from './protocol.js';

const RECONNECT = encodeNotification('client.reconnect', []);

/**
 * Stratum V1 (the Bitcoin family's dialect) on a job source of coinbase/merkle jobs: mining.set_difficulty when the
 * session's difficulty changed, then mining.notify. It is a port's only dialect, so it opens with any request.
 */
export function stratumV1(jobs: JobProvider): StratumDialect {
  return {
    name: 'stratum-v1',
    opens: () => true,
    methods: methodTable({
      'mining.subscribe': subscribe(jobs),
      'mining.authorize': authorize,
      'mining.configure': configure(jobs),
      'mining.submit': submit(jobs),
      'mining.suggest_difficulty': suggestDifficulty,
      'mining.suggest_target': suggestTarget,
      // Antminer bmminer (stock S9-era firmware) sends it after authorize: Bitmain's version rolling before BIP310.
      // Answered "not supported" (mining.configure is how version bits are agreed), never counted as malformed: a
      // farm behind one NAT would otherwise be banned by its own reconnects.
      'mining.multi_version': () => false,
      'mining.extranonce.subscribe': extranonceSubscribe,
      'mining.get_transactions': getTransactions,
      'client.get_version': getVersion,
    }),
    submitMethods: new Set(['mining.submit']),
    wire: STRATUM_WIRE,
    work: (session, clean) => {
      const job = jobs.current();
      if (!job) return undefined;
      // Proxy mining: vardiff never takes a connection below the upstream's difficulty (the floor follows it).
      if (job.minDifficulty !== undefined && session.difficulty < job.minDifficulty)
        session.difficulty = job.minDifficulty;
      return stratumWork(session, job.jobId, session.difficulty, notifyLine(job, clean || job.cleanJobs));
    },
    reconnectLine: () => RECONNECT,
  };
}
