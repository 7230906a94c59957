import type { PayoutRecipient } from '../ledger/payouts.js';

/** A transaction the wallet made for a payout, as found by the payout id it carries. */
export interface SentPayout {
  txid: string;
  outputs: PayoutRecipient[];
}

/**
 * Sends payouts of one coin. Bitcoin-family: wallet RPC sendmany with the payout id as the comment; an
 * Ethereum-family sender (ethers) will implement the same port.
 */
export interface PayoutSender {
  /** One transaction paying every recipient; the payout id must be findable later (findPayout). */
  send(payoutId: string, recipients: PayoutRecipient[]): Promise<string>;
  /**
   * Every wallet transaction that carries this payout id (0 or 1 in a healthy wallet), however many came after it.
   * `since` (ms): a time before any attempt to send it (its record's creation); history older than that (with a
   * margin for clocks) need not be read.
   */
  findPayout(payoutId: string, since?: number): Promise<SentPayout[]>;
  /** Confirmations of a transaction; negative when it conflicts with the chain. */
  confirmations(txid: string): Promise<number>;
  /** What the wallet can spend now (confirmed, mature), base units. */
  spendable(): Promise<bigint>;
}
