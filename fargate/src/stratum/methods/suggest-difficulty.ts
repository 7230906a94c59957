import { targetToDifficulty } from '../../../../core/chain/target.js';
import type { MethodContext, MethodHandler } from '../context.js';
import { numberParam } from '../protocol.js';

const TARGET_HEX = /^[0-9a-fA-F]{64}$/;

/**
 * A miner's difficulty suggestion (clamped to the port's min/max) becomes the connection's floor: vardiff never
 * retargets below it. Before work starts it is also the start difficulty (the first mining.set_difficulty says it).
 * After work started it only raises the difficulty at once; a lower suggestion just lowers the floor, and vardiff
 * comes down to it at its own pace, from the shares it counts. Setting a lower difficulty at once (and forgetting
 * vardiff's window) let a miner repeating `mining.suggest_difficulty [min]` keep a 100 TH/s rig at the port's
 * minimum: ~90 shares a second instead of ~0.3.
 */
function suggest(ctx: MethodContext, suggested: number): boolean {
  if (!Number.isFinite(suggested) || suggested <= 0) return false;
  const { min, max } = ctx.options.difficulty;
  const { session } = ctx;
  const d = Math.min(Math.max(suggested, min), max);
  session.requestedDifficulty = d; // authorize takes it as the start difficulty
  session.vardiff.setFloor(d);
  if (!session.authorized) return true;
  if (!session.workStarted || d > session.difficulty) {
    session.difficulty = d;
    session.vardiff.reset(ctx.now());
    if (session.workStarted) ctx.sendWork(false);
  }
  return true;
}

/** mining.suggest_difficulty [difficulty] → true (cgminer/bmminer `--suggest-diff`, bfgminer `#cksuggest`). */
export const suggestDifficulty: MethodHandler = (ctx, params) => suggest(ctx, numberParam(params[0]));

/**
 * mining.suggest_target [target] → true: bfgminer's `--request-diff`, a 64-hex big-endian share target, sent with
 * id null before mining.subscribe. The difficulty is the coin's difficulty-1 target (× its stratum multiplier) over it.
 */
export const suggestTarget: MethodHandler = (ctx, params) => {
  const [target] = params;
  if (typeof target !== 'string' || !TARGET_HEX.test(target)) return false;
  const value = BigInt(`0x${target}`);
  if (value === 0n) return false;
  return suggest(ctx, targetToDifficulty(value, ctx.options.coin.stratumDiffMultiplier));
};
