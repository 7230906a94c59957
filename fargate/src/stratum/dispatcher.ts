import { StratumCode, StratumError } from '../../../core/errors.js';
import type { MethodContext, StratumDialect } from './context.js';
import { authorize } from './methods/authorize.js';
import { configure } from './methods/configure.js';
import { extranonceSubscribe } from './methods/extranonce-subscribe.js';
import { getTransactions, getVersion } from './methods/misc.js';
import { submit } from './methods/submit.js';
import { subscribe } from './methods/subscribe.js';
import { suggestDifficulty, suggestTarget } from './methods/suggest-difficulty.js';
import type { RequestId } from './protocol.js';

/** Stratum V1: one handler per method (the Bitcoin family's dialect, and a port's default). */
export const METHODS: StratumDialect = Object.freeze({
  'mining.subscribe': subscribe,
  'mining.authorize': authorize,
  'mining.configure': configure,
  'mining.submit': submit,
  'mining.suggest_difficulty': suggestDifficulty,
  'mining.suggest_target': suggestTarget,
  // Antminer bmminer (stock S9-era firmware) sends it after authorize: Bitmain's version rolling before BIP310.
  // Answered "not supported" (mining.configure is how version bits are agreed), never counted as malformed: a farm
  // behind one NAT would otherwise be banned by its own reconnects.
  'mining.multi_version': () => false,
  'mining.extranonce.subscribe': extranonceSubscribe,
  'mining.get_transactions': getTransactions,
  'client.get_version': getVersion,
});

export async function dispatch(ctx: MethodContext, method: string, params: unknown[], id: RequestId): Promise<unknown> {
  // Own properties only: a method named "constructor" or "toString" must not reach Object.prototype (calling
  // `Object` as a handler answered with the whole server context, serialized).
  const handler = Object.hasOwn(ctx.dialect, method) ? ctx.dialect[method] : undefined;
  if (!handler) {
    ctx.onMalformed(); // a probe or a confused client: it counts toward the malformed-request ban
    throw new StratumError(StratumCode.Other, `unknown method ${method.slice(0, 64)}`);
  }
  return handler(ctx, params, id);
}
