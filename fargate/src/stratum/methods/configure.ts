import type { JobProvider } from '../../jobs/types.js';
import type { MethodHandler } from '../context.js';
import { numberParam } from '../protocol.js';

const TMASK = /^[0-9a-fA-F]{8}$/;

function bitCount(n: number): number {
  let count = 0;
  for (let v = n >>> 0; v !== 0; v >>>= 1) count += v & 1;
  return count;
}

/**
 * mining.configure [extensions, parameters] (BIP310). Answers every requested extension:
 *  - version-rolling: allowed mask = the pool's mask ∩ the miner's mask (BIP320 reserves 0x1fffe000), narrowed to
 *    the job source's own (proxy mining: the bits the serving upstream lets us roll) when it has one;
 *  - minimum-difficulty: the miner's floor, clamped to the port's range;
 *  - subscribe-extranonce: accepted (same as mining.extranonce.subscribe);
 *  - anything else: false.
 */
export const configure =
  (jobs?: Pick<JobProvider, 'versionMask'>): MethodHandler =>
  (ctx, params) => {
    const [extensions, rawParams] = params;
    const names = Array.isArray(extensions) ? extensions.filter((e): e is string => typeof e === 'string') : [];
    const p = (rawParams && typeof rawParams === 'object' ? rawParams : {}) as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    const sourceMask = jobs?.versionMask;
    const poolMask = ((ctx.options.versionRollingMask ?? 0x1fffe000) & (sourceMask ?? 0xffffffff)) >>> 0;
    for (const name of names) {
      switch (name) {
        case 'version-rolling': {
          // BIP310: the miner's mask is optional (default "ffffffff") and a TMask (8 hex); a malformed one is
          // answered with an error string, the extension's third possible result.
          const raw = p['version-rolling.mask'];
          if (raw !== undefined && (typeof raw !== 'string' || !TMASK.test(raw))) {
            result['version-rolling'] = 'version-rolling.mask must be 8 hex characters';
            break;
          }
          const minerMask = raw === undefined ? 0xffffffff : Number.parseInt(raw, 16);
          const mask = (minerMask & poolMask) >>> 0;
          ctx.session.versionMask = mask;
          result['version-rolling'] = mask !== 0;
          result['version-rolling.mask'] = mask.toString(16).padStart(8, '0');
          // BIP310: fewer bits than min-bit-count is diagnostic only; the miner runs degraded, we must not drop it.
          const minBits = numberParam(p['version-rolling.min-bit-count']);
          if (Number.isInteger(minBits) && bitCount(mask) < minBits && ctx.session.mayLog(ctx.now())) {
            ctx.log.info({ session: ctx.session.id, mask, minBits }, 'miner wants more version bits than allowed');
          }
          break;
        }
        case 'minimum-difficulty': {
          const v = numberParam(p['minimum-difficulty.value']);
          const ok = Number.isFinite(v) && v > 0;
          if (ok) {
            ctx.session.requestedDifficulty = Math.max(ctx.session.requestedDifficulty ?? 0, v);
            ctx.session.vardiff.setFloor(v); // BIP310: the miner's floor, which vardiff keeps to
          }
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
