import type { MethodHandler } from '../context.js';
import { numberParam } from '../protocol.js';

/**
 * mining.suggest_difficulty [difficulty] → true. Before authorize it sets the start difficulty; after, it takes
 * effect at once (set_difficulty + the current job again). Clamped to the port's min/max.
 */
export const suggestDifficulty: MethodHandler = (ctx, params) => {
  const d = numberParam(params[0]);
  if (!Number.isFinite(d) || d <= 0) return false;
  const { min, max } = ctx.options.difficulty;
  const { session } = ctx;
  session.requestedDifficulty = d;
  if (session.authorized) {
    session.difficulty = Math.min(Math.max(d, min), max);
    session.vardiff.reset(ctx.now());
    if (session.subscribed) queueMicrotask(() => ctx.sendWork(false));
  }
  return true;
};
