/*
 * Block lifecycle (BlockStatus): pending (submitted) → immature (in the main chain, coinbase not spendable yet) → confirmed
 * (coinbase maturity reached: credited to miners exactly once), or orphaned (out of the main chain: credits
 * nothing). A reorg can take a block out and bring it back before maturity, any number of times: an orphaned block
 * is followed until the chain is a coinbase maturity past its height, like an immature one (isSettled); only then
 * are confirmed and orphaned final. Pure: the confirmer Lambda feeds it what the daemon says.
 */

import type { BlockStatus } from './block.js';

export interface ChainView {
  /** The daemon's `confirmations` for the block hash: -1 when it is known but not in the main chain. */
  confirmations: number;
  /** False when the daemon does not know the hash at all (the submission never made it). */
  known: boolean;
  /** Height of the daemon's tip. */
  tipHeight: number;
}

export interface Assessment {
  next: BlockStatus;
  confirmations: number;
  why: string;
}

/** How many blocks past its height an unknown block is given before it counts as orphaned (propagation, reorgs). */
export const UNKNOWN_GRACE_BLOCKS = 2;

/**
 * True when nothing can change the block any more: confirmed, or orphaned with the chain `maturity` blocks past its
 * height (back in the chain it would be mature already: a reorg that deep is not followed, as for a confirmed one).
 */
export function isSettled(
  block: { height: number; status: BlockStatus },
  tipHeight: number,
  maturity: number,
): boolean {
  if (block.status === 'confirmed') return true;
  return block.status === 'orphaned' && tipHeight - block.height + 1 >= maturity;
}

export function assessBlock(
  block: { height: number; status: BlockStatus },
  view: ChainView,
  maturity: number,
  unseenGrace = UNKNOWN_GRACE_BLOCKS,
): Assessment {
  if (isSettled(block, view.tipHeight, maturity)) {
    return { next: block.status, confirmations: view.confirmations, why: 'final' };
  }
  if (!view.known) {
    if (block.status === 'orphaned' || view.tipHeight >= block.height + unseenGrace) {
      return { next: 'orphaned', confirmations: -1, why: 'the daemon does not know the block' };
    }
    return { next: block.status, confirmations: 0, why: 'not seen yet' };
  }
  if (view.confirmations < 0) return { next: 'orphaned', confirmations: -1, why: 'not in the main chain' };
  if (view.confirmations >= maturity) return { next: 'confirmed', confirmations: view.confirmations, why: 'mature' };
  return {
    next: 'immature',
    confirmations: view.confirmations,
    why: `${view.confirmations}/${maturity} confirmations`,
  };
}
