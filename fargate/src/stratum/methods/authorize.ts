import { InvalidAddressError, StratumCode } from '../../../../core/errors.js';
import { type MethodHandler, StratumRefusal } from '../context.js';

const WORKER_NAME = /^[A-Za-z0-9_-]{0,64}$/;

/** Splits "address.worker" (the worker part is optional; "address_worker" is not split, addresses have no "."). */
export function parseUsername(username: string): { miner: string; worker: string } {
  const dot = username.indexOf('.');
  return dot < 0 ? { miner: username, worker: '' } : { miner: username.slice(0, dot), worker: username.slice(dot + 1) };
}

/** Reads `d=<number>` from a password like "x,d=512" or "d=0.5". */
export function passwordDifficulty(password: unknown): number | undefined {
  if (typeof password !== 'string') return undefined;
  const m = /(?:^|[,;\s])d=([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)(?:$|[,;\s])/i.exec(password);
  const d = m ? Number(m[1]) : Number.NaN;
  return Number.isFinite(d) && d > 0 ? d : undefined;
}

/** A refused authorize answers `false` with [24, reason]. */
function refuse(message: string): never {
  throw new StratumRefusal(StratumCode.Unauthorized, message, false);
}

/** mining.authorize [username, password] → true. The username's address must be valid for the coin and network. */
export const authorize: MethodHandler = (ctx, params) => {
  const [username, password] = params;
  if (typeof username !== 'string' || username.length === 0 || username.length > 200) {
    refuse('username must be "<payout address>[.<worker>]"');
  }
  const { miner, worker } = parseUsername(username.trim());
  if (!WORKER_NAME.test(worker)) {
    refuse('worker name: up to 64 letters, digits, "_" or "-"');
  }
  try {
    ctx.validateAddress(miner);
  } catch (err) {
    if (err instanceof InvalidAddressError) refuse(err.message);
    throw err;
  }
  const { session } = ctx;
  const first = !session.authorized;
  session.workers.set(username.trim(), { miner, worker });
  session.state = 'authorized';
  const wanted = passwordDifficulty(password);
  if (wanted !== undefined) session.requestedDifficulty = wanted;
  if (first) {
    const d = ctx.options.difficulty;
    const requested = session.requestedDifficulty;
    if (requested !== undefined) session.difficulty = Math.min(Math.max(requested, d.min), d.max);
    session.vardiff.reset(ctx.now());
    if (session.subscribed) queueMicrotask(() => ctx.sendWork(true));
  }
  ctx.log.info({ session: session.id, miner, worker, ip: session.remote.address }, 'worker authorized');
  return true;
};
