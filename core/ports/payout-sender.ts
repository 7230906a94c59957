import { PoolError } from '../errors.js';
import type { PayoutRecipient } from '../ledger/payouts.js';

/** A transaction the wallet made for a payout, as found by the payout id it carries. */
export interface SentPayout {
  txid: string;
  outputs: PayoutRecipient[];
}

/** A recipient a mined payout transaction did not pay (the token or the address refused it), and why. */
export interface SkippedRecipient extends PayoutRecipient {
  reason: string;
}

/**
 * The sender refused a payout before broadcasting anything (the chain rejects it in simulation: the wallet cannot
 * cover it, the token is paused): nothing can have gone out. The payouts machine suspends the coin's payouts rather
 * than retry it every pass.
 */
export class PayoutNotSentError extends PoolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'PAYOUT_NOT_SENT', options);
  }
}

/**
 * Sends payouts of one coin. Bitcoin-family: wallet RPC sendmany with the payout id as the comment; an
 * Ethereum-family sender (ethers) will implement the same port.
 */
export interface PayoutSender {
  /** One transaction paying every recipient; the payout id must be findable later (findPayout). */
  send(payoutId: string, recipients: PayoutRecipient[]): Promise<string>;
  /**
   * Where the wallet's history stands, taken before the first attempt to send and kept with the record: findPayout
   * then reads only what came after it (Bitcoin-family: the chain tip). Absent: findPayout searches as it must.
   */
  historyMark?(): Promise<string>;
  /**
   * Every wallet transaction that carries this payout id (0 or 1 in a healthy wallet), however many came after it.
   * `from`: the record's history mark (none for a record from before marks: the whole history).
   */
  findPayout(payoutId: string, from?: string): Promise<SentPayout[]>;
  /** Confirmations of a transaction; negative when it conflicts with the chain. */
  confirmations(txid: string): Promise<number>;
  /** What the wallet can spend now (confirmed, mature), base units. */
  spendable(): Promise<bigint>;
  /**
   * The recipients a mined transaction skipped while paying the others (EVM: PayoutBatch skips a transfer the token
   * or the recipient refuses). Absent: a transaction pays every output or none.
   */
  skipped?(txid: string): Promise<SkippedRecipient[]>;
}
