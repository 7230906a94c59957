import type { ExchangeDeposit } from '../ports/exchange.js';
import type { SentPayout } from '../ports/payout-sender.js';
import type { ConversionConfig } from './config.js';

/**
 * The deposit leg of a conversion (issue 7): before a leg sells on an exchange that takes `deposit`, its amount of
 * the mined coin moves there from the pool's coin wallet. Each step a conditional status change (the payout
 * discipline):
 *  pending  — created with the exchange's deposit address, fixed before anything is sent, and the amount to send:
 *             the leg's less what the pool holds there already (inventory; all of it: created `credited`);
 *  sending  — won by one run, which sends with the wallet's `sendmany`, the record id as the transaction comment;
 *             a run that finds a deposit here (a crash around the send) looks the wallet up by that id: found → sent
 *             with that txid, not found → pending again (nothing left the wallet);
 *  sent     — the txid recorded; the exchange's deposit history is read for it until the exchange credits it. An
 *             exchange that never credits leaves the deposit here: nothing is ever sent again for it;
 *  credited — the exchange credited the txid: the leg may sell.
 * The wallet pays the network fee on top of the amount (the pool's coins, not the miners': they gave exactly the
 * amount by their convert-out entries).
 */
export type DepositStatus = 'pending' | 'sending' | 'sent' | 'credited';

/**
 * A coin whose conversion sells on an exchange that takes `deposit`: the conversion pass then needs the pool's coin
 * wallet (its chain family's depositWallet), and in AWS the conversion Lambda runs where the coin's nodes are.
 */
export function takesDeposits(conversion: Pick<ConversionConfig, 'exchanges'> | undefined): boolean {
  return conversion?.exchanges.some((x) => x.deposit !== undefined) ?? false;
}

export const DEPOSIT_NEXT: Readonly<Record<DepositStatus, readonly DepositStatus[]>> = {
  pending: ['sending'],
  // Back to pending only when the wallet holds no transaction for the deposit (see reconcileSending).
  sending: ['sent', 'pending'],
  sent: ['credited'],
  credited: [],
};

export interface DepositRecord {
  /** depositId(conversion, leg): a retried run finds the same record. */
  id: string;
  conversion: string;
  leg: number;
  /** The mined coin (its ledger table holds the record). */
  coin: string;
  exchange: string;
  /** Base units of the coin sent, exactly what the exchange must receive: the leg's amount − fromInventory. */
  amount: bigint;
  /** What of the leg's amount the pool already held on the exchange (core/conversion/inventory.ts). */
  fromInventory?: bigint;
  /** The exchange's deposit address, as it gave it when the record was created. */
  address: string;
  network?: string;
  status: DepositStatus;
  /** The wallet transaction, from the move to `sent` on. */
  txid?: string;
  /**
   * Where the pool wallet's history stood before the first attempt to send (PayoutSender.historyMark), set with the
   * first move to `sending`: the lookup after a crash reads from there.
   */
  historyMark?: string;
  /** The exchange's id of the credited deposit. */
  exchangeDepositId?: string;
  createdAt: number;
  updatedAt: number;
}

/** `dep-<conversion id>-<leg>`: one deposit per leg of a conversion. */
export function depositId(conversionId: string, leg: number): string {
  return `dep-${conversionId}-${leg}`;
}

export function canMoveDeposit(from: DepositStatus, to: DepositStatus): boolean {
  return DEPOSIT_NEXT[from].includes(to);
}

/**
 * A deposit found in `sending`: what the wallet's transactions carrying its id say. One transaction paying exactly
 * the amount to the address → sent; none → pending (send it); anything else is for the operator, never a resend.
 */
export function reconcileSending(
  record: Pick<DepositRecord, 'id' | 'address' | 'amount'>,
  found: readonly SentPayout[],
): { to: 'sent'; txid: string } | { to: 'pending' } | { problem: string } {
  if (found.length === 0) return { to: 'pending' };
  if (found.length > 1) return { problem: `deposit ${record.id} appears in ${found.length} wallet transactions` };
  const tx = found[0]!;
  const [out, ...more] = tx.outputs;
  if (more.length > 0 || out?.account !== record.address || out.amount !== record.amount) {
    return {
      problem: `deposit ${record.id}: wallet transaction ${tx.txid} does not pay ${record.amount} to ${record.address}`,
    };
  }
  return { to: 'sent', txid: tx.txid };
}

/**
 * A deposit in `sent` against the exchange's record of its txid (amount in base units): credited once the exchange
 * says ok for the whole amount; waiting while it has not seen it or is confirming; a failed or short credit is for
 * the operator (the deposit waits, nothing is resent).
 */
export function creditOutcome(
  record: Pick<DepositRecord, 'id' | 'amount' | 'txid'>,
  seen: (Omit<ExchangeDeposit, 'amount'> & { amount: bigint }) | undefined,
): { to: 'credited'; exchangeDepositId: string } | 'waiting' | { problem: string } {
  if (!seen || seen.status === 'pending') return 'waiting';
  if (seen.status === 'failed') return { problem: `deposit ${record.id}: the exchange reports ${record.txid} failed` };
  if (seen.amount < record.amount) {
    return { problem: `deposit ${record.id}: the exchange credited ${seen.amount} of ${record.amount}` };
  }
  return { to: 'credited', exchangeDepositId: seen.id };
}
