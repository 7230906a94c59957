import { createHash, scryptSync } from 'node:crypto';
import type { StratumJob } from '../../fargate/src/jobs/types.js';

/**
 * A test miner that works like a stratum client (cpuminer `-a scrypt`) and shares no code with the pool, so tests
 * that feed its results to the pool check the pool's byte orders against an independent reading of the protocol:
 *   coinbase = coinb1 ‖ extranonce1 ‖ extranonce2 ‖ coinb2;  root = fold(sha256d(coinbase), branch)
 *   header   = LE(version) ‖ unswap(prevhash) ‖ root ‖ LE(ntime) ‖ LE(nbits) ‖ LE(nonce)
 *   share    ⇔ scrypt(header) as a little-endian number <= 0x0000ffff·2^208 · 65536 / difficulty.
 */

export interface MineRequest {
  job: Pick<StratumJob, 'jobId' | 'prevHash' | 'coinb1' | 'coinb2' | 'merkleBranch' | 'version' | 'nbits' | 'ntime'>;
  extranonce1: string;
  extranonce2: string;
  /** Stratum difficulty (scrypt convention: diff 1 = target 0x0000ffff…). */
  difficulty: number;
  /** Stratum difficulty multiplier of the coin: 65536 for scrypt. */
  multiplier?: number;
  /** BIP310: the full rolled version the miner puts in the header (8 hex chars); default the job's. */
  version?: string;
  /** ntime to use (8 hex chars); default the job's. */
  ntime?: string;
  startNonce?: number;
  /** Give up after this many hashes (default 2^20). */
  maxHashes?: number;
  /** The PoW of the header, internal byte order (default Litecoin's scrypt; a test chain family may have another). */
  pow?: (header: Buffer) => Buffer;
}

export interface MinedShare {
  /** mining.submit params (after the worker name): job id, extranonce2, ntime, nonce. */
  jobId: string;
  extranonce2: string;
  ntime: string;
  nonce: string;
  /** The 80-byte header that met the target, hex. */
  header: string;
  /** scrypt hash as a number. */
  hashValue: bigint;
  hashes: number;
}

const DIFF1 = 0xffffn << 208n;

/** How a miner of each algorithm hashes a header and scales stratum difficulty (`mineShare`'s pow and multiplier). */
export const ALGORITHMS = {
  scrypt: { multiplier: 65536 },
  sha256d: { multiplier: 1, pow: (header: Buffer) => dsha(header) },
} satisfies Record<string, Pick<MineRequest, 'multiplier' | 'pow'>>;
export type MinerAlgorithm = keyof typeof ALGORITHMS;

/** The job a mining.notify carries (its params), as a miner reads it. */
export function jobFromNotify(params: unknown[]): StratumJob & { clean: boolean } {
  const [jobId, prevHash, coinb1, coinb2, merkleBranch, version, nbits, ntime, clean] = params as [
    string,
    string,
    string,
    string,
    string[],
    string,
    string,
    string,
    boolean,
  ];
  return { jobId, prevHash, coinb1, coinb2, merkleBranch, version, nbits, ntime, clean } as StratumJob & {
    clean: boolean;
  };
}

export function shareTarget(difficulty: number, multiplier = 65536): bigint {
  const scaled = BigInt(Math.round(difficulty * 2 ** 32));
  const t = ((DIFF1 * BigInt(multiplier)) << 32n) / scaled;
  const max = (1n << 256n) - 1n;
  return t > max ? max : t;
}

export function mineShare(req: MineRequest): MinedShare {
  const target = shareTarget(req.difficulty, req.multiplier ?? 65536);
  const coinbase = Buffer.from(req.job.coinb1 + req.extranonce1 + req.extranonce2 + req.job.coinb2, 'hex');
  let root = dsha(coinbase);
  for (const step of req.job.merkleBranch) root = dsha(Buffer.concat([root, Buffer.from(step, 'hex')]));
  const ntime = req.ntime ?? req.job.ntime;
  const header = Buffer.concat([
    Buffer.from(req.version ?? req.job.version, 'hex').reverse(),
    unswapWords(Buffer.from(req.job.prevHash, 'hex')),
    root,
    Buffer.from(ntime, 'hex').reverse(),
    Buffer.from(req.job.nbits, 'hex').reverse(),
    Buffer.alloc(4),
  ]);
  const max = req.maxHashes ?? 1 << 20;
  for (let i = 0; i < max; i++) {
    const nonce = ((req.startNonce ?? 0) + i) >>> 0;
    header.writeUInt32LE(nonce, 76);
    const hash = req.pow ? req.pow(header) : scryptSync(header, header, 32, { N: 1024, r: 1, p: 1 });
    const value = BigInt(`0x${Buffer.from(hash).reverse().toString('hex')}`);
    if (value <= target) {
      return {
        jobId: req.job.jobId,
        extranonce2: req.extranonce2,
        ntime,
        nonce: nonce.toString(16).padStart(8, '0'),
        header: header.toString('hex'),
        hashValue: value,
        hashes: i + 1,
      };
    }
  }
  throw new Error(`no share found in ${max} hashes at difficulty ${req.difficulty}`);
}

function dsha(data: Buffer): Buffer {
  return createHash('sha256').update(createHash('sha256').update(data).digest()).digest();
}

/** Stratum prevhash has each 4-byte word of the internal-order hash reversed; undo it. */
function unswapWords(buf: Buffer): Buffer {
  const out = Buffer.alloc(buf.length);
  for (let i = 0; i < buf.length; i += 4) out.writeUInt32LE(buf.readUInt32BE(i), i);
  return out;
}
