import { MINUTE_MS, type ShareCredit } from './aggregate.js';
import type { Share, ShareBatch } from './share.js';

/**
 * Folds journaled share batches into summary batches: one entry per worker, round and minute (its share count,
 * summed difficulty and, for PoT, summed credit), block-finding shares kept as they are. Ingest counts an entry
 * exactly as it would count the shares it stands for (aggregateBatch weighs entries by `count`), so a summary
 * changes what travels and what is written, never what is credited.
 *
 * Why: a minute of 6,000 workers is 360,000 shares but only 6,000 entries. The queue carries ~60× fewer bytes and
 * ingest writes one packed item per minute instead of one per batch window (docs/performance.md).
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
  const maxEntries = opts.maxEntries ?? 5_000;
  const byCoin = new Map<string, Map<string, Share>>();
  const blocks = new Map<string, Share[]>();
  const credit = opts.credit;
  for (const batch of batches) {
    let entries = byCoin.get(batch.coin);
    if (!entries) {
      entries = new Map();
      byCoin.set(batch.coin, entries);
    }
    for (const s of batch.shares) {
      const count = s.count ?? 1;
      const shareCredit = s.credit ?? (credit && count === 1 ? credit(s) : undefined);
      if (credit && shareCredit === undefined) {
        throw new Error(`share of ${s.miner} stands for ${count} shares without their PoT credit`);
      }
      if (s.block) {
        const list = blocks.get(batch.coin) ?? [];
        list.push({ ...withoutIp(s), ...(shareCredit !== undefined && { credit: shareCredit }) });
        blocks.set(batch.coin, list);
        continue;
      }
      const key = `${s.miner}\u0000${s.worker}\u0000${s.height}\u0000${Math.floor(s.timestamp / MINUTE_MS)}`;
      const e = entries.get(key);
      if (!e) {
        entries.set(key, {
          ...withoutIp(s),
          count,
          ...(shareCredit !== undefined && { credit: shareCredit }),
        });
        continue;
      }
      e.count = (e.count ?? 1) + count;
      e.difficulty += s.difficulty;
      e.actualDifficulty = Math.max(e.actualDifficulty, s.actualDifficulty);
      e.timestamp = Math.max(e.timestamp, s.timestamp);
      if (s.networkDifficulty !== undefined) e.networkDifficulty = s.networkDifficulty;
      if (shareCredit !== undefined) e.credit = (e.credit ?? 0) + shareCredit;
    }
  }

  const out: ShareBatch[] = [];
  for (const coin of [...byCoin.keys()].sort()) {
    const sorted = [...byCoin.get(coin)!.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, share]) => share);
    // Block shares in arrival order after the entries: a handful, never merged.
    const shares = [...sorted, ...(blocks.get(coin) ?? [])];
    const parts = Math.max(1, Math.ceil(shares.length / maxEntries));
    for (let p = 0; p < parts; p++) {
      const slice = shares.slice(p * maxEntries, (p + 1) * maxEntries);
      if (slice.length === 0) continue;
      out.push({ v: 1, batchId: `${opts.id}/${coin}/${p}`, coin, shares: slice });
    }
  }
  return out;
}

function withoutIp(s: Share): Share {
  const { ip: _ip, ...rest } = s;
  return rest;
}

/** The `summarize` of a journaling BatchingShareQueue for a coin (`credit`: its PoT credit, if any). */
export function journalSummarizer(credit?: ShareCredit): (batches: ShareBatch[], id: string) => ShareBatch[] {
  return (batches, id) => summarizeBatches(batches, { id, ...(credit && { credit }) });
}
