// The light caches a stratum process checks etchash shares with: the current epoch's, the next one's (built ahead, so
// the epoch change costs no wait) and the previous one's while it is still held (shares of the last jobs before the
// change). Builds run on libuv's thread pool, one at a time, never on the event loop; a share for an epoch whose cache
// is not built is answered "not ready" at once, never waited for.
//
// Only the job source moves the epochs (`advance` with the node's head); a share names its job's block, never its own,
// so a miner cannot make the pool build caches. At most three caches are kept, plus the one being built.
import {
  buildEtchashCache,
  cacheKey,
  type EtchashCache,
  type EtchashEpoch,
  EtchashInputError,
  type EtchashShare,
  type EtchashVerdict,
  etchashEpoch,
  verifyEtchash,
} from './etchash.js';

export interface EtchashCachesOptions {
  /** The network's ECIP-1099 activation block, or null for plain ethash. */
  readonly ecip1099Block: number | null;
  /** The epoch rules (default: etchashEpoch with this network's activation block); tests give tiny sizes. */
  readonly epochOf?: (blockNumber: number) => EtchashEpoch;
  /** Builds a cache off the event loop (default: the native build on the thread pool). */
  readonly build?: (epoch: EtchashEpoch) => Promise<EtchashCache>;
  /** A build that failed (it is retried at the next `advance`). */
  readonly onBuildError?: (error: unknown, epoch: EtchashEpoch) => void;
}

export type EtchashCheck =
  | EtchashVerdict
  | { readonly ok: false; readonly block: false; readonly reason: 'cache-not-ready'; readonly epoch: EtchashEpoch };

export class EtchashCaches {
  readonly #epochOf: (blockNumber: number) => EtchashEpoch;
  readonly #build: (epoch: EtchashEpoch) => Promise<EtchashCache>;
  readonly #onBuildError: (error: unknown, epoch: EtchashEpoch) => void;
  readonly #caches = new Map<string, EtchashCache>();
  /** The epochs whose caches are built when missing, in order: the head's, then the next. */
  #toBuild: EtchashEpoch[] = [];
  /** Keys of the caches to keep: those and the previous epoch's. */
  #keep = new Set<string>();
  #building: string | undefined;
  #waiters: Array<{ key: string; resolve: (cache: EtchashCache) => void }> = [];

  constructor(options: EtchashCachesOptions) {
    const { ecip1099Block } = options;
    this.#epochOf = options.epochOf ?? ((blockNumber) => etchashEpoch(blockNumber, ecip1099Block));
    this.#build = options.build ?? buildEtchashCache;
    this.#onBuildError = options.onBuildError ?? (() => {});
  }

  /**
   * The chain's head moved (a new job): keep the caches of the head's epoch, the next and the previous, build the
   * current and then the next in the background if missing, and drop the others. The previous epoch's cache is kept
   * if held, never built.
   */
  advance(headBlock: number): void {
    const current = this.#epochOf(headBlock);
    const next = this.#epochAfter(current);
    const previous = current.firstBlock > 0 ? this.#epochOf(current.firstBlock - 1) : undefined;
    this.#toBuild = next ? [current, next] : [current];
    this.#keep = new Set([...this.#toBuild, ...(previous ? [previous] : [])].map(cacheKey));
    for (const key of this.#caches.keys()) if (!this.#keep.has(key)) this.#caches.delete(key);
    this.#buildNext();
  }

  /** The built cache serving a block, if any. */
  cacheFor(blockNumber: number): EtchashCache | undefined {
    return this.#caches.get(cacheKey(this.#epochOf(blockNumber)));
  }

  /** Resolves when the cache serving `blockNumber` is built (it must be the current or next epoch's). */
  whenReady(blockNumber: number): Promise<EtchashCache> {
    const key = cacheKey(this.#epochOf(blockNumber));
    const cache = this.#caches.get(key);
    if (cache) return Promise.resolve(cache);
    return new Promise((resolve) => this.#waiters.push({ key, resolve }));
  }

  /**
   * Checks a share of the job made at `blockNumber`; `cache-not-ready` when its epoch's cache is not built (the
   * caller refuses the share as stale: the miner retries on a newer job). Malformed input throws EtchashInputError.
   */
  verify(share: EtchashShare & { readonly blockNumber: number }): EtchashCheck {
    const epoch = this.#epochOf(share.blockNumber);
    const cache = this.#caches.get(cacheKey(epoch));
    if (!cache) return { ok: false, block: false, reason: 'cache-not-ready', epoch };
    return verifyEtchash(cache, share);
  }

  /** The epochs whose caches are held (for health and tests). */
  heldEpochs(): EtchashEpoch[] {
    return [...this.#caches.values()].map((cache) => cache.epoch);
  }

  /** The epoch after `current`, or none when it would be beyond the supported epochs (the head's own is not). */
  #epochAfter(current: EtchashEpoch): EtchashEpoch | undefined {
    try {
      return this.#epochOf(current.firstBlock + current.length);
    } catch (error) {
      if (error instanceof EtchashInputError) return undefined;
      throw error;
    }
  }

  #buildNext(): void {
    if (this.#building !== undefined) return;
    const epoch = this.#toBuild.find((wanted) => !this.#caches.has(cacheKey(wanted)));
    if (!epoch) return;
    const key = cacheKey(epoch);
    this.#building = key;
    this.#build(epoch).then(
      (cache) => {
        this.#building = undefined;
        // advance() may have moved on while this built: keep it only if still wanted.
        if (this.#keep.has(key)) {
          this.#caches.set(key, cache);
          this.#resolveWaiters(key, cache);
        }
        this.#buildNext();
      },
      (error: unknown) => {
        this.#building = undefined;
        this.#onBuildError(error, epoch);
      },
    );
  }

  #resolveWaiters(key: string, cache: EtchashCache): void {
    const ready = this.#waiters.filter((waiter) => waiter.key === key);
    this.#waiters = this.#waiters.filter((waiter) => waiter.key !== key);
    for (const waiter of ready) waiter.resolve(cache);
  }
}
