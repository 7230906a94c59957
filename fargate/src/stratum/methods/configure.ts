import type { MethodHandler } from '../context.js';

/**
 * mining.configure [extensions, parameters] (BIP310). Answers every requested extension:
 *  - version-rolling: allowed mask = the pool's mask ∩ the miner's mask (BIP320 reserves 0x1fffe000);
 *  - minimum-difficulty: the miner's floor, clamped to the port's range;
 *  - subscribe-extranonce: accepted (same as mining.extranonce.subscribe);
 *  - anything else: false.
 */
export const configure: MethodHandler = (ctx, params) => {
  const [extensions, rawParams] = params;
  const names = Array.isArray(extensions) ? extensions.filter((e): e is string => typeof e === 'string') : [];
  const p = (rawParams && typeof rawParams === 'object' ? rawParams : {}) as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  const poolMask = ctx.options.versionRollingMask ?? 0x1fffe000;
  for (const name of names) {
    switch (name) {
      case 'version-rolling': {
        const minerMask =
          typeof p['version-rolling.mask'] === 'string' ? Number.parseInt(p['version-rolling.mask'], 16) : poolMask;
        const mask = (Number.isFinite(minerMask) ? minerMask & poolMask : 0) >>> 0;
        ctx.session.versionMask = mask;
        result['version-rolling'] = mask !== 0;
        result['version-rolling.mask'] = mask.toString(16).padStart(8, '0');
        break;
      }
      case 'minimum-difficulty': {
        const v = Number(p['minimum-difficulty.value']);
        const ok = Number.isFinite(v) && v > 0;
        if (ok) ctx.session.requestedDifficulty = Math.max(ctx.session.requestedDifficulty ?? 0, v);
        result['minimum-difficulty'] = ok;
        break;
      }
      case 'subscribe-extranonce':
        ctx.session.extranonceSubscribed = true;
        result['subscribe-extranonce'] = true;
        break;
      default:
        result[name] = false;
    }
  }
  return result;
};
