import { creditOf, MINUTE_MS, RepeatFilter, type ShareCredit } from './aggregate.js';
import { AUX_ADDRESSES_PER_BATCH, AuxAddressTally } from './aux-addresses.js';
import { REFUSALS_PER_BATCH, refusalEntry, refusalSlices } from './refusals.js';
import type { AuxAddressClaim, RefusedShares, Share, ShareBatch } from './share.js';

/**
 * Folds journaled share batches into summary batches: one entry per worker, round and minute (its share count,
 * summed difficulty and, for PoT, summed credit), block-finding shares (of the coin or of an aux chain merge-mined
 * with it) kept as they are, the batches' aux payout addresses carried on, each once. Ingest counts an entry
 * exactly as it would count the shares it stands for (aggregateBatch weighs entries by `count`), so a summary
 * changes what travels and what is written, never what is credited.
 *
 * Why: a minute of 6,000 workers is 360,000 shares but only 6,000 entries. The queue carries ~60× fewer bytes and
 * ingest writes one packed item per minute instead of one per batch window (docs/performance.md).
 *
 * A share whose hash came before in the batches (the same share journaled twice) is left out, as ingest leaves it
 * out of a batch: an entry carries no hashes, so ingest could not tell afterwards.
 *
 * Deterministic: the same batches always give the same summaries with the same ids, so a summary that was sent and
 * then resent after a crash (the journal segment was not yet removed) is recognised by ingest as a duplicate.
 */

export interface SummarizeOptions {
  /** The summaries' id; `<id>/<coin>/<part>` when a coin needs several parts. */
  id: string;
  /** PoT coins: the credit difficulty of a share, summed per entry (it cannot be computed from the sums later). */
  credit?: ShareCredit;
  /** Most entries per summary (the batch schema allows 5,000 shares per batch). */
  maxEntries?: number;
}

export function summarizeBatches(batches: readonly ShareBatch[], opts: SummarizeOptions): ShareBatch[] {
  const summary = new BatchSummary(opts.credit);
  for (const batch of batches) summary.add(batch);
  return summary.take(opts.id, opts.maxEntries);
}

/**
 * summarizeBatches one batch at a time, for a caller that gives its event loop a turn between batches (the stratum
 * queue ships a second's journal segment while it serves miners). Folding the same batches in the same order and
 * taking under the same id gives what summarizeBatches gives.
 */
export class BatchSummary {
  private readonly folder: SummaryFolder;
  private readonly repeats = new RepeatFilter();

  constructor(credit?: ShareCredit) {
    this.folder = new SummaryFolder(credit);
  }

  add(batch: ShareBatch): void {
    this.folder.add(batch.shares.filter((s) => !this.repeats.repeated(s)));
    if (batch.rejected) this.folder.refuse(batch.coin, batch.rejected);
    if (batch.auxAddresses) this.folder.claimAux(batch.coin, batch.auxAddresses);
  }

  /** The summaries of every batch added; see SummarizeOptions for `id` and `maxEntries`. */
  take(id: string, maxEntries?: number): ShareBatch[] {
    return this.folder.take(id, maxEntries);
  }
}

/**
 * Folds shares as they come (one entry per coin, worker, round and minute) until `take` hands the summaries over and
 * starts afresh. What summarizeBatches does in one go; the stratum queue in `queue` mode keeps one for the minute
 * views (see BatchingShareQueue `minuteStats`).
 */
/** What the folder accumulates for one worker, round and minute (a fixed shape: the share path updates it). */
interface Entry {
  first: Share;
  /** The first share's height, kept here: the scan of a worker's entries reads no share. */
  height: number;
  minute: number;
  count: number;
  difficulty: number;
  actualDifficulty: number;
  timestamp: number;
  networkDifficulty: number | undefined;
  credit: number | undefined;
}

export class SummaryFolder {
  /** coin → miner → worker → its entries (one per round and minute: rarely more than two at a time). */
  private coins = new Map<string, Map<string, Map<string, Entry[]>>>();
  private entryCount = 0;
  private blocks: Share[] = [];
  /** coin → its workers' refused-share counts (summed per worker and minute at `take`). */
  private refused = new Map<string, RefusedShares[]>();
  private refusedCount = 0;
  /** coin → the aux payout addresses to send with its summaries (in the order given, each once). */
  private aux = new Map<string, AuxAddressTally>();
  private auxCount = 0;

  constructor(private readonly credit?: ShareCredit) {}

  get size(): number {
    return this.entryCount + this.blocks.length + this.refusedCount + this.auxCount;
  }

  /**
   * Adds aux payout addresses claimed with the coin's shares (merged mining): they leave with the coin's summaries.
   * Unbounded here: what is folded came from batches or a queue tally that each hold a bounded number.
   */
  claimAux(coin: string, claims: readonly AuxAddressClaim[]): void {
    const tally = child(this.aux, coin, () => new AuxAddressTally(Number.POSITIVE_INFINITY));
    const before = tally.size;
    tally.addAll(claims);
    this.auxCount += tally.size - before;
  }

  /** Adds workers' refused-share counts: they leave with the coin's summaries, one entry per worker and minute. */
  refuse(coin: string, entries: readonly RefusedShares[]): void {
    if (entries.length === 0) return;
    child(this.refused, coin, () => []).push(...entries);
    this.refusedCount += entries.length;
  }

  add(shares: readonly Share[]): void {
    for (const s of shares) {
      const count = s.count ?? 1;
      const shareCredit = creditOf(s, this.credit);
      // A share that found a block, its coin's or an aux chain's, travels whole: ingest records the block from it.
      if (s.block || s.auxBlocks) {
        this.blocks.push({ ...withoutIp(s), ...(shareCredit !== undefined && { credit: shareCredit }) });
        continue;
      }
      // Runs for every accepted share: nested maps keyed by the share's own strings (their hashes are cached,
      // a concatenated key would be hashed anew each time) and a short scan.
      const minute = Math.floor(s.timestamp / MINUTE_MS);
      let miners = this.coins.get(s.coin);
      if (!miners) {
        miners = new Map();
        this.coins.set(s.coin, miners);
      }
      let list = miners.get(s.miner);
      if (!list) {
        list = new Map();
        miners.set(s.miner, list);
      }
      let entries = list.get(s.worker);
      if (!entries) {
        entries = [];
        list.set(s.worker, entries);
      }
      let e: Entry | undefined;
      for (let i = 0; i < entries.length; i++) {
        const x = entries[i]!;
        if (x.minute === minute && x.height === s.height) {
          e = x;
          break;
        }
      }
      if (!e) {
        entries.push({
          first: s,
          height: s.height,
          minute,
          count,
          difficulty: s.difficulty,
          actualDifficulty: s.actualDifficulty,
          timestamp: s.timestamp,
          networkDifficulty: s.networkDifficulty,
          credit: shareCredit,
        });
        this.entryCount += 1;
        continue;
      }
      e.count += count;
      e.difficulty += s.difficulty;
      if (s.actualDifficulty > e.actualDifficulty) e.actualDifficulty = s.actualDifficulty;
      if (s.timestamp > e.timestamp) e.timestamp = s.timestamp;
      if (s.networkDifficulty !== undefined) e.networkDifficulty = s.networkDifficulty;
      if (shareCredit !== undefined) e.credit = (e.credit ?? 0) + shareCredit;
    }
  }

  /** The summaries of everything added since the last take, per coin, `<id>/<coin>/<part>`; then starts empty. */
  take(id: string, maxEntries = 5_000, fields: Partial<Pick<ShareBatch, 'views'>> = {}): ShareBatch[] {
    const byCoin = new Map<string, Share[]>();
    for (const [coin, miners] of this.coins) {
      const out: Share[] = [];
      // Sorted by miner and worker, then round and minute; block shares in arrival order after them.
      for (const miner of [...miners.keys()].sort(byString)) {
        const workers = miners.get(miner)!;
        for (const worker of [...workers.keys()].sort(byString)) {
          const entries = workers.get(worker)!.sort((a, b) => a.height - b.height || a.minute - b.minute);
          for (const e of entries) out.push(toShare(e));
        }
      }
      byCoin.set(coin, out);
    }
    for (const b of this.blocks) push(byCoin, b);
    const refused = this.refused;
    const aux = this.aux;
    this.coins = new Map();
    this.entryCount = 0;
    this.blocks = [];
    this.refused = new Map();
    this.refusedCount = 0;
    this.aux = new Map();
    this.auxCount = 0;
    const out: ShareBatch[] = [];
    for (const coin of [...new Set([...byCoin.keys(), ...refused.keys(), ...aux.keys()])].sort(byString)) {
      const shares = byCoin.get(coin) ?? [];
      const rejected = refusalSlices(refused.get(coin) ?? []).map(refusalEntry);
      const auxTally = aux.get(coin);
      const auxAddresses = auxTally ? auxTally.take(auxTally.size) : [];
      // Part p carries the p-th slice of shares, of refusals and of aux addresses: as many parts as the longest needs.
      const parts = Math.max(
        Math.ceil(shares.length / maxEntries),
        Math.ceil(rejected.length / REFUSALS_PER_BATCH),
        Math.ceil(auxAddresses.length / AUX_ADDRESSES_PER_BATCH),
      );
      for (let p = 0; p < parts; p++) {
        const partRejected = rejected.slice(p * REFUSALS_PER_BATCH, (p + 1) * REFUSALS_PER_BATCH);
        const partAux = auxAddresses.slice(p * AUX_ADDRESSES_PER_BATCH, (p + 1) * AUX_ADDRESSES_PER_BATCH);
        out.push({
          v: 1,
          batchId: `${id}/${coin}/${p}`,
          coin,
          shares: shares.slice(p * maxEntries, (p + 1) * maxEntries),
          ...fields,
          ...(partRejected.length > 0 && { rejected: partRejected }),
          ...(partAux.length > 0 && { auxAddresses: partAux }),
        });
      }
    }
    return out;
  }
}

function toShare(e: Entry): Share {
  const { ip: _ip, hash: _hash, networkDifficulty: _n, credit: _c, count: _count, ...rest } = e.first;
  return {
    ...rest,
    count: e.count,
    difficulty: e.difficulty,
    actualDifficulty: e.actualDifficulty,
    timestamp: e.timestamp,
    ...(e.networkDifficulty !== undefined && { networkDifficulty: e.networkDifficulty }),
    ...(e.credit !== undefined && { credit: e.credit }),
  };
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function child<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

function push(byCoin: Map<string, Share[]>, s: Share): void {
  const list = byCoin.get(s.coin);
  if (list) list.push(s);
  else byCoin.set(s.coin, [s]);
}

function withoutIp(s: Share): Share {
  const { ip: _ip, ...rest } = s;
  return rest;
}

/** The `summarize` of a journaling BatchingShareQueue for a coin (`credit`: its PoT credit, if any): a new fold. */
export function journalSummarizer(credit?: ShareCredit): () => BatchSummary {
  return () => new BatchSummary(credit);
}
