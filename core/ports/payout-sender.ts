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
 * A signed-first sender's broadcast was refused because another transaction spent its inputs (in the mempool or the
 * chain). The recorded transaction can never confirm; only an operator may decide what replaces it.
 */
export class PayoutConflictError extends PoolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'PAYOUT_CONFLICT', options);
  }
}

/** What every sender answers about its chain and wallet. */
interface PayoutChain {
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

/**
 * Sends payouts of one coin, and finds them again by payout id after a crash. Bitcoin-family: wallet RPC sendmany
 * with the payout id as the comment (Bitcoin Core, litecoind); Ethereum-family: the PayoutBatch contract's events.
 */
export interface PayoutSender extends PayoutChain {
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
}

/** A payout's transaction, built and signed, not broadcast: its id and its bytes (hex). */
export interface SignedPayout {
  txid: string;
  raw: string;
}

/**
 * Sends payouts in two phases, for wallets that cannot tag a transaction with the payout id (btcwallet refuses
 * sendmany comments): `prepare` builds and signs the transaction, the payouts machine records it on the payout, and
 * only then `broadcast` sends those bytes. After a crash the recorded transaction is broadcast again, never a new
 * one, so the payout cannot be paid twice; none recorded means nothing went out.
 */
export interface SignedFirstSender extends PayoutChain {
  /**
   * One transaction paying every recipient exactly its amount (fees on top, from the wallet), signed; nothing is
   * broadcast. PayoutNotSentError when the wallet cannot make it (funds, a locked wallet without its passphrase).
   */
  prepare(payoutId: string, recipients: PayoutRecipient[]): Promise<SignedPayout>;
  /**
   * Sends the signed transaction; its txid. Idempotent: a transaction the node already has (mempool or chain) is a
   * success. PayoutConflictError when its inputs were spent by another transaction.
   */
  broadcast(tx: SignedPayout): Promise<string>;
}

/** A coin's payout sender: found by payout id after a crash, or signed first (core/ports: the two shapes). */
export type AnyPayoutSender = PayoutSender | SignedFirstSender;

export function isSignedFirst(sender: AnyPayoutSender): sender is SignedFirstSender {
  return 'prepare' in sender && 'broadcast' in sender;
}
