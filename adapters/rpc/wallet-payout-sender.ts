import { formatAmount, type PayoutRecipient, parseAmount } from '../../core/ledger/payouts.js';
import type { PayoutSender, SentPayout } from '../../core/ports/payout-sender.js';
import type { DaemonClient } from './daemon-client.js';

interface WalletTx {
  txid: string;
  category: string;
  address?: string;
  amount: number;
  comment?: string;
}

/**
 * A reconciliation reads the wallet's whole history in one answer: a minute leaves room for a wallet of years of
 * blocks and payouts. A timeout leaves the payout in `sending`, where the next pass looks again; nothing is sent.
 */
const HISTORY_TIMEOUT_MS = 60_000;

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
  ) {}

  async send(payoutId: string, recipients: PayoutRecipient[]): Promise<string> {
    const amounts: Record<string, string> = {};
    for (const r of recipients) amounts[r.account] = formatAmount(r.amount, this.decimals);
    return this.wallet.call<string>('sendmany', ['', amounts, 1, payoutId], { timeoutMs: 60_000 });
  }

  /**
   * Every wallet transaction carrying the id, from the wallet's whole history: `listsinceblock` without a block lists
   * all of it (mempool and conflicted transactions too). Not a window of the latest entries (`listtransactions`
   * count): any number of later transactions — coinbases, every output of later payouts — may come between a crash
   * and this lookup, and a payout not found is sent again. One pass over the wallet, paid only when reconciling.
   */
  async findPayout(payoutId: string): Promise<SentPayout[]> {
    const { transactions: txs } = await this.wallet.call<{ transactions: WalletTx[] }>(
      'listsinceblock',
      [null, 1, true, false],
      { timeoutMs: HISTORY_TIMEOUT_MS },
    );
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

  async spendable(): Promise<bigint> {
    return parseAmount(await this.wallet.call<number>('getbalance', ['*', 1]), this.decimals);
  }

  async confirmations(txid: string): Promise<number> {
    const tx = await this.wallet.call<{ confirmations: number }>('gettransaction', [txid, true]);
    return tx.confirmations;
  }
}
