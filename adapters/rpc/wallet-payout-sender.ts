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
 * Bitcoin-family payouts through the pool wallet: `sendmany` with exact decimal amounts (strings, never floats)
 * and the payout id as the transaction comment, which the wallet stores with the transaction atomically — so after
 * a crash `listtransactions` tells whether the payout went out.
 */
export class WalletPayoutSender implements PayoutSender {
  constructor(
    private readonly wallet: DaemonClient,
    private readonly decimals = 8,
    private readonly scanDepth = 1000,
  ) {}

  async send(payoutId: string, recipients: PayoutRecipient[]): Promise<string> {
    const amounts: Record<string, string> = {};
    for (const r of recipients) amounts[r.account] = formatAmount(r.amount, this.decimals);
    return this.wallet.call<string>('sendmany', ['', amounts, 1, payoutId], { timeoutMs: 60_000 });
  }

  async findPayout(payoutId: string): Promise<SentPayout[]> {
    const txs = await this.wallet.call<WalletTx[]>('listtransactions', ['*', this.scanDepth, 0, true]);
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
