import { hexU32, isHexBytes } from '../../../core/chain/hex.js';
import { StratumCode } from '../../../core/errors.js';
import type { ShareCheck, ShareHexFields, ShareSubmission } from './types.js';

/** BIP113/consensus: a header time may be up to 2 hours ahead of the node's clock. */
const MAX_FUTURE_SECONDS = 7200;

export type Rejection = Extract<ShareCheck, { ok: false }>;

/**
 * A share's ntime, nonce and version bits (each exactly 8 digits; none: undefined) read as numbers, or the first field that is not 8 hex
 * digits: the one reader of these fields, used by the submit handler (which refuses with its own wording and
 * reason) and by checkShareFields (which every job source runs on the submission's strings).
 */
export function shareHexFields(
  ntimeHex: unknown,
  nonceHex: unknown,
  versionBitsHex: unknown,
): ShareHexFields | 'ntime' | 'nonce' | 'versionBits' {
  const ntime = hexU32(ntimeHex);
  if (ntime < 0) return 'ntime';
  const nonce = hexU32(nonceHex);
  if (nonce < 0) return 'nonce';
  if (versionBitsHex === undefined) return { ntime, nonce, versionBits: undefined };
  const versionBits = hexU32(versionBitsHex);
  if (versionBits < 0) return 'versionBits';
  return { ntime, nonce, versionBits };
}

const INVALID_FIELD = { ntime: 'invalid ntime', nonce: 'invalid nonce', versionBits: 'invalid version bits' } as const;

/**
 * The fields every Stratum V1 share carries, well formed (hex of the connection's sizes), and its time within
 * [earliest, now + 2 h] unless `ignoreTime` (a resend of a retired job's share): what the job manager and the proxy
 * job source both check before building a header, read by the same loops as the submit handler's (shareHexFields,
 * isHexBytes: no regular expression, no parseInt, nothing allocated). The extranonces are checked here too: the
 * proxy's coinbase is made with Buffer.from(hex), which would silently stop at a bad digit. `s.fields`, when given,
 * stands for ntime, nonce and version bits (its caller read the same strings with shareHexFields).
 */
export function checkShareFields(
  s: Pick<ShareSubmission, 'extranonce1' | 'extranonce2' | 'ntime' | 'nonce' | 'versionBits' | 'fields'>,
  sizes: { readonly extranonce1Size: number; readonly extranonce2Size: number },
  earliest: number,
  nowMs: number,
  ignoreTime = false,
): ShareHexFields | Rejection {
  if (!isHexBytes(s.extranonce1, sizes.extranonce1Size)) return reject(StratumCode.Other, 'invalid extranonce1');
  if (!isHexBytes(s.extranonce2, sizes.extranonce2Size)) {
    return reject(StratumCode.Other, 'incorrect size of extranonce2');
  }
  // Read once: the submit handler's numbers when it passed them. A shorter version bits string is taken as its
  // value (the proxy and the job manager always have).
  const fields = s.fields ?? shareHexFields(s.ntime, s.nonce, s.versionBits?.padStart(8, '0'));
  if (typeof fields === 'string') return reject(StratumCode.Other, INVALID_FIELD[fields]);
  const { ntime } = fields;
  if (!ignoreTime && (ntime < earliest || ntime > Math.floor(nowMs / 1000) + MAX_FUTURE_SECONDS)) {
    return reject(StratumCode.Other, 'ntime out of range');
  }
  return fields;
}

export function reject(code: Rejection['code'], message: string): Rejection {
  return { ok: false, code, message };
}
