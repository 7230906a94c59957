import {
  buildEtchashCacheSync,
  type EtchashCache,
  type EtchashEpoch,
  ethashSeed,
  hashimotoLight,
  hashValue,
} from '../../fargate/src/hashing/etchash.js';
import type { EthWork, EthWorkSource } from '../../fargate/src/jobs/ethereum/types.js';

/**
 * core-geth's test-mode sizes (reference §2.2): a 1 KiB cache and a 32 KiB dataset with epoch 0's seed, so a light
 * hash costs microseconds and a test miner finds shares at a tiny difficulty with the real etchash code.
 */
export const TINY_EPOCH: EtchashEpoch = {
  epoch: 0,
  seedEpoch: 0,
  firstBlock: 0,
  length: 60_000,
  cacheBytes: 1024,
  datasetBytes: 32 * 1024,
};

export const TINY_SEED = ethashSeed(0).toString('hex');

let tiny: EtchashCache | undefined;
/** The tiny epoch's cache, built once per test file. */
export function tinyCache(): EtchashCache {
  tiny ??= buildEtchashCacheSync(TINY_EPOCH);
  return tiny;
}

export interface Solution {
  /** 16 hex characters, big-endian as on the wire. */
  nonce: string;
  mix: string;
  result: bigint;
}

/**
 * Tries nonces from `start` (its first bytes fixed by `prefix`, an ES/1 extranonce) until the result is at or under
 * `target` and, when given, above `above` (a share that is not a block); what a GPU miner does, in the real etchash.
 */
export function mineEtchash(
  headerHash: string,
  target: bigint,
  o: { prefix?: string; start?: bigint; above?: bigint; cache?: EtchashCache } = {},
): Solution {
  const prefix = o.prefix ?? '';
  const header = Buffer.from(headerHash.replace(/^0x/, ''), 'hex');
  const free = 16 - prefix.length;
  for (let n = o.start ?? 1n; ; n++) {
    const nonce = prefix + n.toString(16).padStart(free, '0');
    const hash = hashimotoLight(o.cache ?? tinyCache(), header, BigInt(`0x${nonce}`));
    const result = hashValue(hash.result);
    if (result <= target && (o.above === undefined || result > o.above)) {
      return { nonce, mix: hash.mix.toString('hex'), result };
    }
  }
}

/** An in-memory node: work handed out by the test, eth_submitWork answered and recorded. */
export class FakeEthNode implements EthWorkSource {
  readonly submitted: Array<{ nonce: string; headerHash: string; mixDigest: string }> = [];
  accept = true;
  private work: EthWork | undefined;
  private readonly listeners = new Set<(work: EthWork) => void>();

  current(): EthWork | undefined {
    return this.work;
  }

  onWork(listener: (work: EthWork) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async submitWork(nonce: string, headerHash: string, mixDigest: string): Promise<boolean> {
    this.submitted.push({ nonce, headerHash, mixDigest });
    return this.accept;
  }

  /** New work: a seal hash made from `tag`, at `blockNumber`, with the block target 2^256 / `networkDifficulty`. */
  publish(tag: number, blockNumber: number, networkDifficulty = 10n ** 12n): EthWork {
    this.work = {
      headerHash: `0x${tag.toString(16).padStart(64, 'a')}`,
      seedHash: `0x${TINY_SEED}`,
      target: `0x${((1n << 256n) / networkDifficulty).toString(16).padStart(64, '0')}`,
      blockNumber,
    };
    for (const l of this.listeners) l(this.work);
    return this.work;
  }
}
