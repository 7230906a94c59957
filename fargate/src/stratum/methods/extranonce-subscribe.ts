import type { MethodHandler } from '../context.js';

/** mining.extranonce.subscribe [] → true (NiceHash): the miner accepts mining.set_extranonce later. */
export const extranonceSubscribe: MethodHandler = (ctx) => {
  ctx.session.extranonceSubscribed = true;
  return true;
};
