import { PoolError } from '../errors.js';
import { forEachLimited } from '../limited.js';
import type { AuxAddressStore } from '../ports/aux-address-store.js';
import type { ShareIngestStore } from '../ports/share-store.js';
import { aggregateBatch, type BatchAggregate, type ShareCredit } from './aggregate.js';
import { refusalSlices } from './refusals.js';
import type { AuxAddressClaim, Share, ShareBatch } from './share.js';

/**
 * Counts a share batch exactly once, however often it is delivered and wherever a previous attempt stopped,
 * without multi-item transactions (dynalite has none):
 *
 *  (a) claim an immutable batch item `BATCH#<id>` (status 'applying', with the batch summary and a lease);
 *      already 'applied' or 'cleaned' → nothing to add;
 *  (b) store the batch's worker slices as immutable packed items named after the batch (a repeat writes nothing),
 *      and add to every counter with a guard `NOT contains(applied, :batchId)` that adds the id in the same write,
 *      so a counter a crashed attempt already updated refuses the second add;
 *  (c) mark the batch item 'applied';
 *  (d) remove the id from every counter's `applied` set, then mark the batch 'cleaned'.
 *
 * On a coin whose shares are not bound to a connection (`claimShares`), each share's hash is claimed for the batch
 * before (b), and a share another batch claimed first is left out: the same share accepted by two stratum processes
 * or tasks is counted once, by the batch that claimed it.
 *
 * A found block is recorded first, naming its batch: a block-finding share that another batch already carried (the
 * same share sent twice, resent under a new batch id) is counted by that batch only. The block's batch is fixed once,
 * so every attempt at a batch leaves out the same shares.
 *
 * Merged mining: an aux chain's block a share found is recorded the same way in the aux coin's blocks table, with the
 * round that pays it (the batch's coin at the share's height); a share with no block of its own coin is counted by
 * the batch that recorded its first aux block. The batch's aux payout addresses are offered to the aux coin's ledger
 * (the first one per miner stays). An aux coin not merged with the batch's coin is skipped, never failing the batch.
 *
 * Why the lease: SQS may hand the same message to two consumers at once. Without it, consumer A could finish (d)
 * — removing the guards — while a slow consumer B is still in (b), and B's adds would then count twice. With it,
 * only the lease owner runs (b); a second consumer gets BatchBusyError and its message comes back later. A lease
 * is taken over only once it expired, and it is longer than the function timeout, so its owner is dead by then.
 */

export class BatchBusyError extends PoolError {
  constructor(batchId: string) {
    super(`batch ${batchId} is being applied by another consumer`, 'BATCH_BUSY');
  }
}

export interface IngestOptions {
  /** Unique per attempt: request id + message id. */
  claim: string;
  now: () => number;
  leaseMs: number;
  /** How many counter writes run at once. */
  concurrency?: number;
  /** Credit difficulty per share for round counters (PoT); none: rounds sum plain difficulty only. */
  credit?: ShareCredit;
  /** Told how many shares of the batch were left out as repeats of an earlier one (same hash), if any. */
  onRepeats?: (count: number) => void;
  /**
   * The coin's shares are not bound to the connection that sent them (its chain family says so: an EthProxy miner
   * chooses the whole nonce of the node's work), so one share may be accepted by several stratum processes or tasks,
   * each in its own batch. Then each share's PoW hash is claimed for its batch before the batch is counted, and a
   * share another batch claimed first is left out (one conditional write per share).
   */
  claimShares?: boolean;
  /**
   * Merged mining: the aux coins merged with the batch's coin (core/config/merged.ts `auxCoinsOf`), whose blocks its
   * shares may carry (recorded through `store.putBlock(auxCoin, …)`) and whose payout addresses its miners may give.
   * Anything naming another aux coin is left out and told to `onUnknownAux`.
   */
  auxCoins?: ReadonlySet<string>;
  /** Where aux payout addresses are kept; without it a batch's `auxAddresses` are told to `onUnknownAux`. */
  auxAddresses?: AuxAddressStore;
  /** Told of aux blocks or addresses left out because their aux coin is not merged with the batch's coin here. */
  onUnknownAux?: (coin: string, what: 'block' | 'address') => void;
}

/** Claims in flight at once: one small conditional put each, the batch's main cost on such a coin. */
const CLAIM_CONCURRENCY = 32;

export type IngestResult = 'applied' | 'duplicate';

export async function ingestBatch(
  store: ShareIngestStore,
  batch: ShareBatch,
  opts: IngestOptions,
): Promise<IngestResult> {
  // A 'minutes' batch feeds no round: PoT credit means nothing there (its summary entries carry none).
  const agg = aggregateBatch(batch, batch.views === 'minutes' ? undefined : opts.credit);
  const { coin, batchId } = agg;
  if (agg.repeats > 0) opts.onRepeats?.(agg.repeats);
  const state = await store.beginBatch(agg, { claim: opts.claim, now: opts.now(), leaseMs: opts.leaseMs });
  if (state === 'busy') throw new BatchBusyError(batchId);
  if (state === 'cleaned') return 'duplicate';
  const concurrency = opts.concurrency ?? 8;

  // A 'minutes' batch only adds per-minute worker items: its shares were counted by their 'rounds' batches.
  const money = batch.views !== 'minutes';
  const counters = money ? agg.counters : [];
  if (state === 'claimed') {
    try {
      // What the batch counts: its shares but those another batch claimed or whose block another batch recorded.
      // Every attempt leaves out the same ones (claims and block records name the batch, are fixed once made, and
      // all come before the first counter write), so a retried batch adds the same sums.
      const claimed = money && opts.claimShares ? await withoutOtherBatchesShares(store, batch, opts) : batch;
      const claimedAgg = claimed === batch ? agg : aggregateBatch(claimed, opts.credit);
      const counted = money ? await withoutOtherBatchesBlocks(store, claimed, claimedAgg, opts, concurrency) : agg;
      const minutes = batch.views !== 'rounds';
      const refusals = minutes ? refusalSlices(batch.rejected ?? []) : [];
      await store.putSlices(coin, batchId, counted.slices, { rounds: money, minutes }, refusals);
      await offerAuxAddresses(batch, opts, concurrency);
      const adds = money ? counted.counters : [];
      await forEachLimited(adds, concurrency, (u) => store.addToCounter(coin, batchId, u));
      await store.markBatchApplied(coin, batchId);
    } catch (err) {
      // Best effort: if this fails too, the lease simply runs out before the next attempt can claim the batch.
      await store.releaseBatch(coin, batchId, opts.claim).catch(() => undefined);
      throw err;
    }
  }
  await forEachLimited(counters, concurrency, (u) => store.releaseCounterGuard(coin, batchId, u.counter));
  await store.markBatchCleaned(coin, batchId);
  return state === 'claimed' ? 'applied' : 'duplicate';
}

/**
 * Claims each share's hash for the batch and gives the batch without the shares another batch claimed. A share
 * without a hash (an older producer) or standing for several (a summary entry) cannot be claimed and is counted.
 */
async function withoutOtherBatchesShares(
  store: ShareIngestStore,
  batch: ShareBatch,
  opts: IngestOptions,
): Promise<ShareBatch> {
  const acceptedAt = new Map<string, number>();
  for (const s of batch.shares) {
    if (s.hash !== undefined && (s.count ?? 1) === 1 && !acceptedAt.has(s.hash)) acceptedAt.set(s.hash, s.timestamp);
  }
  const taken = new Set<string>();
  await forEachLimited([...acceptedAt], CLAIM_CONCURRENCY, async ([hash, at]) => {
    if (!(await store.claimShare(batch.coin, batch.batchId, hash, at, opts.now()))) taken.add(hash);
  });
  if (taken.size === 0) return batch;
  opts.onRepeats?.(taken.size);
  return { ...batch, shares: batch.shares.filter((s) => s.hash === undefined || !taken.has(s.hash)) };
}

/**
 * Records the batch's found blocks, its coin's and the merged aux coins' (naming the batch), and gives the aggregate
 * without the shares whose deciding block another batch recorded. Its counters are a subset of `agg`'s, so releasing
 * `agg`'s guards afterwards covers them.
 */
async function withoutOtherBatchesBlocks(
  store: ShareIngestStore,
  batch: ShareBatch,
  agg: BatchAggregate,
  opts: IngestOptions,
  concurrency: number,
): Promise<BatchAggregate> {
  const { coin, batchId } = agg;
  const found = [
    ...agg.blocks.map((block) => ({ coin, block })),
    ...agg.auxBlocks.filter((b) => knownAux(b.coin, opts)),
  ];
  const others = new Set<string>();
  await forEachLimited(found, concurrency, async ({ coin: c, block: b }) => {
    if ((await store.putBlock(c, { ...b, batchId })) === 'created') return;
    const owner = await store.blockBatch(c, b.height, b.hash);
    if (owner !== undefined && owner !== batchId) others.add(blockKey(c, b.hash));
  });
  if (others.size === 0) return agg;
  const shares = batch.shares.filter((s) => {
    const decides = decidingBlock(s, opts);
    return decides === undefined || !others.has(decides);
  });
  if (shares.length === batch.shares.length) return agg;
  opts.onRepeats?.(batch.shares.length - shares.length);
  return aggregateBatch({ ...batch, shares }, opts.credit);
}

/** A map key of two strings (a coin and a block hash, a coin and a miner). */
const blockKey = (coin: string, hash: string) => `${coin}\u0000${hash}`;

/**
 * The block whose record decides which batch counts a block-finding share: its own coin's block, else its first aux
 * block of a merged coin. One block per share, so two batches carrying the same share can never each own one of its
 * blocks and both leave it out.
 */
function decidingBlock(s: Share, opts: IngestOptions): string | undefined {
  if (s.block) return blockKey(s.coin, s.block.hash);
  const aux = s.auxBlocks?.find((b) => opts.auxCoins?.has(b.coin));
  return aux && blockKey(aux.coin, aux.hash);
}

function knownAux(coin: string, opts: IngestOptions): boolean {
  if (opts.auxCoins?.has(coin)) return true;
  opts.onUnknownAux?.(coin, 'block');
  return false;
}

/**
 * Offers the batch's aux payout addresses to their aux coins' ledgers; the store keeps the first per miner, so an
 * attempt repeated after a crash changes nothing. Of several addresses one miner gave for a coin in the batch only
 * the earliest is offered: the later ones could only lose to it.
 */
async function offerAuxAddresses(batch: ShareBatch, opts: IngestOptions, concurrency: number): Promise<void> {
  const first = new Map<string, AuxAddressClaim>();
  for (const claim of batch.auxAddresses ?? []) {
    if (!opts.auxAddresses || !opts.auxCoins?.has(claim.coin)) opts.onUnknownAux?.(claim.coin, 'address');
    else if (!first.has(blockKey(claim.coin, claim.miner))) first.set(blockKey(claim.coin, claim.miner), claim);
  }
  const store = opts.auxAddresses;
  if (!store) return;
  await forEachLimited([...first.values()], concurrency, (c) =>
    store.offerAuxAddress(c.coin, c.miner, c.address, opts.now()),
  );
}
