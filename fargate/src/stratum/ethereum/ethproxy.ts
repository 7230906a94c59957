import { StratumCode, StratumError } from '../../../../core/errors.js';
import { boundaryOf } from '../../jobs/ethereum/job-book.js';
import type { EthJob, EthJobProvider } from '../../jobs/ethereum/types.js';
import { type MethodHandler, methodTable, type StratumDialect, StratumRefusal } from '../context.js';
import { authorize, parseUsername } from '../methods/authorize.js';
import { rejectShare } from '../methods/submit.js';
import type { RequestId, WireFormat } from '../protocol.js';
import type { Session } from '../session.js';
import { hashParam, malformedShare, submitEthShare } from './share.js';

const NONCE = /^0x[0-9a-fA-F]{16}$/;

/** JSON-RPC 2.0 as EthProxy miners read it (open-ethereum-pool docs/STRATUM.md): errors as {code, message}. */
export const JSONRPC2_WIRE: WireFormat = Object.freeze({
  result: (id: RequestId, result: unknown) => `${JSON.stringify({ id, jsonrpc: '2.0', result })}\n`,
  error: (id: RequestId, code: number, message: string, result: unknown = null) =>
    `${JSON.stringify({ id, jsonrpc: '2.0', result, error: { code, message } })}\n`,
  notification: (method: string, params: unknown[]) => `${JSON.stringify({ jsonrpc: '2.0', method, params })}\n`,
});

const hex = (n: bigint | number) => `0x${n.toString(16)}`;

/**
 * The work as eth_getWork answers it: [seal hash, seed hash, boundary of the session's share difficulty, block number]
 * (the 4th element as geth gives it). The boundary is 2^256 / difficulty as 32 bytes: a difficulty below 2 would not
 * fit (2^256), so the boundary is capped at 2^256 − 1 (reference §1.7).
 */
function workOf(job: EthJob, session: Session): string[] {
  const boundary = boundaryOf(session.difficulty);
  const capped = boundary >= 1n << 256n ? (1n << 256n) - 1n : boundary;
  return [`0x${job.headerHash}`, `0x${job.seedHash}`, `0x${capped.toString(16).padStart(64, '0')}`, hex(job.height)];
}

/** The logged-in worker: EthProxy submits name none, the connection's login is the worker. */
function loggedIn(session: Session): { miner: string; worker: string } {
  const who = session.workers.values().next().value;
  if (!who) throw new StratumRefusal(StratumCode.Unauthorized, 'not logged in (eth_submitLogin first)', false);
  return who;
}

/**
 * eth_submitLogin [address(.worker), password?] → true. The worker is the part after the first ".", else the
 * request's top-level "worker" (ethminer). Once per connection: a login names the connection's only worker.
 */
const submitLogin: MethodHandler = (ctx, params, id, request) => {
  const [login, password] = params;
  const { session } = ctx;
  if (session.authorized) {
    ctx.onMalformed();
    throw new StratumRefusal(StratumCode.Other, 'already logged in', false);
  }
  let username = typeof login === 'string' ? login.trim() : login;
  if (typeof username === 'string' && request.worker !== undefined && parseUsername(username).worker === '') {
    username = `${username}.${request.worker.trim()}`;
  }
  const ok = authorize(ctx, [username, password], id, request);
  session.subscribed = true; // EthProxy has no subscribe: the login opens the session
  return ok;
};

/** eth_getWork [] → [seal hash, seed hash, boundary, block number]; the job counts as sent at this difficulty. */
function getWork(jobs: EthJobProvider): MethodHandler {
  return (ctx) => {
    loggedIn(ctx.session);
    const job = jobs.current();
    if (!job) throw new StratumError(StratumCode.Other, 'work not ready');
    ctx.session.announcedDifficulty = ctx.session.difficulty;
    ctx.session.noteJobSent(job.jobId);
    return workOf(job, ctx.session);
  };
}

/**
 * eth_submitWork [nonce, seal hash, mix digest] → true. Formats are checked before anything is hashed: nonce 0x + 16
 * hex, hashes 0x + 64 hex (any case; compared lower-case, so a case variant is the same share). A refusal answers
 * `false` with the reason (code 21 stale, 22 duplicate, 23 low difficulty, 20 invalid or malformed).
 */
function submitWork(jobs: EthJobProvider): MethodHandler {
  return async (ctx, params) => {
    try {
      const who = ctx.session.workers.values().next().value;
      if (!who) rejectShare(ctx, StratumCode.Unauthorized, 'not logged in (eth_submitLogin first)', 'unauthorized');
      const [nonce, headerHash, mix] = params;
      if (typeof nonce !== 'string' || !NONCE.test(nonce))
        malformedShare(ctx, 'nonce must be 0x + 16 hex characters', who!);
      const header = hashParam(ctx, headerHash, 'header hash', who!);
      const mixDigest = hashParam(ctx, mix, 'mix digest', who!);
      const nonceHex = (nonce as string).slice(2).toLowerCase();
      return await submitEthShare(ctx, jobs, who!, { headerHash: header, nonce: nonceHex, mixDigest });
    } catch (err) {
      // EthProxy miners read `result: false` as a rejected share; the error says why.
      if (err instanceof StratumError && !(err instanceof StratumRefusal)) {
        throw new StratumRefusal(err.stratumCode, err.message, false);
      }
      throw err;
    }
  };
}

/**
 * EthProxy ("stratum1", open-ethereum-pool's stratum): JSON-RPC 2.0 lines with eth_* methods, what every etchash
 * miner speaks. Work goes out as eth_getWork answers and, on a new job or difficulty, as an eth_getWork-shaped result
 * with id 0 (how lolMiner, T-Rex and PhoenixMiner take pushed work). Opens with any eth_* request.
 */
export function ethProxy(jobs: EthJobProvider): StratumDialect {
  return {
    name: 'ethproxy',
    opens: (request) => request.method.startsWith('eth_'),
    methods: methodTable({
      eth_submitLogin: submitLogin,
      eth_login: submitLogin, // some proxies' spelling
      eth_getWork: getWork(jobs),
      eth_submitWork: submitWork(jobs),
      // Reported hashrate is the miner's own claim: acknowledged, never used (the pool measures it from shares).
      eth_submitHashrate: () => true,
    }),
    submitMethods: new Set(['eth_submitWork']),
    wire: JSONRPC2_WIRE,
    work: (session, _clean) => {
      const job = jobs.current();
      if (!job) return undefined;
      session.announcedDifficulty = session.difficulty;
      return { jobId: job.jobId, lines: [JSONRPC2_WIRE.result(0, workOf(job, session))] };
    },
  };
}
