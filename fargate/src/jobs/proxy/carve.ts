import { decodeVarint, readScriptNumberPush } from '../../../../core/chain/serialize.js';
import { ConfigError } from '../../../../core/errors.js';

/**
 * Proxy mining's extranonce carving. The upstream gives the pool one extranonce1 (E1) and an extranonce2 space of
 * `upstream` bytes; the pool hands each of its miners a slice of that space:
 *
 *   upstream coinbase = coinb1 ‖ E1 ‖ extranonce2 ‖ coinb2,   extranonce2 = filler ‖ e1 ‖ e2
 *   miner's coinbase  = (coinb1 ‖ E1 ‖ filler) ‖ e1 ‖ e2 ‖ coinb2
 *
 * where e1 is the miner's extranonce1 (the task prefix and a counter: what our stratum server assigns) and e2 the
 * miner's extranonce2. The downstream sizes are fixed when the coin starts (a connection keeps its extranonce1 across
 * upstreams and a fallback to the node), so an upstream with more room than needed is padded with zero `filler`
 * bytes, and one with less is refused.
 */
export interface Carving {
  /** Zero bytes between the upstream's extranonce1 and the miner's, when the upstream gives more than needed. */
  fillerBytes: number;
}

export function carve(upstreamExtranonce2Size: number, extranonce1Size: number, extranonce2Size: number): Carving {
  const needed = extranonce1Size + extranonce2Size;
  if (!Number.isInteger(upstreamExtranonce2Size) || upstreamExtranonce2Size < needed) {
    throw new ConfigError(
      `the upstream's extranonce2 of ${upstreamExtranonce2Size} bytes cannot hold our miners' extranonce1 ` +
        `(${extranonce1Size}) and extranonce2 (${extranonce2Size}): it needs ${needed}`,
    );
  }
  return { fillerBytes: upstreamExtranonce2Size - needed };
}

/** The miner's coinb1: the upstream's, its extranonce1 for us, and the filler. */
export function downstreamCoinb1(coinb1: string, upstreamExtranonce1: string, c: Carving): string {
  return coinb1 + upstreamExtranonce1 + '00'.repeat(c.fillerBytes);
}

/** The extranonce2 forwarded upstream for a miner's share: the filler, the miner's extranonce1 and extranonce2. */
export function upstreamExtranonce2(c: Carving, extranonce1: string, extranonce2: string): string {
  return '00'.repeat(c.fillerBytes) + extranonce1 + extranonce2;
}

/**
 * The block height of an upstream job: the BIP34 push that starts its coinbase's scriptSig, read from coinb1
 * (version ‖ [segwit marker] ‖ input count ‖ prevout ‖ scriptSig length ‖ scriptSig…). Undefined when coinb1 is not
 * a coinbase prefix we can read: the job is refused (its shares could not be put in a round).
 */
export function coinbaseHeight(coinb1Hex: string): number | undefined {
  try {
    const b = Buffer.from(coinb1Hex, 'hex');
    let at = 4;
    if (b[at] === 0x00 && b[at + 1] === 0x01) at += 2; // BIP144 marker and flag
    const inputs = decodeVarint(b, at);
    if (inputs.value !== 1) return undefined;
    at += inputs.size + 36; // the null prevout
    const script = decodeVarint(b, at);
    at += script.size;
    const height = readScriptNumberPush(b.subarray(at));
    return at + height.size <= b.length && height.value >= 0 ? height.value : undefined;
  } catch {
    return undefined;
  }
}
