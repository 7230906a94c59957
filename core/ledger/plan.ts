import type { RewardSplit } from '../rewards/schemes.js';
import { splitEntries } from '../rewards/schemes.js';
import { type EntryKind, entryId, type LedgerEntry, type Role } from './entries.js';

/** One account's part of a block, fixed once per block (the same shape as the stored BlockCredit). */
export interface LedgerCredit {
  account: string;
  role: Role;
  amount: bigint;
}

/** The three moments of a block's credit: found and in the chain, matured, left the chain. */
export type BlockStage = Extract<EntryKind, 'immature' | 'mature' | 'orphan'>;

/** The three moments of a payout's debit: reserved, confirmed on chain, abandoned before it was sent. */
export type PayoutStage = Extract<EntryKind, 'reserve' | 'paid' | 'release'>;

/**
 * The entries of one stage of a block: one per credit, id `<stage>:<blockHash>:<role>:<account>`. Writing them is
 * idempotent (conditional puts), and because the ids of the three stages differ only in the kind, every stage can be
 * planned from the same fixed credits at any time: maturing writes `mature` entries equal to the `immature` ones.
 * An orphan writes `immature` then `orphan` entries (nets to zero whether or not the first write happened earlier).
 */
export function blockEntries(
  stage: BlockStage,
  blockHash: string,
  credits: readonly LedgerCredit[],
  time: number,
): LedgerEntry[] {
  return credits.map((c) => {
    if (c.amount <= 0n) throw new RangeError(`block ${blockHash}: credit of ${c.account} is not positive`);
    return {
      id: entryId(stage, blockHash, c.role, c.account),
      account: c.account,
      kind: stage,
      role: c.role,
      amount: c.amount,
      ref: blockHash,
      time,
    };
  });
}

/** A block's split as credits (miners, fee wallets, finder bonus, dust), for storing on the block once. */
export function splitCredits(split: RewardSplit): LedgerCredit[] {
  return splitEntries(split).map((e) => ({ account: e.account, role: e.kind, amount: e.amount }));
}

/** The immature credit entries of a freshly split block: Σ amounts = the block's reward, exactly. */
export function planBlockCredit(block: { hash: string }, split: RewardSplit, time: number): LedgerEntry[] {
  return blockEntries('immature', block.hash, splitCredits(split), time);
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

/** PPS/PoT credits of one completed round (height): id `pps:h<height>:miner:<account>`, straight to confirmed. */
export function roundCreditEntries(
  height: number,
  credits: ReadonlyArray<{ account: string; amount: bigint }>,
  time: number,
): LedgerEntry[] {
  const ref = `h${height}`;
  return credits.map((c) => {
    if (c.amount <= 0n) throw new RangeError(`round ${height}: credit of ${c.account} is not positive`);
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
