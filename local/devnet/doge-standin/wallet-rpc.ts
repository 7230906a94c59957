import { Transaction } from 'bitcoinjs-lib';
import { txHash } from './block.js';
import { type ChainEntry, display, isCoinbase, outpointKey } from './chain.js';
import type { StandinNode } from './node.js';
import { COINBASE_MATURITY } from './params.js';
import { addressOf, coins } from './views.js';

/**
 * The wallet's view of its transactions, as Dogecoin Core 1.14 (Bitcoin Core 0.14's wallet) lists them in
 * gettransaction and listsinceblock: one entry per output it sent to someone else ("send", with the fee) and per
 * output it received ("receive", or "generate"/"immature" for a coinbase), the comment of the send on each.
 */

interface Located {
  tx: Transaction;
  txid: string;
  /** Absent: in the mempool, or nowhere (conflicted). */
  entry?: ChainEntry;
  index?: number;
  confirmations: number;
  time: number;
}

/** Where a transaction is and how deep, or undefined if the node has never seen it. */
export function locate(node: StandinNode, txid: string): Located | undefined {
  const mined = node.chain.transaction(txid);
  if (mined) {
    return {
      tx: mined.tx,
      txid,
      entry: mined.entry,
      index: mined.index,
      confirmations: node.chain.height - mined.entry.height + 1,
      time: node.wallet.sent[txid]?.time ?? mined.entry.time,
    };
  }
  const pooled = node.mempool.get(txid);
  if (pooled) return { tx: pooled.tx, txid, confirmations: 0, time: pooled.time };
  const sent = node.wallet.sent[txid];
  if (!sent) return undefined;
  const tx = Transaction.fromHex(sent.hex);
  // Neither mined nor in the mempool: conflicted (-1) when a mined transaction spent one of its inputs.
  const conflicted = tx.ins.some((i) => {
    const key = outpointKey(display(Buffer.from(i.hash)), i.index);
    return !node.chain.utxos.has(key) && !node.mempoolSpent.has(key);
  });
  return { tx, txid, confirmations: conflicted ? -1 : 0, time: sent.time };
}

/** The value of the output an input spends, and its script, from the chain or the mempool. */
function prevout(node: StandinNode, txid: string, vout: number) {
  const tx = node.chain.transaction(txid)?.tx ?? node.mempool.get(txid)?.tx;
  return tx?.outs[vout];
}

export interface WalletEntry {
  address?: string;
  category: 'send' | 'receive' | 'generate' | 'immature';
  amount: number;
  label?: string;
  vout: number;
  fee?: number;
}

/** The wallet's entries for a transaction, its net amount and fee; undefined when it touches no key of the wallet. */
export function walletView(node: StandinNode, at: Located) {
  const { tx } = at;
  const coinbase = isCoinbase(tx);
  const fromMe =
    !coinbase &&
    tx.ins.some((i) => {
      const out = prevout(node, display(Buffer.from(i.hash)), i.index);
      return out !== undefined && node.wallet.owns(out.script);
    });
  const owned = tx.outs.map((o) => node.wallet.keyFor(o.script));
  if (!fromMe && owned.every((k) => k === undefined)) return undefined;
  const valueOut = tx.outs.reduce((s, o) => s + o.value, 0n);
  let valueIn = 0n;
  if (fromMe) {
    for (const i of tx.ins) valueIn += prevout(node, display(Buffer.from(i.hash)), i.index)?.value ?? 0n;
  }
  const fee = fromMe ? valueOut - valueIn : 0n;
  const entries: WalletEntry[] = [];
  tx.outs.forEach((o, vout) => {
    const key = owned[vout];
    if (fromMe && !key?.change) {
      const address = addressOf(o.script, node.chain.params.network);
      entries.push({
        ...(address ? { address } : {}),
        category: 'send',
        amount: -coins(o.value),
        ...(key ? { label: key.label } : {}),
        vout,
        fee: coins(fee),
      });
    }
    if (key && !(fromMe && key.change)) {
      const mature = at.confirmations >= COINBASE_MATURITY + 1;
      entries.push({
        address: key.address,
        category: coinbase ? (mature ? 'generate' : 'immature') : 'receive',
        amount: coins(o.value),
        label: key.label,
        vout,
      });
    }
  });
  const credit = tx.outs.reduce((s, o, vout) => s + (owned[vout] ? o.value : 0n), 0n);
  return { entries, amount: coins(fromMe ? credit - valueOut : credit), fee: fromMe ? coins(fee) : undefined };
}

/** Core's WalletTxToJSON: the fields every entry of a transaction carries. */
function common(node: StandinNode, at: Located) {
  const comment = node.wallet.sent[at.txid]?.comment;
  const coinbase = isCoinbase(at.tx);
  return {
    confirmations: at.confirmations,
    ...(coinbase ? { generated: true } : {}),
    ...(at.entry ? { blockhash: display(at.entry.hash), blockindex: at.index, blocktime: at.entry.time } : {}),
    txid: at.txid,
    walletconflicts: [],
    time: at.time,
    timereceived: at.time,
    ...(comment ? { comment } : {}),
    'bip125-replaceable': 'no',
  };
}

/** gettransaction: undefined for a transaction that is not the wallet's. */
export function getTransaction(node: StandinNode, txid: string) {
  const at = locate(node, txid);
  const view = at && walletView(node, at);
  if (!at || !view) return undefined;
  return {
    amount: view.amount,
    ...(view.fee !== undefined ? { fee: view.fee } : {}),
    ...common(node, at),
    details: view.entries,
    hex: at.tx.toHex(),
  };
}

/**
 * listsinceblock: every wallet entry of the transactions mined after `sinceHeight` (all, when undefined), then
 * those in the mempool and those sent but nowhere (conflicted); `lastblock` is the block `targetConfirmations` deep.
 */
export function listSinceBlock(node: StandinNode, sinceHeight: number | undefined, targetConfirmations: number) {
  const transactions: Record<string, unknown>[] = [];
  const add = (txid: string) => {
    const at = locate(node, txid);
    const view = at && walletView(node, at);
    if (!at || !view) return;
    for (const e of view.entries) transactions.push({ account: '', ...e, ...common(node, at) });
  };
  const seen = new Set<string>();
  for (const entry of node.chain.entries.slice((sinceHeight ?? -1) + 1)) {
    for (const tx of entry.block.txs) {
      const txid = display(txHash(tx));
      seen.add(txid);
      add(txid);
    }
  }
  for (const txid of node.mempool.keys()) if (!seen.has(txid)) add(txid);
  for (const txid of Object.keys(node.wallet.sent)) {
    if (!node.chain.txIndex.has(txid) && !node.mempool.has(txid)) add(txid);
  }
  const last = node.chain.entries[Math.max(0, node.chain.height + 1 - Math.max(1, targetConfirmations))]!;
  return { transactions, lastblock: display(last.hash) };
}
