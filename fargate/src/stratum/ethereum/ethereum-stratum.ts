import { StratumCode, StratumError } from '../../../../core/errors.js';
import type { EthJob, EthJobProvider } from '../../jobs/ethereum/types.js';
import { type MethodHandler, methodTable, type StratumDialect } from '../context.js';
import { authorize } from '../methods/authorize.js';
import { extranonceSubscribe } from '../methods/extranonce-subscribe.js';
import { getVersion } from '../methods/misc.js';
import { rejectShare } from '../methods/submit.js';
import { jobLine, stratumWork } from '../notify-line.js';
import { encodeNotification, STRATUM_WIRE } from '../protocol.js';
import { malformedShare, submitEthShare } from './share.js';

export const PROTOCOL = 'EthereumStratum/1.0.0';
/** ES/1 difficulty 1 is 2^32 hashes (the unit pools use; NiceHash's spec names the Bitcoin target, 65536/65535 off). */
export const ES1_DIFFICULTY_UNIT = 2 ** 32;
const RECONNECT = encodeNotification('client.reconnect', []);
const HEX = /^(?:0x)?([0-9a-fA-F]+)$/;

/** mining.notify of a job: the same bytes for every connection, encoded once per clean flag. */
function notifyLine(job: EthJob, clean: boolean): Buffer {
  return jobLine(job, clean, encodeEthNotify);
}

function encodeEthNotify(job: EthJob, clean: boolean): string {
  return encodeNotification('mining.notify', [job.jobId, job.seedHash, job.headerHash, clean]);
}

/**
 * mining.subscribe [agent, "EthereumStratum/1.0.0"] → [["mining.notify", id, "EthereumStratum/1.0.0"], extranonce].
 * The extranonce (3 bytes) is the connection's: miners vary the rest of the 8-byte nonce, so no two connections of
 * the process hash the same nonces. Once per connection.
 */
const subscribe: MethodHandler = (ctx, params) => {
  const { session } = ctx;
  if (session.subscribed) {
    ctx.onMalformed();
    throw new StratumError(StratumCode.Other, 'already subscribed');
  }
  const [agent, protocol] = params;
  if (protocol !== undefined && protocol !== null && protocol !== PROTOCOL) {
    ctx.onMalformed();
    throw new StratumError(StratumCode.Other, `unsupported protocol; this port speaks ${PROTOCOL} and EthProxy`);
  }
  if (typeof agent === 'string') session.userAgent = agent.slice(0, 128);
  session.extranonce1 ||= ctx.extranonces.allocate(ctx.now());
  session.subscribed = true;
  if (session.authorized) ctx.sendWork(true);
  return [['mining.notify', session.extranonce1, PROTOCOL], session.extranonce1];
};

/**
 * mining.submit [worker, jobId, minerNonce] → true. The full nonce is extranonce ‖ minerNonce (8 bytes); a miner that
 * sends all 16 hex characters must start them with its extranonce. No mix is sent: the pool computes it.
 */
function submit(jobs: EthJobProvider): MethodHandler {
  return async (ctx, params) => {
    const { session } = ctx;
    if (!session.subscribed) rejectShare(ctx, StratumCode.NotSubscribed, 'not subscribed', 'not-subscribed');
    const [username, jobId, minerNonce] = params;
    const who = typeof username === 'string' ? session.workers.get(username.trim()) : undefined;
    if (!who) rejectShare(ctx, StratumCode.Unauthorized, 'unauthorized worker', 'unauthorized');
    if (typeof jobId !== 'string' || jobId.length === 0 || jobId.length > 64) {
      malformedShare(ctx, 'job id must be a string', who!);
    }
    const en = session.extranonce1;
    const digits = typeof minerNonce === 'string' ? HEX.exec(minerNonce)?.[1]?.toLowerCase() : undefined;
    const nonce =
      digits?.length === 16 - en.length ? en + digits : digits?.length === 16 && digits.startsWith(en) ? digits : '';
    if (!nonce)
      malformedShare(ctx, `nonce must be ${16 - en.length} hex characters (after the extranonce ${en})`, who!);
    return submitEthShare(ctx, jobs, who!, { jobId: jobId as string, nonce });
  };
}

/**
 * EthereumStratum/1.0.0 (NiceHash's spec, "stratum2"): Stratum's JSON-RPC 1.0 lines, an extranonce per connection,
 * mining.set_difficulty in units of 2^32 hashes before the first job, mining.notify [jobId, seed, header, clean]
 * (hex without 0x), mining.submit without the mix. The extranonce never changes during a connection, so
 * mining.set_extranonce is never sent (mining.extranonce.subscribe is accepted). Opens with any mining.* request.
 */
export function ethereumStratum(jobs: EthJobProvider): StratumDialect {
  return {
    name: 'ethereumstratum/1.0.0',
    opens: (request) => request.method.startsWith('mining.'),
    methods: methodTable({
      'mining.subscribe': subscribe,
      'mining.authorize': authorize,
      'mining.extranonce.subscribe': extranonceSubscribe,
      'mining.submit': submit(jobs),
      'client.get_version': getVersion,
    }),
    submitMethods: new Set(['mining.submit']),
    wire: STRATUM_WIRE,
    work: (session, clean) => {
      const job = jobs.current();
      if (!job) return undefined;
      const wire = session.difficulty / ES1_DIFFICULTY_UNIT;
      return stratumWork(session, job.jobId, wire, notifyLine(job, clean || job.cleanJobs));
    },
    reconnectLine: () => RECONNECT,
  };
}
