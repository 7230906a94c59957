/**
 * Block lifecycle: pending (submitted) → immature (in the main chain, coinbase not spendable yet) → confirmed
 * (coinbase maturity reached: credited to miners exactly once) or → orphaned (left the main chain: credits nothing).
 * Pure: the confirmer Lambda feeds it what the daemon says.
 */
export type BlockLifecycle = 'pending' | 'immature' | 'confirmed' | 'orphaned';

export interface ChainView {
  /** The daemon's `confirmations` for the block hash: -1 when it is known but not in the main chain. */
  confirmations: number;
  /** False when the daemon does not know the hash at all (the submission never made it). */
  known: boolean;
  /** Height of the daemon's tip. */
  tipHeight: number;
}

export interface Assessment {
  next: BlockLifecycle;
  confirmations: number;
  why: string;
}

/** How many blocks past its height an unknown block is given before it counts as orphaned (propagation, reorgs). */
export const UNKNOWN_GRACE_BLOCKS = 2;

export function assessBlock(
  block: { height: number; status: BlockLifecycle },
  view: ChainView,
  maturity: number,
): Assessment {
  if (block.status === 'confirmed' || block.status === 'orphaned') {
    return { next: block.status, confirmations: view.confirmations, why: 'final' };
  }
  if (!view.known) {
    if (view.tipHeight >= block.height + UNKNOWN_GRACE_BLOCKS) {
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
