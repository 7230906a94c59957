import { DaemonError } from '../../core/errors.js';
import { amountsByAddress, formatAmount, type PayoutRecipient, parseAmount } from '../../core/ledger/payouts.js';
import type { PayoutSender, SentPayout } from '../../core/ports/payout-sender.js';
import type { DaemonClient } from './daemon-client.js';

interface WalletTx {
  txid: string;
  category: string;
  address?: string;
  amount: number;
  comment?: string;
}

/** listsinceblock's answer for a block the node does not know. */
const RPC_INVALID_ADDRESS_OR_KEY = -5;

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
    // Keyed by the address each is paid at (an aux coin's recipients: the address the miner gave). Two accounts paid
    // at one address share its output: summed, never one key overwriting the other.
    const amounts: Record<string, string> = {};
    for (const [address, amount] of amountsByAddress(recipients))
      amounts[address] = formatAmount(amount, this.decimals);
    return this.wallet.call<string>('sendmany', ['', amounts, 1, payoutId], { timeoutMs: 60_000 });
  }

  /** The chain tip the wallet's history stands at: a transaction sent after this is in a later block or none. */
  historyMark(): Promise<string> {
    return this.wallet.getBestBlockHash();
  }

  /**
   * Every wallet transaction carrying the id, however many came after it: `listsinceblock` from the mark taken
   * before the first attempt (every transaction of the later blocks, the unconfirmed and conflicted ones too), or
   * from genesis without one (a record from before marks) or when the node does not know the marked block (a
   * resynced node). Never a window of the latest entries (`listtransactions` count): any number of coinbases and
   * outputs of later payouts may come between a crash and this lookup, and a payout not found is sent again.
   *
   * Asked in the one form every wallet takes: the block hash alone, or no parameter at all for genesis. Dogecoin Core
   * 1.14 (Core 0.14's wallet) refuses a null hash ("JSON value is not a string as expected") and answers an unknown
   * hash with every transaction; Core 0.15+ answers an unknown hash -5, read as a resynced node.
   */
  async findPayout(payoutId: string, from?: string): Promise<SentPayout[]> {
    const since = async (block?: string) =>
      (
        await this.wallet.call<{ transactions: WalletTx[] }>('listsinceblock', block ? [block] : [], {
          timeoutMs: 60_000,
        })
      ).transactions;
    let txs: WalletTx[];
    try {
      txs = await since(from);
    } catch (err) {
      if (!(from && err instanceof DaemonError && err.rpcCode === RPC_INVALID_ADDRESS_OR_KEY)) throw err;
      txs = await since();
    }
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
