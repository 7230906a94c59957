import { parseAmount } from '../../core/ledger/payouts.js';

/**
 * A wallet answering as Bitcoin Core's (and the stand-in DOGE node's) wallet RPC does for payouts: `sendmany` takes
 * one amount per address (a JSON object) and the comment, `listsinceblock` lists one `send` per output, mined at
 * once (one confirmation).
 */
export class CoreLikeWallet {
  sent: Array<{ txid: string; comment: string; amounts: Record<string, string> }> = [];
  async call<T>(method: string, params: unknown[]): Promise<T> {
    switch (method) {
      case 'sendmany': {
        const [, amounts, , comment] = params as [string, Record<string, string>, number, string];
        const txid = `tx${this.sent.length}`.padEnd(64, '0');
        this.sent.push({ txid, comment, amounts });
        return txid as T;
      }
      case 'listsinceblock':
        return {
          transactions: this.sent.flatMap((t) =>
            Object.entries(t.amounts).map(([address, amount]) => ({
              txid: t.txid,
              category: 'send',
              address,
              amount: -Number(amount),
              comment: t.comment,
            })),
          ),
        } as T;
      case 'getbalance':
        return 1_000_000 as T;
      case 'gettransaction':
        return { confirmations: 1 } as T;
      default:
        throw new Error(`unexpected ${method}`);
    }
  }
  async getBestBlockHash(): Promise<string> {
    return '00'.repeat(32);
  }
  /** What each address received, over every transaction. */
  received(): Map<string, bigint> {
    const out = new Map<string, bigint>();
    for (const t of this.sent)
      for (const [a, v] of Object.entries(t.amounts)) out.set(a, (out.get(a) ?? 0n) + parseAmount(v));
    return out;
  }
}
