import { z } from 'zod';
import { bitsToDifficulty, bitsToTarget } from '../../../../core/chain/target.js';

/**
 * An aux chain's work as `createauxblock <address>` answers it (Dogecoin Core 1.14 `src/rpc/auxpow.cpp`):
 *
 *   {"hash": "<aux block hash, display hex>", "chainid": 98, "previousblockhash": "<hex>",
 *    "coinbasevalue": <base units>, "bits": "<compact hex>", "height": <n>, "target": "<hex, LITTLE-endian>"}
 *
 * Namecoin names the target `_target` (same byte order). The answer is read strictly: a node answering something
 * else is treated as down for this chain, never half-used.
 */
export interface AuxBlock {
  /** The aux block hash, display order (as createauxblock printed it and submitauxblock wants it back). */
  hash: string;
  /** The same hash in internal byte order: the aux tree's leaf. */
  leaf: Buffer;
  chainId: number;
  previousBlockHash: string;
  height: number;
  /** Base units. */
  coinbaseValue: bigint;
  bits: number;
  /** From `bits`: the target the node checks the parent's PoW hash against (CheckAuxPowProofOfWork uses nBits). */
  target: bigint;
  /** In the parent's stratum convention (both chains mine one algorithm; scrypt: multiplier 65536). */
  networkDifficulty: number;
}

const HASH = /^[0-9a-fA-F]{64}$/;

const answerSchema = z
  .object({
    hash: z.string().regex(HASH, 'hash must be 64 hex characters'),
    chainid: z.number().int().min(0).max(0xffff),
    previousblockhash: z.string().regex(HASH, 'previousblockhash must be 64 hex characters'),
    // Base units from the node's JSON number: below 2^53 for any real chain's block reward.
    coinbasevalue: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    bits: z.string().regex(/^[0-9a-fA-F]{8}$/, 'bits must be 8 hex characters'),
    height: z.number().int().nonnegative(),
    target: z.string().regex(HASH, 'target must be 64 hex characters').optional(),
    _target: z.string().regex(HASH, '_target must be 64 hex characters').optional(),
  })
  .refine((a) => a.target !== undefined || a._target !== undefined, { message: 'no target (nor _target)' });

/** The answer is not usable aux work (garbage, wrong chain id, target and bits disagreeing). */
export class AuxWorkError extends Error {}

/**
 * Reads a createauxblock answer. `chainId` is the registry's (`auxpow.chainId`): a node of another chain (a
 * misconfigured URL) is refused, as its blocks would be committed in a slot its chain does not look at.
 *
 * The target is taken from `bits`, which is what the node itself checks (`CheckProofOfWork(parentPowHash, nBits)`);
 * the `target` field is only a convenience whose byte order pools get wrong (it is little-endian). Both are read and
 * must agree, else the work is refused: a node whose two answers differ is not one we understand.
 */
export function parseAuxBlock(raw: unknown, chainId: number, diffMultiplier: number): AuxBlock {
  const parsed = answerSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'answer'}: ${i.message}`).join('; ');
    throw new AuxWorkError(`createauxblock answer is not aux work (${issues})`);
  }
  const a = parsed.data;
  if (a.chainid !== chainId) {
    throw new AuxWorkError(`createauxblock answered chain id ${a.chainid}, the coin's is ${chainId}: wrong node?`);
  }
  const bits = Number.parseInt(a.bits, 16) >>> 0;
  let target: bigint;
  try {
    target = bitsToTarget(bits);
  } catch (err) {
    throw new AuxWorkError(`createauxblock bits ${a.bits}: ${(err as Error).message}`);
  }
  if (target === 0n) throw new AuxWorkError(`createauxblock bits ${a.bits} is a zero target`);
  const littleEndian = (a.target ?? a._target)!;
  const stated = BigInt(`0x${Buffer.from(littleEndian, 'hex').reverse().toString('hex')}`);
  if (stated !== target) {
    throw new AuxWorkError(
      `createauxblock target ${littleEndian} (little-endian) is not the target of its bits ${a.bits}`,
    );
  }
  return {
    hash: a.hash.toLowerCase(),
    leaf: Buffer.from(a.hash, 'hex').reverse(),
    chainId: a.chainid,
    previousBlockHash: a.previousblockhash.toLowerCase(),
    height: a.height,
    coinbaseValue: BigInt(a.coinbasevalue),
    bits,
    target,
    networkDifficulty: bitsToDifficulty(bits, diffMultiplier),
  };
}
