import type { DaemonClient } from '../../adapters/rpc/daemon-client.js';
import {
  assembleBlock,
  blockHash,
  buildWork,
  hashToBigInt,
  parseBlockTemplate,
  sha256d,
  solveWork,
} from '../../core/chain/index.js';
import { getCoin } from '../../core/coins/registry.js';
import { DaemonError } from '../../core/errors.js';

/** Written into the coinbase of the blocks the devnet builds itself. */
const DEVNET_TAG = Buffer.from('/edgepool devnet/');

export interface BuiltBlock {
  height: number;
  /** Display order. */
  hash: string;
  hex: string;
}

/**
 * A block on btcd's tip paying its whole coinbase value to `script`, built the way the pool builds its jobs
 * (getblocktemplate → buildWork → solveWork → assembleBlock), its nonce ground on the CPU: at simnet's target
 * 7fffff… about two tries. Tests ask for a coinbase claiming another value, or a header that misses the target.
 */
export async function buildBlockOnTip(
  node: DaemonClient,
  script: Buffer,
  opts: { coinbaseValue?: (templateValue: bigint) => bigint; meetsTarget?: boolean } = {},
): Promise<BuiltBlock> {
  const template = parseBlockTemplate(await node.getBlockTemplate(getCoin('BTC').gbtRules));
  if (opts.coinbaseValue) template.coinbasevalue = opts.coinbaseValue(template.coinbasevalue);
  const work = buildWork(template, { script, tag: DEVNET_TAG, extranonce1Size: 4, extranonce2Size: 4 });
  const meets = opts.meetsTarget ?? true;
  for (let nonce = 0; nonce <= 0xffffffff; nonce++) {
    const { coinbase, header } = solveWork(work, {
      extranonce1: '00000000',
      extranonce2: '00000000',
      ntime: template.curtime,
      nonce,
      version: template.version,
    });
    if (hashToBigInt(sha256d(header)) <= work.networkTarget !== meets) continue;
    return {
      height: template.height,
      hash: blockHash(header),
      hex: assembleBlock(work, coinbase, header).toString('hex'),
    };
  }
  throw new DaemonError(`no nonce gives block ${template.height} the hash asked for`);
}

/**
 * Mines one block paying `script` (buildBlockOnTip) and submits it to btcd; returns its hash. btcd's `generate`
 * cannot do this: it pays only its --miningaddr.
 */
export async function mineBlockTo(node: DaemonClient, script: Buffer): Promise<string> {
  const block = await buildBlockOnTip(node, script);
  const verdict = await node.submitBlock(block.hex);
  if (verdict !== null) throw new DaemonError(`btcd refused the devnet block at ${block.height}: ${verdict}`);
  return block.hash;
}
