import type { ShareBatch } from '../shares/share.js';

/**
 * Local durable fallback for share batches the transport did not accept (a disk file in practice).
 * A share acknowledged to a miner is in the queue or here, so this must survive a process restart.
 * Batches live in segments; a segment is removed as a whole once every batch in it was resent, which keeps the
 * storage append-only.
 */
export interface ShareSpool {
  /** Resolves only when the batch is durable (written and fsynced), with the id of the segment it is in. */
  append(batch: ShareBatch): Promise<string>;
  /**
   * Seals the segment being appended to (later appends start a new one) and lists every sealed segment not yet
   * removed, oldest first: what a replay should resend.
   */
  sealSegments(): Promise<string[]>;
  /** The batches of one sealed segment, in append order. */
  readSegment(id: string): Promise<ShareBatch[]>;
  /** Forgets a segment once all its batches were accepted by the transport. */
  removeSegment(id: string): Promise<void>;
  /**
   * How many batches this spool appended to segment `id` (counted as their appends succeed, before they resolve),
   * when it created the segment and has not removed it; undefined for another's (a previous process's). A caller
   * that saw that many appends resolve with `id` saw the whole segment, and need not read it back.
   */
  appended?(id: string): number | undefined;
}
