import { DaemonError } from '../../core/errors.js';
import { parseAmount } from '../../core/ledger/payouts.js';
import type { UpstreamWallet } from '../../core/ports/upstream-payouts.js';
import type { WalletReceipt } from '../../core/proxy/upstream-payouts.js';
import type { DaemonClient } from './daemon-client.js';

interface SinceBlockEntry {
  txid: string;
  vout: number;
  address?: string;
  category: string;
  amount: number;
}

/** gettransaction / getblockhash for a transaction or block the node does not know. */
const RPC_INVALID_ADDRESS_OR_KEY = -5;
/** getblockhash for a height above the tip (a reorg shortened the chain). */
const RPC_INVALID_PARAMETER = -8;

/**
 * The pool wallet as proxy mining reads it (UpstreamWallet), on a Bitcoin Core–like wallet (litecoind, bitcoind,
 * dogecoind): `listsinceblock` from the block at a height (every wallet transaction of the later blocks and the
 * unconfirmed ones, in the one form every such wallet takes: the hash alone, or nothing for the whole history), and
 * `gettransaction` for where one transaction stands.
 */
export class WalletReceiptReader implements UpstreamWallet {
  constructor(
    private readonly wallet: DaemonClient,
    private readonly decimals = 8,
  ) {}

  tipHeight(): Promise<number> {
    return this.wallet.getBlockCount();
  }

  async entriesSince(fromHeight?: number): Promise<{ tip: number; entries: WalletReceipt[] }> {
    // The tip first: whatever lands meanwhile is above it, and read again from the cursor the pass derives from it.
    const tip = await this.wallet.getBlockCount();
    let from: string | undefined;
    if (fromHeight !== undefined && fromHeight > 0) from = await this.blockHash(Math.min(fromHeight, tip));
    const { transactions } = await this.wallet.call<{ transactions: SinceBlockEntry[] }>(
      'listsinceblock',
      from ? [from] : [],
      { timeoutMs: 60_000 },
    );
    return {
      tip,
      entries: transactions.map((t) => ({
        txid: t.txid,
        vout: t.vout,
        ...(t.address === undefined ? {} : { address: t.address }),
        category: t.category,
        amount: parseAmount(t.amount, this.decimals),
      })),
    };
  }

  async transaction(txid: string): Promise<{ confirmations: number; height?: number } | undefined> {
    let tx: { confirmations: number; blockhash?: string; blockheight?: number };
    try {
      tx = await this.wallet.call('gettransaction', [txid, true]);
    } catch (err) {
      if (err instanceof DaemonError && err.rpcCode === RPC_INVALID_ADDRESS_OR_KEY) return undefined;
      throw err;
    }
    if (tx.confirmations <= 0 || !tx.blockhash) return { confirmations: tx.confirmations };
    // Core before 0.20 (Dogecoin Core 1.14) names the block but not its height.
    const height = tx.blockheight ?? (await this.wallet.getBlock<{ height: number }>(tx.blockhash, 1)).height;
    return { confirmations: tx.confirmations, height };
  }

  /** The hash at a height; a height a reorg took away reads from genesis instead (nothing is skipped). */
  private async blockHash(height: number): Promise<string | undefined> {
    try {
      return await this.wallet.getBlockHash(height);
    } catch (err) {
      if (err instanceof DaemonError && err.rpcCode === RPC_INVALID_PARAMETER) return undefined;
      throw err;
    }
  }
}
