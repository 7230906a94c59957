import { InvalidAddressError, StratumCode } from '../../../../core/errors.js';
import { type MethodContext, type MethodHandler, StratumRefusal } from '../context.js';

const WORKER_NAME = /^[A-Za-z0-9_-]{0,64}$/;
/** Workers one connection may authorize (a proxy opens more connections for more): each one is kept in memory. */
export const MAX_WORKERS_PER_CONNECTION = 64;

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

/**
 * Merged mining: the aux payout addresses in a password, `<aux symbol in lower case>=<address>` among the other
 * comma-, semicolon- or space-separated items ("x,d=512,doge=D…,pep=P…"). Keys that are no aux coin of the port's coin
 * are other pools' conventions and ignored. Each address must be valid on its coin's network: a bad one refuses the
 * authorize naming the coin (a miner who meant to be paid there must hear it now, not after weeks of accrual).
 */
function passwordAuxAddresses(ctx: MethodContext, password: unknown): Record<string, string> | undefined {
  if (!ctx.auxCoins || ctx.auxCoins.size === 0 || typeof password !== 'string') return undefined;
  let found: Record<string, string> | undefined;
  for (const item of password.split(/[,;\s]+/)) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const aux = ctx.auxCoins.get(item.slice(0, eq).toLowerCase());
    if (!aux) continue;
    const given = item.slice(eq + 1);
    try {
      found = { ...found, [aux.coin]: aux.validate(given) };
    } catch (err) {
      if (!(err instanceof InvalidAddressError)) throw err;
      refuse(ctx, `${aux.coin} payout address in the password (${aux.coin.toLowerCase()}=…): ${err.message}`);
    }
  }
  return found;
}

/** A refused authorize answers `false` with [24, reason], and counts toward the malformed-request ban. */
function refuse(ctx: MethodContext, message: string): never {
  ctx.onMalformed();
  throw new StratumRefusal(StratumCode.Unauthorized, message, false);
}

/** mining.authorize [username, password] → true. The username's address must be valid for the coin and network. */
export const authorize: MethodHandler = (ctx, params) => {
  const [username, password] = params;
  if (typeof username !== 'string' || username.length === 0 || username.length > 200) {
    refuse(ctx, 'username must be "<payout address>[.<worker>]"');
  }
  const { miner: address, worker } = parseUsername(username.trim());
  if (!WORKER_NAME.test(worker)) {
    refuse(ctx, 'worker name: up to 64 letters, digits, "_" or "-"');
  }
  let miner: string;
  try {
    // The server's check remembers each address's canonical spelling, flat, one string for every connection naming
    // it (stratum/address-cache.ts).
    miner = ctx.validateAddress(address);
  } catch (err) {
    if (err instanceof InvalidAddressError) refuse(ctx, err.message);
    throw err;
  }
  const { session } = ctx;
  if (!session.workers.has(username.trim()) && session.workers.size >= MAX_WORKERS_PER_CONNECTION) {
    refuse(ctx, `at most ${MAX_WORKERS_PER_CONNECTION} workers per connection`);
  }
  const auxAddresses = passwordAuxAddresses(ctx, password);
  const first = !session.authorized;
  session.workers.set(username.trim(), { miner, worker, ...(auxAddresses && { auxAddresses }) });
  // Ingest keeps the first address given per miner and aux coin (core/ports/share-queue.ts `auxAddress`).
  for (const [coin, address] of Object.entries(auxAddresses ?? {})) ctx.shares.auxAddress?.({ miner, coin, address });
  const wanted = passwordDifficulty(password);
  if (wanted !== undefined) session.requestedDifficulty = wanted;
  if (first) {
    const d = ctx.options.difficulty;
    const requested = session.requestedDifficulty;
    if (requested !== undefined) session.difficulty = Math.min(Math.max(requested, d.min), d.max);
    session.vardiff.reset(ctx.now());
    if (session.subscribed) ctx.sendWork(true);
  }
  if (session.mayLog(ctx.now())) {
    ctx.log.info({ session: session.id, miner, worker, ip: session.remote.address }, 'worker authorized');
  }
  return true;
};
