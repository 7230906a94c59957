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

/**
 * One block paying its whole coinbase value to `script`, built the way the pool builds its jobs (getblocktemplate →
 * buildWork → solveWork → assembleBlock), its nonce ground on the CPU — at simnet's target 7fffff… about two tries —
 * and submitted to btcd. Returns the block hash. btcd's `generate` cannot do this: it pays only its --miningaddr.
 */
export async function mineBlockTo(node: DaemonClient, script: Buffer): Promise<string> {
  const template = parseBlockTemplate(await node.getBlockTemplate(getCoin('BTC').gbtRules));
  const work = buildWork(template, { script, tag: DEVNET_TAG, extranonce1Size: 4, extranonce2Size: 4 });
  for (let nonce = 0; nonce <= 0xffffffff; nonce++) {
    const { coinbase, header } = solveWork(work, {
      extranonce1: '00000000',
      extranonce2: '00000000',
      ntime: template.curtime,
      nonce,
      version: template.version,
    });
    if (hashToBigInt(sha256d(header)) > work.networkTarget) continue;
    const verdict = await node.submitBlock(assembleBlock(work, coinbase, header).toString('hex'));
    if (verdict !== null) throw new DaemonError(`btcd refused the devnet block at ${template.height}: ${verdict}`);
    return blockHash(header);
  }
  throw new DaemonError(`no nonce meets the target of block ${template.height}`);
}
