import { formatAmount, type PayoutRecipient, parseAmount } from '../../core/ledger/payouts.js';
import type { PayoutSender, SentPayout } from '../../core/ports/payout-sender.js';
import type { DaemonClient } from './daemon-client.js';

interface WalletTx {
  txid: string;
  category: string;
  address?: string;
  amount: number;
  comment?: string;
  /** When the wallet added the transaction (s), on the node's clock: the wallet lists in that order. */
  timereceived: number;
}

/** A reconciliation reads the wallet's history since the attempt; a minute per call leaves room for a large one. */
const HISTORY_TIMEOUT_MS = 60_000;

/**
 * How far before the attempt's time the history is read: the wallet's clock (the node's) and the pool's may differ,
 * and the node's may be corrected a little backwards (peers' offset, NTP). A day covers that many times over, for a
 * day more of history to read.
 */
const CLOCK_MARGIN_MS = 24 * 3_600_000;

/**
 * Bitcoin-family payouts through the pool wallet: `sendmany` with exact decimal amounts (strings, never floats)
 * and the payout id as the transaction comment, which the wallet stores with the transaction atomically — so after
 * a crash the wallet's history tells whether the payout went out. Conversion deposits go out the same way (their
 * record id as the comment) and are looked up with the same findPayout.
 */
export class WalletPayoutSender implements PayoutSender {
  constructor(
    private readonly wallet: DaemonClient,
    private readonly decimals = 8,
    /** Entries read by the first call of a lookup; each further call reads twice as many. */
    private readonly firstPage = 1000,
  ) {}

  async send(payoutId: string, recipients: PayoutRecipient[]): Promise<string> {
    const amounts: Record<string, string> = {};
    for (const r of recipients) amounts[r.account] = formatAmount(r.amount, this.decimals);
    return this.wallet.call<string>('sendmany', ['', amounts, 1, payoutId], { timeoutMs: 60_000 });
  }

  /**
   * Every wallet transaction carrying the id, from the wallet's history since `since` (ms: the record's creation,
   * before any attempt to send it; without it, the whole history). Never only a window of the latest entries: any
   * number of later transactions — coinbases, every output of later payouts — may come between a crash and this
   * lookup, and a payout not found is sent again.
   */
  async findPayout(payoutId: string, since?: number): Promise<SentPayout[]> {
    const txs = await this.historySince(since === undefined ? Number.NEGATIVE_INFINITY : since - CLOCK_MARGIN_MS);
    const byTx = new Map<string, PayoutRecipient[]>();
    for (const t of txs) {
      if (t.category !== 'send' || t.comment !== payoutId) continue;
      const outs = byTx.get(t.txid) ?? [];
      // Amounts of sends are negative in the wallet's view.
      if (t.address) outs.push({ account: t.address, amount: -parseAmount(t.amount, this.decimals) });
      byTx.set(t.txid, outs);
    }
    return [...byTx].map(([txid, outputs]) => ({ txid, outputs }));
  }

  /**
   * The wallet's latest entries, back past `ms` or to its first: `listtransactions` lists in the order the wallet
   * added transactions, which is the order of their `timereceived`, so once the oldest entry listed was added before
   * `ms`, every transaction added since is in the list. Each call asks for twice as many as the last (a whole
   * history costs about twice one listing of it); fewer than asked for is the whole history.
   */
  private async historySince(ms: number): Promise<WalletTx[]> {
    for (let count = this.firstPage; ; count *= 2) {
      const txs = await this.wallet.call<WalletTx[]>('listtransactions', ['*', count, 0, true], {
        timeoutMs: HISTORY_TIMEOUT_MS,
      });
      const oldest = txs[0]; // oldest first
      if (txs.length < count || (oldest && oldest.timereceived * 1000 < ms)) return txs;
    }
  }

  async spendable(): Promise<bigint> {
    return parseAmount(await this.wallet.call<number>('getbalance', ['*', 1]), this.decimals);
  }

  async confirmations(txid: string): Promise<number> {
    const tx = await this.wallet.call<{ confirmations: number }>('gettransaction', [txid, true]);
    return tx.confirmations;
  }
}
