import type { BlockCredit } from '../blocks/block.js';
import type { RewardSplit } from '../rewards/schemes.js';
import { splitEntries } from '../rewards/schemes.js';
import { type EntryKind, entryId, type LedgerEntry, revisionRef } from './entries.js';

/** The moments of a block's credit: found and in the chain, matured, left the chain, came back into it. */
export type BlockStage = Extract<EntryKind, 'immature' | 'mature' | 'orphan' | 'restore'>;

/**
 * The moments of a payout's debit: reserved, confirmed on chain, abandoned before it was sent, or returned because
 * the confirmed transaction could not pay that recipient.
 */
export type PayoutStage = Extract<EntryKind, 'reserve' | 'paid' | 'release' | 'returned'>;

/**
 * The entries of one stage of a block: one per credit, id `<stage>:<blockHash>:<role>:<account>`. Writing them is
 * idempotent (conditional puts), and because the ids of the stages differ only in the kind, every stage can be
 * planned from the same fixed credits at any time: maturing writes `mature` entries equal to the `immature` ones.
 * An orphan writes `immature` then `orphan` entries (nets to zero whether or not the first write happened earlier).
 * `trip`: the how-manieth time the block left (orphan) or came back (restore), from 0; the ref is then
 * `<blockHash>#<trip>` (revisionRef) so every trip out and back has its own ids.
 */
export function blockEntries(
  stage: BlockStage,
  blockHash: string,
  credits: readonly BlockCredit[],
  time: number,
  trip = 0,
): LedgerEntry[] {
  const ref = revisionRef(blockHash, trip);
  return credits.map((c) => {
    if (c.amount <= 0n) throw new RangeError(`block ${blockHash}: credit of ${c.account} is not positive`);
    return {
      id: entryId(stage, ref, c.role, c.account),
      account: c.account,
      kind: stage,
      role: c.role,
      amount: c.amount,
      ref,
      time,
    };
  });
}

/** A block's split as credits (miners, fee wallets, finder bonus, dust), for storing on the block once. */
export function splitCredits(split: RewardSplit): BlockCredit[] {
  return splitEntries(split).map((e) => ({ account: e.account, role: e.kind, amount: e.amount }));
}

/** The entries of one stage of a payout: one per recipient, id `<stage>:<payoutId>:miner:<account>`. */
export function payoutEntries(
  stage: PayoutStage,
  payout: { id: string; recipients: ReadonlyArray<{ account: string; amount: bigint }> },
  time: number,
): LedgerEntry[] {
  const seen = new Set<string>();
  return payout.recipients.map((r) => {
    if (r.amount <= 0n) throw new RangeError(`payout ${payout.id}: amount for ${r.account} is not positive`);
    // Two outputs to one account would share an id, and the second would silently not count.
    if (seen.has(r.account)) throw new RangeError(`payout ${payout.id}: ${r.account} appears twice`);
    seen.add(r.account);
    return {
      id: entryId(stage, payout.id, 'miner', r.account),
      account: r.account,
      kind: stage,
      role: 'miner' as const,
      amount: r.amount,
      ref: payout.id,
      time,
    };
  });
}

/** The ref of a PPS/PoT round's credits (revision 0; later ones: revisionRef). */
export const roundRef = (height: number): string => `h${height}`;

/**
 * PPS/PoT credits of one completed round (height): id `pps:h<height>:miner:<account>`, straight to confirmed. A miner
 * credited again for shares that arrived later gets the next revision, `pps:h<height>#<k>:miner:<account>`
 * (`revision` per account: how many credits it already has for the round).
 */
export function roundCreditEntries(
  height: number,
  credits: ReadonlyArray<{ account: string; amount: bigint; revision?: number }>,
  time: number,
): LedgerEntry[] {
  return credits.map((c) => {
    if (c.amount <= 0n) throw new RangeError(`round ${height}: credit of ${c.account} is not positive`);
    const ref = revisionRef(roundRef(height), c.revision ?? 0);
    return {
      id: entryId('pps', ref, 'miner', c.account),
      account: c.account,
      kind: 'pps',
      role: 'miner',
      amount: c.amount,
      ref,
      time,
    };
  });
}
