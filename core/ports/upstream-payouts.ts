import type { BlockCredit } from '../blocks/block.js';
import type { UpstreamPayout, UpstreamPayoutStatus, WalletReceipt } from '../proxy/upstream-payouts.js';

/**
 * What proxy mining's money pass reads of the coin's wallet (the pool address's wallet): the entries since a height,
 * and where one transaction stands now. Bitcoin family: Core's `listsinceblock` and `gettransaction`
 * (adapters/rpc/wallet-receipts.ts).
 */
export interface UpstreamWallet {
  /** The chain's tip height as the wallet's node sees it. */
  tipHeight(): Promise<number>;
  /**
   * The wallet's entries in blocks after `fromHeight` (the whole history without it) and its unconfirmed ones, and the
   * chain's tip height when read.
   */
  entriesSince(fromHeight?: number): Promise<{ tip: number; entries: WalletReceipt[] }>;
  /**
   * Where a wallet transaction stands: its confirmations (0 unconfirmed, negative: conflicted, i.e. another
   * transaction spent its inputs) and the height of its block; undefined when the wallet does not know it (any more).
   */
  transaction(txid: string): Promise<{ confirmations: number; height?: number } | undefined>;
}

/**
 * The upstream payouts of a coin, on its ledger table. Every write is one conditional single-item write: a payout is
 * recorded once, its split fixed once, its status moved only from an expected one.
 */
export interface UpstreamPayoutStore {
  /** Records a payout seen in the wallet as `pending`; false when it was recorded already (nothing changes). */
  recordUpstreamPayout(coin: string, payout: UpstreamPayout): Promise<boolean>;
  /** Fixes a pending payout's split and the height it was taken at; false when it was fixed already (read it back). */
  setUpstreamCredits(coin: string, id: string, height: number, credits: BlockCredit[]): Promise<boolean>;
  /** Moves a payout from `from` to `to`; false when it was not in `from` any more. */
  setUpstreamStatus(coin: string, id: string, from: UpstreamPayoutStatus, to: UpstreamPayoutStatus): Promise<boolean>;
  getUpstreamPayout(coin: string, id: string): Promise<UpstreamPayout | undefined>;
  /** The payouts not settled yet (pending and credited), oldest seen first: what a pass works on. */
  listOpenUpstreamPayouts(coin: string): Promise<UpstreamPayout[]>;
  /**
   * Marks that a payout's split was fixed at `height` (idempotent): what `previousSplitHeight` finds. Written before
   * the payout is credited, so every credited payout is marked.
   */
  markUpstreamSplit(coin: string, id: string, height: number): Promise<void>;
  /**
   * Where a PROP period ending at `height` starts: the highest height below it at which a payout's split was marked
   * (-1: none; two payouts in one block share its period). One bounded read, however long the history.
   */
  previousSplitHeight(coin: string, height: number): Promise<number>;
  /** Every upstream payout (the audit). */
  listUpstreamPayouts(coin: string): Promise<UpstreamPayout[]>;
}
